package cli

import (
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
missing) as a starting point. It refuses to touch a directory that already
holds .cue files.`,
		Example: `  hogen init my-cluster && hogen vet my-cluster`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runInit(env, args[0])
		},
	}
}

func runInit(env *Env, dir string) error {
	if existing, _ := filepath.Glob(filepath.Join(dir, "*.cue")); len(existing) > 0 {
		return fmt.Errorf("%s already holds a description (%s); init writes only into a directory without .cue files", dir, filepath.Base(existing[0]))
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", dir, err)
	}
	names, err := fs.Glob(starter, "starter/*.cue")
	if err != nil {
		return err
	}
	for _, n := range names {
		b, err := starter.ReadFile(n)
		if err != nil {
			return err
		}
		target := filepath.Join(dir, filepath.Base(n))
		f, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s exists; init does not overwrite", target)
		}
		if err != nil {
			return fmt.Errorf("writing %s: %w", target, err)
		}
		_, werr := f.Write(b)
		if err := errors.Join(werr, f.Close()); err != nil {
			return fmt.Errorf("writing %s: %w", target, err)
		}
		fmt.Fprintf(env.Stdout, "wrote %s\n", target)
	}
	fmt.Fprintf(env.Stdout, "next: edit the addresses and Git URL, then run 'hogen vet %s' and 'hogen build %s'\n", dir, dir)
	return nil
}
