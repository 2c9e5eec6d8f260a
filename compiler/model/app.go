package model

import "encoding/json"

// The two places apps' Flux Kustomizations can live (cluster.flux.layout).
const (
	LayoutFluxSystem = "flux-system"
	LayoutNamespaced = "namespaced"
)

// FluxNamespace holds Flux, its sources, and in the flux-system layout
// every app's Flux Kustomization.
const FluxNamespace = "flux-system"

// MainDir is the directory of an app's first Kustomization.
const MainDir = "app"

// FluxDefaults are the cluster-wide Flux policy: fragments of a Flux
// Kustomization's and a HelmRelease's spec, with Flux's field names, and
// the chart sources' interval.
type FluxDefaults struct {
	Kustomization json.RawMessage `json:"kustomization,omitempty"`
	HelmRelease   json.RawMessage `json:"helmRelease,omitempty"`
	Source        SourcePolicy    `json:"source"`
}

// SourcePolicy is the policy of the chart sources.
type SourcePolicy struct {
	Interval string `json:"interval"`
}

// App is an application: the directory kubernetes/apps/<namespace>/<name>/
// whose ks.yaml holds its Flux Kustomizations. An App carries everything
// that shapes its files, cluster-wide defaults already merged in, so an
// emitter needs nothing else of the description to write it.
type App struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	// Bootstrap apps' releases are installed before Flux.
	Bootstrap bool `json:"bootstrap"`
	// Kustomizations are the app's Flux Kustomizations: its own (directory
	// app/) first when it has one, then the others by directory.
	Kustomizations []Kustomization `json:"kustomizations"`
	// Path is the app's description path ("apps.<name>"), for positions.
	Path string `json:"-"`
}

// Kustomization is one Flux Kustomization and the directory it applies.
type Kustomization struct {
	// Name is the Flux Kustomization's name; Dir its directory under the
	// app's; Namespace where the Kustomization object lives.
	Name      string `json:"name"`
	Dir       string `json:"dir"`
	Namespace string `json:"namespace"`
	// TargetNamespace is where Flux puts the objects; empty for none.
	TargetNamespace string       `json:"targetNamespace,omitempty"`
	DependsOn       []Dependency `json:"dependsOn,omitempty"`
	Releases        []Release    `json:"releases,omitempty"`
	Manifests       []Manifest   `json:"manifests,omitempty"`
	// Secrets maps a Secret's name to its keys, each naming a value in
	// Inputs.Secrets.
	Secrets    map[string]map[string]string `json:"secrets,omitempty"`
	ConfigMaps []ConfigMap                  `json:"configMaps,omitempty"`
	// SecretStores are the External Secrets stores it applies;
	// ExternalSecrets the Secrets it reads from stores.
	SecretStores    []SecretStore    `json:"secretStores,omitempty"`
	ExternalSecrets []ExternalSecret `json:"externalSecrets,omitempty"`
	// Components name the Components Flux adds (Description.Components).
	Components []string `json:"components,omitempty"`
	// Substitution tells whether Flux substitutes postBuild variables;
	// Substitute and SubstituteFrom are then its variables: the app's own,
	// and the objects to read more from (cluster-wide ones first).
	Substitution   bool              `json:"substitution"`
	Substitute     map[string]string `json:"substitute,omitempty"`
	SubstituteFrom []SubstituteRef   `json:"substituteFrom,omitempty"`
	HealthChecks   []HealthCheck     `json:"healthChecks,omitempty"`
	// OmitReleaseHealthChecks keeps the HelmReleases out of the health
	// checks (cluster.flux.releaseHealthChecks: false).
	OmitReleaseHealthChecks bool `json:"omitReleaseHealthChecks,omitempty"`
	// Labels are set on every object applied (commonMetadata).
	Labels map[string]string `json:"labels,omitempty"`
	// Policy is the rest of the Flux Kustomization's spec (interval,
	// timeout, wait, prune, patches, ...): the cluster defaults merged with
	// the Kustomization's own fields.
	Policy json.RawMessage `json:"policy,omitempty"`
	// Path is the description path of the Kustomization's fields:
	// "apps.<app>" or "apps.<app>.kustomizations.<dir>".
	Path string `json:"-"`
}

// Dependency is a Flux object another waits for.
type Dependency struct {
	Name string `json:"name"`
	// Namespace is where it lives; empty when nothing of that name exists.
	Namespace string `json:"namespace,omitempty"`
	// App is the app it belongs to; empty when nothing of that name exists.
	App string `json:"app,omitempty"`
	// Path is the description path of the dependsOn entry.
	Path string `json:"-"`
}

// Found tells whether the dependency names something that exists.
func (d Dependency) Found() bool { return d.App != "" }

// Release is a HelmRelease.
type Release struct {
	Name   string          `json:"name"`
	Chart  Chart           `json:"chart"`
	Values json.RawMessage `json:"values,omitempty"`
	// DependsOn are the HelmReleases this one waits for.
	DependsOn []Dependency `json:"dependsOn,omitempty"`
	// Provides are the API groups the chart's CRDs define, as declared.
	Provides []string `json:"provides,omitempty"`
	// Substitution false keeps Flux from substituting into the release.
	Substitution bool `json:"substitution"`
	// Policy is the rest of the HelmRelease's spec (interval, install,
	// upgrade, driftDetection, valuesFrom, ...): the cluster defaults merged
	// with the app's and the release's.
	Policy json.RawMessage `json:"policy,omitempty"`
	Path   string          `json:"-"`
}

