package cli

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
)

// starter is the description `hogen init` writes.
//
//go:embed starter/*.cue
var starter embed.FS

func newInitCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "init DIR",
		Short: "Write a starter cluster description that builds",
		Long: `Init writes a small cluster.cue, nodes.cue and apps.cue into DIR (created if
missing) as a starting point that builds. It refuses to touch a directory
that already holds .cue files.

Secrets need an age key: init uses the one sops would use
($SOPS_AGE_KEY_FILE, $SOPS_AGE_KEY, or sops' key file) or creates one at
sops' key file, puts its public key in cluster.sops.ageRecipients, and runs
'hogen talos init' to create the cluster's Talos secrets once.`,
		Example: `  hogen init my-cluster && hogen vet my-cluster`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runInit(cmd.Context(), env, args[0])
		},
	}
}

// recipientMarker in the starter's cluster.cue becomes the age recipient.
const recipientMarker = "AGE_RECIPIENT"

func runInit(ctx context.Context, env *Env, dir string) (err error) {
	if existing, _ := filepath.Glob(filepath.Join(dir, "*.cue")); len(existing) > 0 {
		return fmt.Errorf("%s already holds a description (%s); init writes only into a directory without .cue files", dir, filepath.Base(existing[0]))
	}
	what, recipients, err := ensureAgeKey(env)
	if err != nil {
		return err
	}
	if len(recipients) == 0 {
		return fmt.Errorf("%s, but it holds no age key hogen can use", what)
	}
	fmt.Fprintln(env.Stdout, what)
	_, statErr := os.Stat(dir)
	madeDir := errors.Is(statErr, fs.ErrNotExist)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", dir, err)
	}
	// A failed init takes back the files it wrote, so that running it
	// again, once the cause is fixed, is not refused for them.
	var wrote []string
	defer func() {
		if err == nil {
			return
		}
		for _, p := range wrote {
			_ = os.Remove(p)
		}
		if madeDir {
			_ = os.Remove(dir) // only if empty
		}
	}()
	names, err := fs.Glob(starter, "starter/*.cue")
	if err != nil {
		return err
	}
	for _, n := range names {
		b, err := starter.ReadFile(n)
		if err != nil {
			return err
		}
		b = bytes.ReplaceAll(b, []byte(recipientMarker), []byte(recipients[0]))
		target := filepath.Join(dir, filepath.Base(n))
		f, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s exists; init does not overwrite", target)
		}
		if err != nil {
			return fmt.Errorf("writing %s: %w", target, err)
		}
		wrote = append(wrote, target)
		_, werr := f.Write(b)
		if err := errors.Join(werr, f.Close()); err != nil {
			return fmt.Errorf("writing %s: %w", target, err)
		}
		fmt.Fprintf(env.Stdout, "wrote %s\n", target)
	}
	if err := runTalosInit(ctx, env, defaultTalosWiring(), dir, false); err != nil {
		return err
	}
	q := shellQuote(dir)
	fmt.Fprintf(env.Stdout, "next: edit the addresses and Git URL, then run: hogen vet %s && hogen build %s\n", q, q)
	return nil
}
