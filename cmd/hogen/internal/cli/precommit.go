package cli

import (
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hogen-dev/hogen/compiler/secrets"
	"github.com/hogen-dev/hogen/compiler/sink"
	"github.com/hogen-dev/hogen/emitters/talos"
)

// precommitRuns maps the hooks' verbs to the commands they run.
var precommitRuns = map[string]string{"vet": "vet", "check": "build --check"}

func newPrecommitCmd(env *Env) *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "precommit vet|check [--dir DIR] [FILE...]",
		Short: "Run vet or build --check when a changed file concerns the description",
		Long: `Precommit is what hogen's pre-commit hooks run. pre-commit passes the
staged files; when one of them is an input of the description in DIR (a .cue
file of DIR, a .jsonnet or .libsonnet file below it, secrets.sops.yaml, the
Talos secret inputs, the manifest) or a file hogen generated there (listed in
DIR/` + sink.ManifestName + `), precommit runs 'hogen vet DIR' or
'hogen build --check DIR'. Otherwise it exits 0 at once, having read only the
manifest. Without FILE arguments it always runs.`,
		Example: `  hogen precommit check --dir cluster cluster/apps.cue README.md`,
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			run, ok := precommitRuns[args[0]]
			if !ok {
				return usageErrorf("unknown hook %q: want vet or check", args[0])
			}
			files := args[1:]
			if len(files) > 0 {
				concerned, err := anyConcerns(dir, files)
				if err != nil || !concerned {
					return err
				}
			}
			return runAgain(cmd, env, append(strings.Fields(run), dir))
		},
	}
	cmd.Flags().StringVar(&dir, "dir", ".", "the description directory, relative to where pre-commit runs (the repository root)")
	return cmd
}

// anyConcerns tells whether any of files is an input of the description in
// dir or a file hogen generated there.
func anyConcerns(dir string, files []string) (bool, error) {
	generated, err := sink.Generated(dir)
	if err != nil {
		return false, err
	}
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return false, err
	}
	for _, f := range files {
		abs, err := filepath.Abs(f)
		if err != nil {
			return false, err
		}
		rel, err := filepath.Rel(absDir, abs)
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			continue
		}
		if concerns(filepath.ToSlash(rel), generated) {
			return true, nil
		}
	}
	return false, nil
}

// secretInputs are the encrypted inputs beside the description.
var secretInputs = []string{secrets.InputFile, talos.SecretsFile, talos.ClientFile}

// concerns tells whether rel, a slash path relative to the description
// directory, is one of its inputs or outputs (generated, sorted).
func concerns(rel string, generated []string) bool {
	if _, found := slices.BinarySearch(generated, rel); found || rel == sink.ManifestName || slices.Contains(secretInputs, rel) {
		return true
	}
	switch path.Ext(rel) {
	case ".cue":
		return !strings.Contains(rel, "/") // Load reads the directory's own
	case ".jsonnet", ".libsonnet":
		return !strings.HasPrefix(rel, ".") && !strings.Contains(rel, "/.") // hidden directories are skipped
	}
	return false
}

// runAgain runs another hogen command line with cmd's context: its output
// and exit status become precommit's.
func runAgain(cmd *cobra.Command, env *Env, args []string) error {
	switch run(cmd.Context(), env, args) {
	case ExitOK:
		return nil
	case ExitUsage:
		return usageErrorf("hogen %s: bad usage", strings.Join(args, " "))
	default:
		return errReported
	}
}
