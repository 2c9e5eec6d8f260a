package flux

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/hogen-dev/hogen/compiler/model"
	"github.com/hogen-dev/hogen/emitters"
)

// helmfile is the part of helmfile's format hogen writes.
type helmfile struct {
	HelmDefaults helmDefaults      `json:"helmDefaults"`
	Repositories []helmfileRepo    `json:"repositories,omitempty"`
	Releases     []helmfileRelease `json:"releases"`
}

type helmDefaults struct {
	CleanupOnFail bool `json:"cleanupOnFail"`
	Wait          bool `json:"wait"`
	WaitForJobs   bool `json:"waitForJobs"`
}

type helmfileRepo struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

type helmfileRelease struct {
	Name      string            `json:"name"`
	Namespace string            `json:"namespace"`
	Chart     string            `json:"chart"`
	Version   string            `json:"version"`
	Values    []json.RawMessage `json:"values,omitempty"`
	Needs     []string          `json:"needs,omitempty"`
	Hooks     []helmfileHook    `json:"hooks,omitempty"`
}

// helmfileHook is a command helmfile runs at an event of a release, in
// the helmfile's directory.
type helmfileHook struct {
	Events   []string `json:"events"`
	ShowLogs bool     `json:"showlogs"`
	Command  string   `json:"command"`
	Args     []string `json:"args"`
}

// emitHelmfile writes bootstrap/helmfile.yaml: the apps marked bootstrap,
// in dependency order with helmfile needs, from the same chart, version and
// values as their HelmReleases. Nothing is written without bootstrap apps.
func emitHelmfile(t *tree, d *model.Description, order []model.App) error {
	boot := map[string]model.App{}
	for _, a := range order {
		if a.Bootstrap {
			boot[a.Name] = a
		}
	}
	if len(boot) == 0 {
		return nil
	}
	hf := helmfile{HelmDefaults: helmDefaults{CleanupOnFail: true, Wait: true, WaitForJobs: true}}
	var prev []string // with bootstrap.order: the releases of the app before
	for _, a := range bootstrapOrder(d, order) {
		var mine []string
		for _, k := range a.Kustomizations {
			for _, r := range k.Releases {
				rel, err := release(d, a, k, r, boot)
				if err != nil {
					return fmt.Errorf("bootstrap app %q: release %s: %w", a.Name, r.Name, err)
				}
				mine = append(mine, rel.Namespace+"/"+rel.Name)
				if len(d.Bootstrap.Order) > 0 {
					rel.Needs = sortedUniq(append(rel.Needs, prev...))
				}
				if !r.Chart.IsOCI() {
					hf.Repositories = append(hf.Repositories, helmfileRepo{Name: r.Name, URL: strings.TrimRight(r.Chart.Repo, "/")})
				}
				hf.Releases = append(hf.Releases, rel)
			}
		}
		if len(mine) > 0 {
			prev = mine
			last := &hf.Releases[len(hf.Releases)-1]
			last.Hooks = postsyncHooks(d, a)
		}
	}
	body, err := yaml.Marshal(hf)
	if err != nil {
		return fmt.Errorf("encoding %s: %w", HelmfilePath, err)
	}
	data := append([]byte(helmfileHeader(d)), body...)
	t.files = append(t.files, emitters.File{Path: HelmfilePath, Data: data})
	return nil
}

// release is one helmfile release; needs lists the releases it waits
// for: those of the apps its app depends on, and its own dependsOn.
func release(d *model.Description, a model.App, k model.Kustomization, r model.Release, boot map[string]model.App) (helmfileRelease, error) {
	rel := helmfileRelease{Name: r.Name, Namespace: k.ObjectNamespace(&a), Version: r.Chart.Version}
	rel.Chart = helmfileChart(r)
	for _, dep := range a.DependsOnApps() {
		if len(d.Bootstrap.Order) > 0 {
			break // bootstrap.order says what waits for what
		}
		b, ok := boot[dep]
		if !ok {
			return rel, fmt.Errorf("depends on %q, which is not a bootstrap app: mark %q bootstrap: true or drop the dependency", dep, dep)
		}
		for _, bk := range b.Kustomizations {
			for _, br := range bk.Releases {
				rel.Needs = append(rel.Needs, bk.ObjectNamespace(&b)+"/"+br.Name)
			}
		}
	}
	for _, dep := range r.DependsOn {
		rel.Needs = append(rel.Needs, dep.Namespace+"/"+dep.Name)
	}
	rel.Needs = sortedUniq(rel.Needs)
	values, err := chartValues(r.Values)
	if err != nil {
		return rel, err
	}
	if values != nil {
		values, err = substitute(d, values)
		if err != nil {
			return rel, err
		}
		rel.Values = []json.RawMessage{values}
	}
	return rel, nil
}

// variable is a Flux postBuild variable reference: ${NAME}, or
// ${NAME:=default} and the like, whose NAME is what matters here.
var variable = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)[^}]*\}`)

// substitute does for helmfile what Flux's postBuild does for the
// HelmRelease, so both install the same values: cluster settings are
// replaced. A cluster secret cannot be: helmfile.yaml is not encrypted, and
// writing the value there would leak it.
func substitute(d *model.Description, values json.RawMessage) (json.RawMessage, error) {
	var err error
	out := variable.ReplaceAllFunc(values, func(m []byte) []byte {
		name := string(variable.FindSubmatch(m)[1])
		if _, secret := d.Cluster.Substitutions.Secrets[name]; secret && err == nil {
			err = fmt.Errorf("values use the cluster secret ${%s}; helmfile.yaml is plaintext, so a bootstrap app cannot: move the value into a Secret the chart reads", name)
		}
		v, ok := d.Cluster.Substitutions.Settings[name]
		if !ok || string(m) != "${"+name+"}" {
			return m
		}
		quoted, _ := json.Marshal(v) // a string always marshals
		return quoted[1 : len(quoted)-1]
	})
	if err != nil {
		return nil, err
	}
	if !json.Valid(out) {
		return nil, fmt.Errorf("values are not valid JSON after substitution")
	}
	return out, nil
}

// helmfileHeader says where the file comes from and what runs after it.
func helmfileHeader(d *model.Description) string {
	var b bytes.Buffer
	b.WriteString("# Generated by hogen from the apps marked bootstrap: true, with the chart\n")
	b.WriteString("# versions and values of their HelmReleases. `hogen bootstrap` runs every\n")
	b.WriteString("# stage in order (namespaces, Secrets, CRDs, this file, Flux); by hand:\n")
	b.WriteString("#   helmfile --file bootstrap/helmfile.yaml sync\n")
	if d.Cluster.Flux.Install == InstallOperator {
		b.WriteString("#   kubectl apply --server-side --filename " + d.Cluster.Flux.Source.Path + "/fluxinstance.yaml\n")
	} else {
		b.WriteString("#   " + BootstrapCommand(d) + "\n")
	}
	return b.String()
}
