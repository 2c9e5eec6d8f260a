package model

import (
	"encoding/json"
	"fmt"
	"strings"
)

// NewApps turns the description's apps into Apps, sorted by name: short
// forms expanded, the cluster's Flux defaults merged into each
// Kustomization and release, names of dependencies resolved. It never
// fails: what is wrong (an unknown dependency, a short form beside
// releases of the same name) is kept for the checks to report.
func NewApps(c *Cluster, specs map[string]AppSpec) []App {
	// cluster-apps' own policy is written like any Kustomization's; its
	// nulls stay, to remove what hogen sets on it (retryInterval: null).
	c.Flux.ClusterApps = withYAMLPatches(c.Flux.ClusterApps, "patches")
	apps := make([]App, 0, len(specs))
	for _, name := range SortedKeys(specs) {
		apps = append(apps, newApp(c, name, specs[name]))
	}
	resolveDependencies(apps)
	c.Flux.Instance.Kustomize.Patches = yamlPatches(c.Flux.Instance.Kustomize.Patches)
	resolveReceiver(c.Flux.Receiver, apps)
	return apps
}

func newApp(c *Cluster, name string, s AppSpec) App {
	a := App{Name: name, Namespace: s.Namespace, Bootstrap: s.Bootstrap, Path: "apps." + name}
	if s.KustomizationSpec.hasContent() || len(s.Kustomizations) == 0 {
		a.Kustomizations = append(a.Kustomizations, newKustomization(c, &a, s.Helm, MainDir, a.Path, s.KustomizationSpec))
	}
	for _, dir := range SortedKeys(s.Kustomizations) {
		if dir == MainDir && len(a.Kustomizations) > 0 && a.Kustomizations[0].Dir == MainDir {
			// Both the app's fields and kustomizations.app describe app/:
			// the check reports the clash at kustomizations.app.
			dir = MainDir + "-2"
		}
		a.Kustomizations = append(a.Kustomizations, newKustomization(c, &a, s.Helm, dir, a.Path+".kustomizations."+dir, s.Kustomizations[dir]))
	}
	return a
}

// hasContent tells whether a Kustomization applies anything.
func (k *KustomizationSpec) hasContent() bool {
	return k.Chart != nil || len(k.Values) > 0 && string(k.Values) != "{}" || len(k.Releases)+len(k.Manifests)+len(k.Secrets)+len(k.ConfigMaps)+len(k.Components)+len(k.SecretStores)+len(k.ExternalSecrets) > 0
}

func newKustomization(c *Cluster, a *App, helm json.RawMessage, dir, path string, s KustomizationSpec) Kustomization {
	k := Kustomization{
		Name: s.Name, Dir: dir, Namespace: FluxNamespace, TargetNamespace: a.Namespace,
		Secrets: s.Secrets, Components: s.Components, Substitution: s.Substitution,
		HealthChecks: s.HealthChecks, Path: path,
	}
	if k.Name == "" {
		k.Name = a.Name
		if dir != MainDir {
			k.Name = a.Name + "-" + dir
		}
	}
	if c.Flux.Layout == LayoutNamespaced {
		k.Namespace = a.Namespace
	}
	switch tn := strings.TrimSpace(string(s.TargetNamespace)); {
	case tn == "null":
		k.TargetNamespace = ""
	case tn != "":
		_ = json.Unmarshal(s.TargetNamespace, &k.TargetNamespace)
	}
	for i, dep := range s.DependsOn {
		k.DependsOn = append(k.DependsOn, Dependency{Name: dep, Path: fmt.Sprintf("%s.dependsOn.%d", path, i)})
	}
	k.OmitReleaseHealthChecks = c.Flux.ReleaseHealthChecks != nil && !*c.Flux.ReleaseHealthChecks
	if c.Flux.AppLabel != nil && *c.Flux.AppLabel != "" {
		k.Labels = map[string]string{*c.Flux.AppLabel: a.Name}
	}
	k.Policy = MergePolicy(c.Flux.Defaults.Kustomization, s.Policy)
	k.Policy = withYAMLPatches(k.Policy, "patches")
	if k.Substitution {
		k.Substitute = s.Substitute
		if len(c.Substitutions.Settings) > 0 {
			k.SubstituteFrom = append(k.SubstituteFrom, SubstituteRef{Kind: "ConfigMap", Name: ClusterSettings})
		}
		if len(c.Substitutions.Secrets) > 0 {
			k.SubstituteFrom = append(k.SubstituteFrom, SubstituteRef{Kind: "Secret", Name: ClusterSecrets})
		}
		k.SubstituteFrom = append(k.SubstituteFrom, s.SubstituteFrom...)
	}
	inherited := inheritedHelmPolicy(k.Policy)
	if s.Chart != nil || len(s.Values) > 0 && string(s.Values) != "{}" {
		r := ReleaseSpec{Values: s.Values, Provides: s.Provides, Substitution: true}
		if s.Chart != nil {
			r.Chart = *s.Chart
		}
		k.Releases = append(k.Releases, newRelease(c, k.Name, path, r, inherited, helm))
	}
	for _, name := range SortedKeys(s.Releases) {
		k.Releases = append(k.Releases, newRelease(c, name, path+".releases."+name, s.Releases[name], inherited, helm))
	}
	k.Manifests = newManifests(path, s.Manifests)
	k.ConfigMaps = newConfigMaps(path, s.ConfigMaps)
	k.SecretStores = newSecretStores(path, k.ObjectNamespace(a), s.SecretStores)
	k.ExternalSecrets = newExternalSecrets(path, s.ExternalSecrets)
	return k
}

