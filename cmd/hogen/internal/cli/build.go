package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hogen-dev/hogen/compiler"
	"github.com/hogen-dev/hogen/compiler/secrets"
	"github.com/hogen-dev/hogen/compiler/sink"
	"github.com/hogen-dev/hogen/emitters/builtin"
)

func newBuildCmd(env *Env) *cobra.Command {
	var check, full bool
	cmd := &cobra.Command{
		Use:   "build [DIR]",
		Short: "Generate the cluster's files from its description",
		Long: `Build compiles the description in DIR (default: the current directory) and
writes the generated files beside it. It writes nothing unless every emitter
succeeds; each file is replaced atomically and only when its bytes change.
Files hogen generated before and no longer generates are removed; hogen
keeps their list, with the hash of each, in ` + sink.ManifestName + `, and removes
one only while it holds what hogen wrote, under an emitter's output
directories, and never an input of the description. It never touches a file
it did not generate, nor anything through a symbolic link. One build runs at
a time per directory; one that is killed is undone by the next.

With --check, build writes nothing: it prints a unified diff of what would
change and exits 1 when the tree is out of date, 0 when it is current.
Pre-commit hooks and CI run this.

A tree that the last complete build left as it is, with none of that
build's inputs changed, is current without evaluating the description: the
manifest's trace records the inputs' hashes, and the generated files' hashes
are checked against it. The trace is a claim like the rest of the manifest:
it catches any edit, merge or Renovate bump, but not a manifest rewritten on
purpose to match edited files. Otherwise the build makes again only the
units (a node's config, an app's directory) whose key in the manifest, a
digest of what their files are made of, changed, or whose files did. With
--full the build trusts neither and makes and checks every file from the
description; CI checking pull requests should use it.`,
		Example: `  hogen build examples/homelab
  hogen build --check          # in pre-commit: fail when generated files are stale
  hogen build --check --full   # in CI: the same, never trusting the manifest's trace`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runBuild(cmd, env, dirArg(args), check, full)
		},
	}
	cmd.Flags().BoolVar(&check, "check", false, "write nothing; exit 1 and print a diff if the output is out of date")
	cmd.Flags().BoolVar(&full, "full", false, "evaluate the description, make and check every file, never trusting the last build's trace and units in the manifest")
	return cmd
}

// fresh tells whether the last complete build's trace shows the tree in
// dir current; never with --full.
func fresh(env *Env, dir string, check, full bool) (files, warnings int, ok bool) {
	if full {
		return 0, 0, false
	}
	return compiler.Fresh(buildOptions(env, dir), builtin.All(), !check)
}

func runBuild(cmd *cobra.Command, env *Env, dir string, check, full bool) error {
	// Nothing changed since the last complete build: its files stand.
	if n, warns, ok := fresh(env, dir, check, full); ok {
		if warns > 0 {
			// The manifest is no place to read text to print from.
			noun := "warnings"
			if warns == 1 {
				noun = "warning"
			}
			fmt.Fprintf(env.Stderr, "%d %s at the last full build, unchanged since: 'hogen vet %s' shows them\n", warns, noun, dir)
		}
		if check {
			fmt.Fprintf(env.Stdout, "%s: up to date (%d files)\n", dir, n)
		} else {
			fmt.Fprintf(env.Stdout, "%s: 0 added, 0 changed, 0 removed, %d unchanged\n", dir, n)
		}
		return nil
	}
	b, err := planBuild(cmd.Context(), env, dir, !check, full)
	if err != nil {
		return err
	}
	defer b.lock.Unlock()
	b.reportSecrets(env)
	if err := b.outdated(); err != nil {
		return err
	}
	if check {
		if b.plan.Clean() {
			// Exit 0 all the same when files could not be checked, as
			// documented: a CI job without the key still checks the rest.
			// It must not read as all checked.
			u, m := len(b.plan.Unverified)-len(b.plan.Matched), len(b.plan.Matched)
			var notes []string
			if m > 0 {
				notes = append(notes, fmt.Sprintf("%d secret files checked by digest only, their secret values not", m))
			}
			if u > 0 {
				notes = append(notes, fmt.Sprintf("%d secret files not checked for want of the age key", u))
			}
			note := ""
			if len(notes) > 0 {
				note = "; " + strings.Join(notes, "; ")
			}
			fmt.Fprintf(env.Stdout, "%s: up to date (%d files%s)\n", dir, b.plan.Unchanged, note)
			return nil
		}
		if err := b.plan.Diff(env.Stdout); err != nil {
			return err
		}
		fmt.Fprintf(env.Stderr, "%s: out of date: %s; run 'hogen build %s'\n", dir, b.plan.Summary(), dir)
		return errReported
	}
	if err := b.plan.Apply(cmd.Context()); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "%s: %s\n", dir, b.plan.Summary())
	return nil
}

