package cli

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hogen-dev/hogen/compiler"
	"github.com/hogen-dev/hogen/compiler/inputs"
	"github.com/hogen-dev/hogen/compiler/secrets"
	"github.com/hogen-dev/hogen/compiler/semdiff"
	"github.com/hogen-dev/hogen/compiler/sink"
	"github.com/hogen-dev/hogen/emitters"
)

func newDiffCmd(env *Env) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "diff [DIR]",
		Short: "Show what a build would change, per object and field",
		Long: `Diff compiles the description in DIR (default: the current directory) and
shows what 'hogen build' would change, without writing anything: files added
and removed, and in YAML files the Kubernetes objects (kind, namespace, name)
added, removed or changed, with the field paths that changed
(spec.chart.spec.version: 1.17.5 -> 1.17.6).

Secret values never appear. A secret file SOPS encrypts only in part (a Talos
machine config) shows the fields it keeps in clear when the age key opens
it; any other secret file is only reported as changed.
--format markdown writes a report for a pull request comment.`,
		Example: `  hogen diff examples/homelab
  hogen diff --format markdown >> "$GITHUB_STEP_SUMMARY"`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "text" && format != "markdown" {
				return usageErrorf("--format %q: want text or markdown", format)
			}
			return runDiff(cmd, env, dirArg(args), format)
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or markdown")
	return cmd
}

func runDiff(cmd *cobra.Command, env *Env, dir, format string) error {
	b, err := planBuild(cmd.Context(), env, dir, false, false)
	if err != nil {
		return err
	}
	b.reportSecrets(env)
	r := semdiff.Diff(planSets(b))
	// Outdated files changed, though what changed cannot be read.
	for _, p := range b.plan.Outdated {
		r.Files = append(r.Files, semdiff.FileChange{Path: p, Kind: semdiff.Changed, Secret: true})
	}
	slices.SortFunc(r.Files, func(a, b semdiff.FileChange) int { return strings.Compare(a.Path, b.Path) })
	// Files whose digest matched are current as far as the description
	// goes: not listed as unchecked.
	for _, p := range b.plan.Unverified {
		if !slices.Contains(b.plan.Outdated, p) && !slices.Contains(b.plan.Matched, p) {
			r.Unverified = append(r.Unverified, p)
		}
	}
	var out bytes.Buffer
	render := r.Text
	if format == "markdown" {
		render = r.Markdown
	}
	if err := render(&out); err != nil {
		return err
	}
	// The report shows only what is in clear in Git, by construction; the
	// leak guard checks it all the same before it reaches a PR comment.
	if _, err := inputs.GuardLeaks(b.res.Description, []emitters.File{{Path: "the diff", Data: out.Bytes()}}); err != nil {
		var ds compiler.Diagnostics
		if errors.As(err, &ds) && len(ds) > 0 {
			return fmt.Errorf("not printing the diff: it would show the value of secret %q", strings.TrimPrefix(ds[0].Path, "secrets."))
		}
		return fmt.Errorf("not printing the diff: %w", err)
	}
	_, err = env.Stdout.Write(out.Bytes())
	return err
}

// planSets turns a plan's changes into the two sides of a semantic diff;
// unchanged files are left out, as they cannot differ. A changed secret
// file encrypted only in part (a Talos config) is given as plaintext on
// both sides, with its rule, when the key opens the old one: its clear
// fields are then shown as they are in Git, its encrypted ones never.
func planSets(b *built) (old, new semdiff.Set) {
	emitted := map[string]emitters.File{}
	for _, f := range b.res.Files {
		emitted[f.Path] = f
	}
	old, new = semdiff.Set{}, semdiff.Set{}
	for _, cs := range [][]sink.Change{b.plan.Writes, b.plan.Prunes} {
		for _, c := range cs {
			if c.Old != nil {
				old[c.Path] = semdiff.File{Data: c.Old, Secret: c.Secret}
			}
			if c.New != nil {
				new[c.Path] = semdiff.File{Data: c.New, Secret: c.Secret}
			}
			f := emitted[c.Path]
			if !c.Secret || c.New == nil || f.EncryptedRegex == "" || f.Data == nil {
				continue
			}
			var oldPlain []byte
			if c.Old != nil {
				if !secrets.EncryptedBy(c.Old, f.EncryptedRegex) {
					continue // its clear fields are not the rule's
				}
				var err error
				if oldPlain, err = secrets.Decrypt(c.Old, b.res.Unlocked.Identities); err != nil {
					continue
				}
				old[c.Path] = semdiff.File{Data: oldPlain, Secret: true, EncryptedRegex: f.EncryptedRegex}
			}
			new[c.Path] = semdiff.File{Data: f.Data, Secret: true, EncryptedRegex: f.EncryptedRegex}
		}
	}
	return old, new
}
