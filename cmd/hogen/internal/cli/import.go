package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/spf13/cobra"

	"github.com/hogen-dev/hogen/compiler"
	"github.com/hogen-dev/hogen/compiler/importer"
	"github.com/hogen-dev/hogen/compiler/importer/clustertemplate"
	"github.com/hogen-dev/hogen/compiler/importer/flux"
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
	fl.StringSliceVar(&f.opts.AgeRecipients, "age-recipient", nil, "age public key the imported secrets are encrypted to (default: the input's own recipients)")
	fl.StringSliceVar(&f.opts.ClearVars, "clear-var", nil, "variable from an encrypted talenv file whose value may be written in clear (e.g. a domain name)")
}

func newImportCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "import",
		Short: "Write a hogen description from another tool's configuration",
		Long: `import reads the configuration of another tool and writes a hogen
description that passes 'hogen vet': cluster.cue and nodes.cue from
talhelper or cluster-template, the apps from a Flux tree.

Fields hogen has no equivalent for are never dropped silently: each is
printed as a warning with its file:line:col and left as a "// TODO(import):"
comment where it belongs in the output. Secret values (cluster-template's
cloudflare_token, a value from an encrypted talenv file, a passphrase) are
never written in clear; the warning says where they belong.

The files are written only once they pass the same checks as 'hogen vet';
an import that would not is reported (exit 1) and writes nothing.`,
	}
	return group(cmd, newImportTalhelperCmd(env), newImportClusterTemplateCmd(env), newImportFluxCmd(env))
}

func newImportFluxCmd(env *Env) *cobra.Command {
	var f importFlags
	cmd := &cobra.Command{
		Use:   "flux DIR",
		Short: "Import a home-ops Flux tree into apps.cue",
		Long: `Import the Flux tree of a home-ops repository (DIR: the repository, or its
kubernetes/ directory) into the description in -o: apps.cue (the apps,
each with its Flux Kustomizations, HelmReleases and their sources,
manifests, generated ConfigMaps and Secrets), components.cue (kustomize
Components and the namespaces' settings) and flux.cue (cluster.flux: the
layout, cluster-apps' policy, and the defaults the Kustomizations and
HelmReleases share). Import the cluster first (import talhelper or
cluster-template, or init): the Flux tree does not say which nodes run it.

The tree is read as Flux applies it: kubernetes/flux/cluster/ks.yaml's
cluster-apps, each namespace's kustomization.yaml, each app's ks.yaml, and
what each Flux Kustomization's path holds, its directories flattened. A
directory whose kustomization.yaml uses what hogen has no form for is kept
as kustomize builds it, each object a manifest; so is a HelmRelease that
hogen's releases cannot say. Secrets' values go to secrets.sops.yaml when
they can be read: in clear, or SOPS-encrypted to an age key sops finds
(SOPS_AGE_KEY_FILE, SOPS_AGE_KEY, the default key file); otherwise a TODO
names their keys. ConfigMaps' files are copied under files/. Repository
roots also have bootstrap/'s helmfiles read: their releases' apps become
bootstrap: true, and a helmfile of CRDs names bootstrap.crds.`,
		Example: `  hogen import flux ../home-ops -o cluster`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := os.Stat(args[0])
			if err != nil || !st.IsDir() {
				return fmt.Errorf("reading %s: not a directory: give a home-ops repository or its kubernetes/ directory", args[0])
			}
			ex, err := importer.ReadExisting(cmd.Context(), f.out, flux.Files)
			if err != nil {
				return fmt.Errorf("%w: import the cluster first (hogen import talhelper or cluster-template, or hogen init), then import flux into it with -o", err)
			}
			if !cmd.Flags().Changed("package") {
				f.opts.Package = ex.Package
			}
			f.opts.Getenv = env.Getenv
			in := flux.Input{Dir: args[0], FS: os.DirFS(args[0]), Recipients: ex.AgeRecipients}
			r, err := flux.Import(in, f.opts)
			if err != nil {
				return importFailed(env, err)
			}
			return writeImport(cmd.Context(), env, f, r)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&f.out, "out", "o", ".", "the description directory to write apps.cue, components.cue and flux.cue to")
	fl.BoolVar(&f.force, "force", false, "overwrite apps.cue, components.cue and flux.cue if they exist")
	fl.StringVar(&f.opts.Package, "package", "", "CUE package name of the written files (default: the description's)")
	fl.StringSliceVar(&f.opts.AgeRecipients, "age-recipient", nil, "age public key secrets.sops.yaml is encrypted to (default: the description's cluster.sops.ageRecipients, else the input's SOPS recipients)")
	return cmd
}

