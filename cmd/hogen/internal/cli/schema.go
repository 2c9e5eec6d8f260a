package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hogen-dev/hogen/schema"
)

func newSchemaCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "schema",
		Short: "Print the CUE schema descriptions are checked against",
		Long: `Schema prints hogen's embedded CUE schema. Every description is unified with
its #Description definition: the fields, their types and their defaults are
all there.`,
		Example: `  hogen schema | less`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			srcs, err := schema.Sources()
			if err != nil {
				return err
			}
			for i, s := range srcs {
				if i > 0 {
					fmt.Fprintln(env.Stdout)
				}
				fmt.Fprintf(env.Stdout, "// hogen schema: %s\n", s.Name)
				env.Stdout.Write(s.Data)
			}
			return nil
		},
	}
}
