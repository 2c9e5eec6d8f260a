package flux

import (
	"path"
	"slices"
	"strings"

	"github.com/hogen-dev/hogen/compiler/model"
)

// What a bootstrap step reads on its standard input, made in memory by
// `hogen bootstrap`: never a file, never an argument.
const (
	InputNamespaces = "namespaces" // the Namespace objects
	InputSecrets    = "secrets"    // sops-age and bootstrap.secrets, decrypted
)

// Stage is one stage of bringing a cluster up, as `hogen bootstrap` runs
// it: commands in order, each run in the description's directory.
type Stage struct {
	Name  string
	Doc   string
	Steps []Step
}

// Step is one command. Input says what hogen writes to its standard
// input; Then is a command fed the CustomResourceDefinitions of its
// output; Hooks are what helmfile itself runs during it (shown, not run
// by hogen).
type Step struct {
	Args  []string
	Input string
	Then  []string
	Hooks []string
}

var kubectlApply = []string{"kubectl", "apply", "--server-side", "--force-conflicts", "--filename=-"}

// BootstrapStages is the whole bootstrap after Talos: namespaces; Secrets
// (the age key Flux decrypts with, and bootstrap.secrets); the CRDs of
// bootstrap.crds; the bootstrap charts in order, each followed by its
// postsync objects; then Flux. Stages with nothing to do are left out.
func BootstrapStages(d *model.Description) []Stage {
	stages := []Stage{
		{Name: "namespaces", Doc: "the namespaces the next stages write into: " + strings.Join(BootstrapNamespaces(d), ", "),
			Steps: []Step{{Args: kubectlApply, Input: InputNamespaces}}},
		{Name: "secrets", Doc: secretsDoc(d), Steps: []Step{{Args: kubectlApply, Input: InputSecrets}}},
	}
	if len(d.Bootstrap.CRDs) > 0 {
		stages = append(stages, Stage{Name: "crds", Doc: "the CRDs of " + strings.Join(d.Bootstrap.CRDs, ", ") + ", before any chart that uses them",
			Steps: []Step{{Args: []string{"helmfile", "--file=" + CRDsHelmfilePath, "template", "--quiet"}, Then: kubectlApply}}})
	}
	if slices.ContainsFunc(d.Apps, func(a model.App) bool { return a.Bootstrap && len(a.Releases()) > 0 }) {
		stages = append(stages, Stage{Name: "charts", Doc: "the bootstrap charts, in order: " + strings.Join(bootstrapNames(d), " -> "),
			Steps: []Step{{Args: []string{"helmfile", "--file=" + HelmfilePath, "sync", "--hide-notes"}, Hooks: hookLines(d)}}})
	}
	flux := Stage{Name: "flux", Doc: "Flux, which takes over from here"}
	if d.Cluster.Flux.Install == InstallOperator {
		flux.Steps = []Step{{Args: []string{"kubectl", "apply", "--server-side", "--filename=" + path.Join(d.Cluster.Flux.Source.Path, "fluxinstance.yaml")}}}
	} else {
		flux.Steps = []Step{{Args: strings.Fields(BootstrapCommand(d))}}
	}
	return append(stages, flux)
}

func secretsDoc(d *model.Description) string {
	doc := "the age key as Secret " + SOPSSecret + " in " + strings.Join(SOPSNamespaces(d), ", ") + " (from your key, as sops finds it)"
	for _, ns := range model.SortedKeys(d.Bootstrap.Secrets) {
		for _, s := range model.SortedKeys(d.Bootstrap.Secrets[ns]) {
			doc += ", " + ns + "/" + s
		}
	}
	return doc
}

// bootstrapNames are the bootstrap apps in the helmfile's order.
func bootstrapNames(d *model.Description) []string {
	order, err := Order(d.Apps)
	if err != nil {
		return nil
	}
	var out []string
	for _, a := range bootstrapOrder(d, order) {
		out = append(out, a.Name)
	}
	return out
}

// hookLines are the postsync hooks of the helmfile, as commands.
func hookLines(d *model.Description) []string {
	var out []string
	for _, a := range d.Apps {
		for _, h := range postsyncHooks(d, a) {
			out = append(out, "after "+a.Name+": "+h.Command+" "+strings.Join(h.Args, " "))
		}
	}
	return out
}

// SOPSNamespaces are where Flux looks for the sops-age Secret: flux-system,
// and in the layout "namespaced" every namespace whose Kustomizations
// decrypt.
func SOPSNamespaces(d *model.Description) []string {
	out := []string{Namespace}
	if d.Cluster.Flux.Layout == model.LayoutNamespaced {
		for _, a := range d.Apps {
			for _, k := range a.Kustomizations {
				if len(k.Secrets) > 0 && !slices.Contains(out, k.Namespace) {
					out = append(out, k.Namespace)
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

// BootstrapNamespaces are the namespaces the bootstrap writes into: Flux's,
// those of the sops-age Secrets and bootstrap.secrets, and the bootstrap
// releases'.
func BootstrapNamespaces(d *model.Description) []string {
	out := SOPSNamespaces(d)
	out = append(out, model.SortedKeys(d.Bootstrap.Secrets)...)
	for _, a := range d.Apps {
		if !a.Bootstrap {
			continue
		}
		for _, k := range a.Kustomizations {
			if len(k.Releases) > 0 {
				out = append(out, k.ObjectNamespace(&a))
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
