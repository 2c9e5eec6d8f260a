package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/spf13/cobra"

	"github.com/hogen-dev/hogen/compiler/importer"
	"github.com/hogen-dev/hogen/compiler/importer/clustertemplate"
	"github.com/hogen-dev/hogen/compiler/importer/talhelper"
)

// importFlags are the flags every importer takes.
type importFlags struct {
	out   string
	force bool
	opts  importer.Options
}

func (f *importFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVarP(&f.out, "out", "o", ".", "directory to write cluster.cue and nodes.cue to")
	fl.BoolVar(&f.force, "force", false, "overwrite cluster.cue and nodes.cue if they exist")
	fl.StringVar(&f.opts.Package, "package", "cluster", "CUE package name of the written files")
	fl.StringVar(&f.opts.TalosVersion, "talos-version", "", "Talos version, when the input has none or to replace it")
	fl.StringVar(&f.opts.KubernetesVersion, "kubernetes-version", "", "Kubernetes version, when the input has none or to replace it")
	fl.StringVar(&f.opts.FluxURL, "flux-url", "", "Git repository Flux syncs from, when the input does not say")
	fl.StringVar(&f.opts.NodeCIDR, "node-cidr", "", "node network (e.g. 192.168.1.0/24), when the input does not say")
}

func newImportCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "import",
		Short: "Write cluster.cue and nodes.cue from another tool's configuration",
		Long: `import reads the configuration of another tool and writes a hogen
description (cluster.cue and nodes.cue) that passes 'hogen vet'.

Fields hogen has no equivalent for are never dropped silently: each is
printed as a warning and left as a "// TODO(import):" comment in the output.
Secret values (such as cluster-template's cloudflare_token) are never
written; the warning says where they belong.`,
	}
	return group(cmd, newImportTalhelperCmd(env), newImportClusterTemplateCmd(env))
}

func newImportTalhelperCmd(env *Env) *cobra.Command {
	var f importFlags
	cmd := &cobra.Command{
		Use:   "talhelper TALCONFIG",
		Short: "Import a talhelper talconfig.yaml",
		Long: `Import a talhelper talconfig.yaml. Patches given as "@file" are read
relative to talconfig.yaml's directory.`,
		Example: `  hogen import talhelper talos/talconfig.yaml -o cluster --flux-url https://github.com/me/home-ops`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			src, err := readImportInput(args[0], "the talconfig", "talhelper's talconfig.yaml")
			if err != nil {
				return err
			}
			r, err := talhelper.Import(args[0], src, os.DirFS(filepath.Dir(args[0])), f.opts)
			if err != nil {
				return err
			}
			return writeImport(env, f, r)
		},
	}
	f.register(cmd)
	return cmd
}

func newImportClusterTemplateCmd(env *Env) *cobra.Command {
	var f importFlags
	cmd := &cobra.Command{
		Use:   "cluster-template CLUSTER_YAML NODES_YAML",
		Short: "Import onedr0p/cluster-template's cluster.yaml and nodes.yaml",
		Long: `Import onedr0p/cluster-template's cluster.yaml and nodes.yaml. The
template keeps the Talos and Kubernetes versions in talenv.yaml: pass them
with --talos-version and --kubernetes-version.`,
		Example: `  hogen import cluster-template cluster.yaml nodes.yaml -o cluster --talos-version v1.10.5 --kubernetes-version v1.33.2`,
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := readImportInput(args[0], "the cluster file", "cluster-template's cluster.yaml")
			if err != nil {
				return err
			}
			n, err := readImportInput(args[1], "the nodes file", "cluster-template's nodes.yaml")
			if err != nil {
				return err
			}
			r, err := clustertemplate.Import(args[0], c, args[1], n, f.opts)
			if err != nil {
				return err
			}
			return writeImport(env, f, r)
		},
	}
	f.register(cmd)
	return cmd
}

// readImportInput reads an importer's input file. The error names the path
// as given and which input it was meant to be, since a command with two
// file arguments is easy to call with them swapped or mistyped.
func readImportInput(path, role, want string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		return b, nil
	}
	// The path is already in the message; show only the cause.
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("reading %s (%s): no such file: give the path of %s", path, role, want)
	}
	return nil, fmt.Errorf("reading %s (%s): %w", path, role, err)
}

// writeImport prints the warnings and writes the files, refusing to
// overwrite a description unless --force.
func writeImport(env *Env, f importFlags, r *importer.Result) error {
	names := make([]string, 0, len(r.Files))
	for name := range r.Files {
		names = append(names, name)
	}
	slices.Sort(names)
	if !f.force {
		for _, name := range names {
			if _, err := os.Stat(filepath.Join(f.out, name)); err == nil {
				return fmt.Errorf("%s exists: pass --force to overwrite it, or -o to write elsewhere", filepath.Join(f.out, name))
			}
		}
	}
	if err := os.MkdirAll(f.out, 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", f.out, err)
	}
	for _, w := range r.Warnings {
		fmt.Fprintf(env.Stderr, "hogen: warning: %s\n", w)
	}
	for _, name := range names {
		if err := writeFileAtomic(filepath.Join(f.out, name), r.Files[name]); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "wrote %s\n", filepath.Join(f.out, name))
	}
	fmt.Fprintf(env.Stdout, "%d warnings; next: resolve the TODO(import) comments, then run 'hogen vet %s'\n", len(r.Warnings), f.out)
	return nil
}

// writeFileAtomic writes through a temporary file and a rename, so an
// interrupted import never leaves half a file.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