// built is a compiled description compared with the tree on disk: what
// build writes, build --check reports and diff explains.
type built struct {
	res    *compiler.Result
	plan   *sink.Plan
	sealer *secrets.Sealer // nil when the description has no recipients
	lock   *sink.Lock      // held by a build that writes; nil otherwise
}

// planBuild compiles dir and plans the build. To write, it first takes the
// tree's lock (which also undoes what an interrupted build left); the
// caller unlocks it.
func planBuild(ctx context.Context, env *Env, dir string, write, full bool) (*built, error) {
	opts := buildOptions(env, dir)
	opts.Full = full
	res, err := compiler.Generate(ctx, opts, builtin.All())
	if rerr := report(env, res.Diagnostics, err); rerr != nil {
		return nil, rerr
	}
	b := &built{res: res}
	if write {
		if b.lock, err = sink.Acquire(dir, res.Scope); err != nil {
			return nil, err
		}
		if b.lock.Recovered {
			fmt.Fprintf(env.Stderr, "%s: an interrupted build had changed files: they were put back\n", dir)
			// What the build kept was judged before they were.
			opts.Full = true
			if b.res, err = compiler.Generate(ctx, opts, builtin.All()); err != nil {
				b.lock.Unlock()
				return nil, report(env, b.res.Diagnostics, err)
			}
		}
	}
	if err := b.compare(dir, env); err != nil {
		b.lock.Unlock()
		return nil, err
	}
	return b, nil
}

// buildOptions are the compiler's options for building dir.
func buildOptions(env *Env, dir string) compiler.Options {
	return compiler.Options{Dir: dir, Getenv: env.Getenv, Version: Version()}
}

// compare plans the generated files against the tree.
func (b *built) compare(dir string, env *Env) error {
	var sealer sink.Sealer
	if rs := b.res.Description.Cluster.SOPS.AgeRecipients; len(rs) > 0 {
		var err error
		if b.sealer, err = secrets.NewSealer(rs, b.res.Unlocked.Identities); err != nil {
			return err
		}
		sealer = b.sealer
	}
	p, err := b.res.Plan(dir, sealer)
	if err != nil {
		var ds compiler.Diagnostics
		errors.As(err, &ds) // the manifest's problems, at their lines
		return report(env, ds, err)
	}
	b.plan = p
	return nil
}

// outdated fails, for build and --check alike, when files kept for want
// of a key are known to be stale (their digests changed): only the key can
// rebuild them, and passing would let a stale Talos config through CI.
func (b *built) outdated() error {
	if len(b.plan.Outdated) == 0 {
		return nil
	}
	return fmt.Errorf("out of date with the description, and only the age key can rebuild them:\n\t%s\n"+
		"provide the key (SOPS_AGE_KEY_FILE, SOPS_AGE_KEY or SOPS_AGE_KEY_CMD) and build again",
		strings.Join(b.plan.Outdated, "\n\t"))
}

// reportSecrets says which secret files were re-encrypted for new
// recipients, and which could not be verified for want of a key. Neither
// changes the exit status: a CI job without the key still checks the rest.
func (b *built) reportSecrets(env *Env) {
	var r secrets.Report
	if b.sealer != nil {
		r = b.sealer.Report()
	}
	r.Unverified = b.plan.Unverified
	r.Print(env.Stderr)
	switch u := b.res.Unlocked; {
	case len(u.Need) > 0: // a key, but the wrong one: worth a warning of its own
		fmt.Fprintf(env.Stderr, "warning: %s\n", lockedReason(u))
	case len(r.Unverified) > 0 && len(u.Locked) > 0:
		fmt.Fprintf(env.Stderr, "\t%s\n", lockedReason(u))
	}
}
