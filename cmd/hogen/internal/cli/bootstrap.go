package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/hogen-dev/hogen/compiler/model"
	"github.com/hogen-dev/hogen/compiler/secrets"
	"github.com/hogen-dev/hogen/emitters/flux"
	"github.com/hogen-dev/hogen/emitters/manifest"
)

func newBootstrapCmd(env *Env) *cobra.Command {
	var apply, dryRun bool
	cmd := &cobra.Command{
		Use:   "bootstrap [--apply] [DIR]",
		Short: "Print (or run) the stages that bring a new cluster up to a working Flux",
		Long: `Bootstrap prints, in order, the commands that take a cluster whose Talos
nodes run Kubernetes to one Flux manages: the namespaces; the Secrets Flux
and the first apps need (the SOPS age key as sops-age in flux-system, read
from your key as sops finds it, and bootstrap.secrets from secrets.sops.yaml);
the CRDs of bootstrap.crds; the bootstrap charts in order (helmfile), each
followed by its postsync objects; then Flux (the FluxInstance, or flux
bootstrap).

--dry-run (the default) only prints. --apply runs each command in DIR with
your kubectl, helmfile and flux. Secret values go only to kubectl's
standard input: never an argument, never a file, never printed.`,
		Example: `  hogen bootstrap examples/home-ops
  SOPS_AGE_KEY_FILE=~/age.key hogen bootstrap --apply cluster`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if apply && cmd.Flags().Changed("dry-run") && dryRun {
				return usageErrorf("--apply and --dry-run contradict each other: give one")
			}
			dir := dirArg(args)
			d, err := loadDescription(cmd.Context(), env, dir)
			if err != nil {
				return err
			}
			stages := flux.BootstrapStages(d)
			if !apply {
				printStages(env.Stdout, dir, stages)
				return nil
			}
			d, err = loadUnlocked(cmd.Context(), env, dir)
			if err != nil {
				return err
			}
			return runStages(cmd.Context(), env, dir, d, stages)
		},
	}
	cmd.Flags().BoolVar(&apply, "apply", false, "run the commands (kubectl, helmfile, flux) instead of printing them")
	cmd.Flags().BoolVar(&dryRun, "dry-run", true, "print the commands only (the default)")
	return cmd
}

// printStages writes the stages as a reader runs them by hand: what each
// step reads on stdin is named, never shown.
func printStages(w io.Writer, dir string, stages []flux.Stage) {
	fmt.Fprintf(w, "# The bootstrap of %s, in order (run in %s; hogen bootstrap --apply runs it).\n", dir, dir)
	for i, s := range stages {
		fmt.Fprintf(w, "\n# %d. %s: %s\n", i+1, s.Name, s.Doc)
		for _, st := range s.Steps {
			line := strings.Join(st.Args, " ")
			switch st.Input {
			case flux.InputNamespaces:
				line += " <<< (the Namespace objects, made by hogen)"
			case flux.InputSecrets:
				line += " <<< (the Secrets, made by hogen in memory; values never shown)"
			}
			if st.Then != nil {
				line += " | (the CustomResourceDefinitions only) | " + strings.Join(st.Then, " ")
			}
			fmt.Fprintln(w, line)
			for _, h := range st.Hooks {
				fmt.Fprintf(w, "#   helmfile runs %s\n", h)
			}
		}
	}
}

// runStages runs every step in order, stopping at the first that fails.
// What a stage needs (its tools on PATH, its input, the age key among it)
// is all found first, so a missing one stops the bootstrap before any
// stage has run, not half way.
func runStages(ctx context.Context, env *Env, dir string, d *model.Description, stages []flux.Stage) error {
	if err := toolsOnPath(stages); err != nil {
		return err
	}
	inputs := map[string][]byte{}
	for _, s := range stages {
		for _, st := range s.Steps {
			if _, done := inputs[st.Input]; done {
				continue
			}
			var err error
			switch st.Input {
			case flux.InputNamespaces:
				inputs[st.Input], err = namespaceObjects(d)
			case flux.InputSecrets:
				inputs[st.Input], err = bootstrapSecrets(env, d)
			}
			if err != nil {
				return fmt.Errorf("stage %s: %w", s.Name, err)
			}
		}
	}
	for i, s := range stages {
		fmt.Fprintf(env.Stderr, "hogen bootstrap: stage %d/%d: %s\n", i+1, len(stages), s.Name)
		for _, st := range s.Steps {
			if err := runStep(ctx, env, dir, st, inputs[st.Input]); err != nil && i > 0 {
				return fmt.Errorf("stage %s: %w; the stages before it are done, and each is safe to run again", s.Name, err)
			} else if err != nil {
				return fmt.Errorf("stage %s: %w", s.Name, err)
			}
		}
	}
	return nil
}

