package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newVetCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "vet [DIR]",
		Short: "Check a cluster description without writing anything",
		Long: `Vet loads the description in DIR (default: the current directory), checks
it against hogen's schema and the cross-file rules (unique addresses, networks,
app dependencies, ...), and reports every problem at once as
file:line:col: error: path: message, each with a fix. Warnings are printed
apart from errors and do not fail.

Exit status: 0 when the description is valid, 1 when it is not, 2 on bad usage.`,
		Example: `  hogen vet examples/homelab
  hogen vet            # the description in the current directory`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := dirArg(args)
			d, err := loadDescription(cmd.Context(), env, dir)
			if err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "%s: cluster %s is valid: %d nodes, %d apps\n", dir, d.Cluster.Name, len(d.Nodes), len(d.Apps))
			return nil
		},
	}
}