// Chart is a Helm chart in a Helm repository, an OCI registry, or at a
// path of a Git repository.
type Chart struct {
	Repo    string `json:"repo,omitempty"`
	Name    string `json:"name,omitempty"`
	Version string `json:"version,omitempty"`
	Git     string `json:"git,omitempty"`
	Ref     GitRef `json:"ref,omitzero"`
	Path    string `json:"path,omitempty"`
	// Interval is the source's reconcile interval.
	Interval string `json:"interval,omitempty"`
	// Source names the source object; empty: the release's name.
	Source string `json:"source,omitempty"`
}

// GitRef is the Git reference a chart is read at.
type GitRef struct {
	Tag    string `json:"tag,omitempty"`
	Branch string `json:"branch,omitempty"`
	Commit string `json:"commit,omitempty"`
	SemVer string `json:"semver,omitempty"`
}

// IsOCI tells whether the chart comes from an OCI registry.
func (c Chart) IsOCI() bool { return len(c.Repo) > 6 && c.Repo[:6] == "oci://" }

// IsGit tells whether the chart comes from a Git repository.
func (c Chart) IsGit() bool { return c.Git != "" }

// ChartName is the chart's name: its name in a repository, or the last
// element of its Git path.
func (c Chart) ChartName() string {
	if !c.IsGit() {
		return c.Name
	}
	p := c.Path
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' {
			return p[i+1:]
		}
	}
	return p
}

// Manifest is an extra object, written to <File>.yaml.
type Manifest struct {
	File   string          `json:"file"`
	Object json.RawMessage `json:"object"`
	// APIVersion, Kind, Name and Namespace are read from Object.
	APIVersion string `json:"-"`
	Kind       string `json:"-"`
	Name       string `json:"-"`
	Namespace  string `json:"-"`
	// Substitution false: the object carries Flux's substitute: disabled.
	Substitution bool   `json:"-"`
	Path         string `json:"-"`
}

// ConfigMap is a kustomize-generated ConfigMap.
type ConfigMap struct {
	Name    string        `json:"name"`
	Entries []ConfigEntry `json:"entries"`
	// Labels and Annotations are the generated object's.
	Labels       map[string]string `json:"labels,omitempty"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	Substitution bool              `json:"substitution"`
	HashSuffix   bool              `json:"hashSuffix"`
	Path         string            `json:"-"`
}

// ConfigEntry is one key of a ConfigMap: its contents, and the file of the
// description directory they were read from, if any.
type ConfigEntry struct {
	Key  string `json:"key"`
	Data string `json:"data"`
	File string `json:"file,omitempty"`
}

// SubstituteRef names a ConfigMap or Secret Flux reads variables from.
type SubstituteRef struct {
	Kind     string `json:"kind"`
	Name     string `json:"name"`
	Optional bool   `json:"optional,omitempty"`
}

// HealthCheck is an object Flux waits on before the app counts as ready.
type HealthCheck struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Name       string `json:"name"`
	Namespace  string `json:"namespace,omitempty"`
}

// Component is a kustomize Component at kubernetes/components/<Name>.
type Component struct {
	Name       string          `json:"name"`
	Manifests  []Manifest      `json:"manifests,omitempty"`
	ConfigMaps []ConfigMap     `json:"configMaps,omitempty"`
	Patches    json.RawMessage `json:"patches,omitempty"`
	Path       string          `json:"-"`
}

// Namespace is an apps namespace's own metadata and Components.
type Namespace struct {
	Name        string            `json:"name"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Components  []string          `json:"components,omitempty"`
	Path        string            `json:"-"`
}

// Releases returns every release of the app, Kustomization by
// Kustomization.
func (a *App) Releases() []Release {
	var out []Release
	for _, k := range a.Kustomizations {
		out = append(out, k.Releases...)
	}
	return out
}

// DependsOnApps returns the other apps a's Kustomizations wait for, sorted.
func (a *App) DependsOnApps() []string {
	seen := map[string]bool{}
	var out []string
	for _, k := range a.Kustomizations {
		for _, dep := range k.DependsOn {
			if dep.Found() && dep.App != a.Name && !seen[dep.App] {
				seen[dep.App] = true
				out = append(out, dep.App)
			}
		}
	}
	sortStrings(out)
	return out
}

// Namespaces returns the apps namespaces, the apps' and those the
// description sets up, sorted, once each.
func (d *Description) Namespaces() []string {
	seen := map[string]bool{}
	var out []string
	add := func(ns string) {
		if !seen[ns] {
			seen[ns] = true
			out = append(out, ns)
		}
	}
	for _, a := range d.Apps {
		add(a.Namespace)
	}
	for _, n := range d.NamespaceSettings {
		add(n.Name)
	}
	sortStrings(out)
	return out
}

// Namespace returns what the description says of namespace ns.
func (d *Description) Namespace(ns string) Namespace {
	for _, n := range d.NamespaceSettings {
		if n.Name == ns {
			return n
		}
	}
	return Namespace{Name: ns}
}

// Component returns the Component named name, if there is one.
func (d *Description) Component(name string) (Component, bool) {
	for _, c := range d.Components {
		if c.Name == name {
			return c, true
		}
	}
	return Component{}, false
}