// toolsOnPath fails naming every command the stages run that PATH lacks.
func toolsOnPath(stages []flux.Stage) error {
	var missing []string
	for _, s := range stages {
		for _, st := range s.Steps {
			for _, args := range [][]string{st.Args, st.Then} {
				if len(args) > 0 && !slices.Contains(missing, args[0]) {
					if _, err := exec.LookPath(args[0]); err != nil {
						missing = append(missing, args[0])
					}
				}
			}
		}
	}
	if len(missing) == 0 {
		return nil
	}
	it := "it"
	if len(missing) > 1 {
		it = "them"
	}
	return fmt.Errorf("--apply runs %s, which PATH does not hold; nothing was run: install %s, or run the commands hogen bootstrap prints yourself",
		strings.Join(missing, " and "), it)
}

// runStep runs one command in dir; with Then, its output's CRDs are fed
// to a second.
func runStep(ctx context.Context, env *Env, dir string, st flux.Step, stdin []byte) error {
	c := exec.CommandContext(ctx, st.Args[0], st.Args[1:]...)
	c.Dir, c.Stdin, c.Stderr = dir, bytes.NewReader(stdin), env.Stderr
	if st.Then == nil {
		c.Stdout = env.Stdout
		if err := c.Run(); err != nil {
			return stepFailed(st.Args, err)
		}
		return nil
	}
	out, err := c.Output()
	if err != nil {
		return stepFailed(st.Args, err)
	}
	crds, err := onlyCRDs(out)
	if err != nil {
		return fmt.Errorf("%s output: %w", st.Args[0], err)
	}
	return runStep(ctx, env, dir, flux.Step{Args: st.Then}, crds)
}

// stepFailed says which command failed and how; its own messages went
// to stderr before.
func stepFailed(args []string, err error) error {
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return fmt.Errorf("%s failed (exit code %d; its messages are above)", strings.Join(args, " "), exit.ExitCode())
	}
	return fmt.Errorf("%s did not run: %w", args[0], err)
}

// onlyCRDs keeps the CustomResourceDefinitions of a YAML stream.
func onlyCRDs(stream []byte) ([]byte, error) {
	nodes, err := kio.FromBytes(stream)
	if err != nil {
		return nil, err
	}
	var keep []*yaml.RNode
	for _, n := range nodes {
		if n.GetKind() == "CustomResourceDefinition" {
			keep = append(keep, n)
		}
	}
	s, err := kio.StringAll(keep)
	return []byte(s), err
}

// namespaceObjects are the bootstrap's Namespace objects.
func namespaceObjects(d *model.Description) ([]byte, error) {
	var objs []any
	for _, ns := range flux.BootstrapNamespaces(d) {
		objs = append(objs, &corev1.Namespace{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"}, ObjectMeta: metav1.ObjectMeta{Name: ns}})
	}
	return manifest.Encode(objs...)
}

// bootstrapSecrets are the sops-age Secrets, with the age keys of
// cluster.sops.ageRecipients found as sops finds them, and
// bootstrap.secrets with their values from secrets.sops.yaml.
func bootstrapSecrets(env *Env, d *model.Description) ([]byte, error) {
	ids, err := secrets.LoadIdentities(env.Getenv)
	if err != nil {
		return nil, err
	}
	keys, err := ids.PrivateKeys(d.Cluster.SOPS.AgeRecipients)
	if err != nil {
		return nil, fmt.Errorf("the sops-age Secret: %w", err)
	}
	var objs []any
	for _, ns := range flux.SOPSNamespaces(d) {
		objs = append(objs, secretObject(flux.SOPSSecret, ns, map[string]string{"age.agekey": keys}))
	}
	for _, ns := range model.SortedKeys(d.Bootstrap.Secrets) {
		for _, name := range model.SortedKeys(d.Bootstrap.Secrets[ns]) {
			data := map[string]string{}
			for key, ref := range d.Bootstrap.Secrets[ns][name] {
				v, ok := d.Inputs.Secrets[ref]
				if !ok || v == "" {
					return nil, fmt.Errorf("bootstrap.secrets.%s.%s.%s: %q has no value in secrets.sops.yaml", ns, name, key, ref)
				}
				data[key] = v
			}
			objs = append(objs, secretObject(name, ns, data))
		}
	}
	return manifest.Encode(objs...)
}

func secretObject(name, ns string, data map[string]string) *corev1.Secret {
	return &corev1.Secret{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}, StringData: data}
}