func newImportTalhelperCmd(env *Env) *cobra.Command {
	var f importFlags
	cmd := &cobra.Command{
		Use:   "talhelper TALCONFIG",
		Short: "Import a talhelper talconfig.yaml",
		Long: `Import a talhelper talconfig.yaml, read as talhelper reads it: ${VAR}
from talenv.yaml, talenv.sops.yaml, talenv.yml or talenv.sops.yml beside it
(SOPS files decrypted with the age key sops finds: SOPS_AGE_KEY_FILE,
SOPS_AGE_KEY, the default key file; a later file wins, files win over the
environment), patches and machine files given as "@file" read relative to
talconfig.yaml's directory.

talsecret.yaml (or talsecret.sops.yaml) beside it, the cluster's Talos
secrets bundle, becomes talos/secrets.sops.yaml, so the imported cluster
keeps its CAs and tokens; a new talosconfig client certificate signed by
its CA is written to talos/client.sops.yaml.`,
		Example: `  SOPS_AGE_KEY_FILE=age.key hogen import talhelper talos/talconfig.yaml -o cluster --flux-url https://github.com/me/home-ops`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			src, err := readImportInput(args[0], "the talconfig", "talhelper's talconfig.yaml")
			if err != nil {
				return err
			}
			f.opts.Getenv = env.Getenv
			r, err := talhelper.Import(args[0], src, os.DirFS(filepath.Dir(args[0])), f.opts)
			if err != nil {
				return importFailed(env, err)
			}
			return writeImport(cmd.Context(), env, f, r)
		},
	}
	f.register(cmd)
	return cmd
}

func newImportClusterTemplateCmd(env *Env) *cobra.Command {
	var f importFlags
	var talosDir string
	cmd := &cobra.Command{
		Use:   "cluster-template CLUSTER_YAML NODES_YAML",
		Short: "Import onedr0p/cluster-template's cluster.yaml and nodes.yaml",
		Long: `Import onedr0p/cluster-template's cluster.yaml and nodes.yaml. The
template keeps the Talos and Kubernetes versions in talos/talenv.yaml;
--talos-version and --kubernetes-version replace them. The template makes
the cluster's Talos secrets with talhelper (talos/talsecret.sops.yaml):
they become talos/secrets.sops.yaml, decrypted with the age key sops finds,
so the cluster keeps its identity.

The Talos patches come from the rendered talos/patches/ beside cluster.yaml
(global/ for every node, controller/ for control planes, worker/, and one
directory per node): the template's own and yours, as the cluster runs
them. Without that directory, hogen's equivalents of the template's own
patches are used (CoreDNS off, containerd and kubelet settings, sysctls,
API server admission, metrics bind addresses, the Docker Hub mirror).`,
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
			in := clustertemplate.Input{ClusterFile: args[0], Cluster: c, NodesFile: args[1], Nodes: n, TalosDir: talosDir}
			if in.TalosDir == "" {
				in.TalosDir = filepath.Join(filepath.Dir(args[0]), "talos")
			}
			if st, err := os.Stat(in.TalosDir); err == nil && st.IsDir() {
				in.Talos = os.DirFS(in.TalosDir)
			} else if talosDir != "" {
				return fmt.Errorf("reading %s (the rendered talos directory): not a directory", talosDir)
			}
			f.opts.Getenv = env.Getenv
			r, err := clustertemplate.Import(in, f.opts)
			if err != nil {
				return importFailed(env, err)
			}
			return writeImport(cmd.Context(), env, f, r)
		},
	}
	f.register(cmd)
	cmd.Flags().StringVar(&talosDir, "talos-dir", "", "the rendered talos directory: talenv.yaml, patches/, talsecret.sops.yaml (default: talos beside CLUSTER_YAML)")
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

// importFailed prints bad input in hogen's format (file:line:col: error:
// path: message, and a fix), once; other errors go to Main.
func importFailed(env *Env, err error) error {
	var ds compiler.Diagnostics
	if errors.As(err, &ds) {
		return report(env, ds, err)
	}
	return err
}

// writeImport prints the warnings, then writes the files through
// importer.Write, which vets them first and writes nothing when they fail.
func writeImport(ctx context.Context, env *Env, f importFlags, r *importer.Result) error {
	for _, w := range r.Warnings {
		fmt.Fprintf(env.Stderr, "hogen: warning: %s\n", w)
	}
	diags, err := importer.Write(ctx, r, importer.WriteOptions{Dir: f.out, Force: f.force, Getenv: env.Getenv})
	var ds compiler.Diagnostics
	if errors.As(err, &ds) {
		diags.Print(env.Stderr)
		fmt.Fprintf(env.Stderr, "hogen: the imported description does not pass 'hogen vet' (above), so nothing was written; "+
			"fix the input, or pass the missing values as flags, and import again\n")
		return errReported
	}
	if err != nil {
		return err
	}
	diags.Print(env.Stderr)
	for _, name := range slices.Sorted(maps.Keys(r.Files)) {
		fmt.Fprintf(env.Stdout, "wrote %s\n", filepath.Join(f.out, filepath.FromSlash(name)))
	}
	fmt.Fprintf(env.Stdout, "%d warnings; the description passes 'hogen vet'; next: resolve the TODO(import) comments\n", len(r.Warnings))
	return nil
}
