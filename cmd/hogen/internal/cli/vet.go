package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hogen-dev/hogen/compiler"
	"github.com/hogen-dev/hogen/compiler/sink"
	"github.com/hogen-dev/hogen/emitters/builtin"
)

func newVetCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "vet [DIR]",
		Short: "Check a cluster description without writing anything",
		Long: `Vet loads the description in DIR (default: the current directory), checks
it against hogen's schema, the cross-file rules (unique addresses, networks,
app dependencies, ...), the format of the secret inputs, every emitter's own
checks and what the emitters make without a key (what build refuses: a
Jsonnet path that leaves its directory, two emitters writing one file), and
` + sink.ManifestName + `, and reports every problem at once as
file:line:col: error: path: message, each with a fix. Warnings are printed
apart from errors and do not fail.

Exit status: 0 when the description is valid, 1 when it is not, 2 on bad usage.`,
		Example: `  hogen vet examples/homelab
  hogen vet            # the description in the current directory`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := dirArg(args)
			d, diags, err := compiler.Vet(cmd.Context(), compiler.Options{Dir: dir}, builtin.All())
			if err := report(env, diags, err); err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "%s: cluster %s is valid: %s, %s\n", dir, d.Cluster.Name, count(len(d.Nodes), "node"), count(len(d.Apps), "app"))
			return nil
		},
	}
}

// count says "1 node", "3 nodes".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
