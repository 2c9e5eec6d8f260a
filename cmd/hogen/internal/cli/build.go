package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hogen-dev/hogen/compiler"
	"github.com/hogen-dev/hogen/compiler/sink"
	"github.com/hogen-dev/hogen/emitters/builtin"
)

func newBuildCmd(env *Env) *cobra.Command {
	var check bool
	cmd := &cobra.Command{
		Use:   "build [DIR]",
		Short: "Generate the cluster's files from its description",
		Long: `Build compiles the description in DIR (default: the current directory) and
writes the generated files beside it. It writes nothing unless every emitter
succeeds; each file is replaced atomically and only when its bytes change.
Files hogen generated before and no longer generates are removed; hogen
keeps their list in ` + sink.ManifestName + ` and never touches a file it did not
generate.

With --check, build writes nothing: it prints a unified diff of what would
change and exits 1 when the tree is out of date, 0 when it is current.
Pre-commit hooks and CI run this.`,
		Example: `  hogen build examples/homelab
  hogen build --check   # in CI: fail when generated files are stale`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runBuild(cmd, env, dirArg(args), check)
		},
	}
	cmd.Flags().BoolVar(&check, "check", false, "write nothing; exit 1 and print a diff if the output is out of date")
	return cmd
}

func runBuild(cmd *cobra.Command, env *Env, dir string, check bool) error {
	_, files, diags, err := compiler.Generate(cmd.Context(), compiler.Options{Dir: dir}, builtin.All())
	if rerr := report(env, diags, err); rerr != nil {
		return rerr
	}
	plan, err := sink.NewPlan(dir, files, nil)
	if err != nil {
		return err
	}
	if check {
		if plan.Clean() {
			fmt.Fprintf(env.Stdout, "%s: up to date (%d files)\n", dir, plan.Unchanged)
			return nil
		}
		if err := plan.Diff(env.Stdout); err != nil {
			return err
		}
		fmt.Fprintf(env.Stderr, "%s: out of date: %s; run 'hogen build %s'\n", dir, plan.Summary(), dir)
		return errReported
	}
	if err := plan.Apply(); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "%s: %s\n", dir, plan.Summary())
	return nil
}