// inheritedHelmPolicy is what a release takes from its Kustomization
// unless the Helm policy says otherwise: the interval, and the timeout, so
// a chart given 15m in its Kustomization is not cut off at Helm's 5m.
func inheritedHelmPolicy(ks json.RawMessage) json.RawMessage {
	var p map[string]json.RawMessage
	if json.Unmarshal(ks, &p) != nil {
		return nil
	}
	out := map[string]json.RawMessage{}
	for _, k := range []string{"interval", "timeout"} {
		if v, ok := p[k]; ok {
			out[k] = v
		}
	}
	b, _ := json.Marshal(out)
	return b
}

func newRelease(c *Cluster, name, path string, s ReleaseSpec, inherited, helm json.RawMessage) Release {
	r := Release{Name: name, Chart: s.Chart, Provides: s.Provides, Substitution: s.Substitution, Path: path}
	if string(s.Values) != "{}" {
		r.Values = s.Values
	}
	if r.Chart.Interval == "" {
		r.Chart.Interval = c.Flux.Defaults.Source.Interval
	}
	if r.Chart.Source == "" {
		r.Chart.Source = name
	}
	for i, dep := range s.DependsOn {
		r.DependsOn = append(r.DependsOn, Dependency{Name: dep, Path: fmt.Sprintf("%s.dependsOn.%d", path, i)})
	}
	r.Policy = MergePolicy(inherited, c.Flux.Defaults.HelmRelease, helm, s.Policy)
	r.Policy = withYAMLPatches(r.Policy, "postRenderers")
	return r
}

// withYAMLPatches writes the patches under key (a Kustomization's
// patches, or each post-renderer's) as YAML strings.
func withYAMLPatches(policy json.RawMessage, key string) json.RawMessage {
	var p map[string]json.RawMessage
	if len(policy) == 0 || json.Unmarshal(policy, &p) != nil || p[key] == nil {
		return policy
	}
	switch key {
	case "patches":
		p[key] = yamlPatches(p[key])
	case "postRenderers":
		var prs []map[string]map[string]json.RawMessage
		if json.Unmarshal(p[key], &prs) != nil {
			return policy
		}
		for _, pr := range prs {
			if kz := pr["kustomize"]; kz != nil && kz["patches"] != nil {
				kz["patches"] = yamlPatches(kz["patches"])
			}
		}
		p[key], _ = json.Marshal(prs)
	}
	out, err := json.Marshal(p)
	if err != nil {
		return policy
	}
	return out
}

// resolveDependencies turns the names in dependsOn into the Flux objects
// they mean. A Kustomization's entry names a Flux Kustomization, or an app,
// meaning all of the app's Kustomizations. A release's entry names a
// release of its app, or else the one release of that name. What names
// nothing is kept with App empty.
func resolveDependencies(apps []App) {
	type at struct{ app, ns string }
	kss, rels := map[string][]at{}, map[string][]at{}
	appKss := map[string][]Dependency{}
	for _, a := range apps {
		for _, k := range a.Kustomizations {
			kss[k.Name] = append(kss[k.Name], at{a.Name, k.Namespace})
			appKss[a.Name] = append(appKss[a.Name], Dependency{Name: k.Name, Namespace: k.Namespace, App: a.Name})
			for _, r := range k.Releases {
				rels[r.Name] = append(rels[r.Name], at{a.Name, k.ObjectNamespace(&a)})
			}
		}
	}
	for ai := range apps {
		a := &apps[ai]
		for ki := range a.Kustomizations {
			k := &a.Kustomizations[ki]
			var deps []Dependency
			for _, d := range k.DependsOn {
				switch found := kss[d.Name]; {
				case len(found) == 1:
					deps = append(deps, Dependency{Name: d.Name, Namespace: found[0].ns, App: found[0].app, Path: d.Path})
				case len(found) == 0 && len(appKss[d.Name]) > 0:
					for _, dep := range appKss[d.Name] {
						dep.Path = d.Path
						deps = append(deps, dep)
					}
				default:
					deps = append(deps, d)
				}
			}
			k.DependsOn = deps
			for ri := range k.Releases {
				r := &k.Releases[ri]
				for di, d := range r.DependsOn {
					var mine []at
					for _, x := range rels[d.Name] {
						if x.app == a.Name {
							mine = append(mine, x)
						}
					}
					if len(mine) == 0 && len(rels[d.Name]) == 1 {
						mine = rels[d.Name]
					}
					if len(mine) == 1 {
						r.DependsOn[di] = Dependency{Name: d.Name, Namespace: mine[0].ns, App: mine[0].app, Path: d.Path}
					}
				}
			}
		}
	}
}

// ObjectNamespace is where the Kustomization's HelmReleases, and every
// object hogen writes for it, live.
func (k *Kustomization) ObjectNamespace(a *App) string {
	if k.TargetNamespace != "" {
		return k.TargetNamespace
	}
	return a.Namespace
}
