package cli

import (
	"github.com/spf13/cobra"

	"github.com/hogen-dev/hogen/emitters/flux"
)

func newGraphCmd(env *Env) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "graph [--format mermaid|dot] [DIR]",
		Short: "Print the Flux dependency graph of the apps",
		Long: `Graph loads the description in DIR (default: the current directory) and
prints the apps' Flux Kustomizations grouped by namespace, with an arrow from
each dependency to the app that waits for it (dependsOn), in the order Flux
installs them. Bootstrap apps are marked.

Mermaid (the default) renders inside GitHub issues and pull requests in a
` + "```mermaid" + ` block; dot is for Graphviz.`,
		Example: `  hogen graph examples/homelab
  hogen graph --format dot | dot -Tsvg > graph.svg`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != flux.FormatMermaid && format != flux.FormatDOT {
				return usageErrorf("--format %q: want %s or %s", format, flux.FormatMermaid, flux.FormatDOT)
			}
			d, err := loadDescription(cmd.Context(), env, dirArg(args))
			if err != nil {
				return err
			}
			out, err := flux.Graph(d, format)
			if err != nil {
				return err
			}
			_, err = env.Stdout.Write(out)
			return err
		},
	}
	cmd.Flags().StringVar(&format, "format", flux.FormatMermaid, "output format: mermaid or dot")
	return cmd
}
