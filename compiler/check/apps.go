package check

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hogen-dev/hogen/compiler/model"
	"github.com/hogen-dev/hogen/emitters/talos"
)

// apps checks the app graph: Kustomization and release names unique,
// every dependsOn naming something, no cycle (reported once, in full,
// starting from its smallest name), and each app applying something.
func (c *checker) apps() {
	c.kustomizationNames()
	c.releaseNames()
	for _, a := range c.d.Apps {
		c.appShape(a)
		for _, k := range a.Kustomizations {
			for _, dep := range k.DependsOn {
				if !dep.Found() {
					c.Errorf(dep.Path, appFix(c.d, dep.Name),
						"%s depends on %q, which is not an app", kustomizationWhat(a, k), dep.Name)
				}
			}
			for _, r := range k.Releases {
				for _, dep := range r.DependsOn {
					if !dep.Found() {
						c.Errorf(dep.Path, "name a release of this app, or one whose name is unique", "release %s depends on %q, which is no release hogen can tell", r.Name, dep.Name)
					}
				}
			}
		}
	}
	deps, where := kustomizationGraph(c.d.Apps)
	for _, cyc := range cycles(deps) {
		c.Errorf(where[cyc[0]]+".dependsOn", "remove one dependsOn entry of the cycle",
			"dependency cycle: %s", strings.Join(cyc, " -> "))
	}
}

// kustomizationWhat names a Kustomization in messages: the app, and the
// Kustomization when it is not the app's own.
func kustomizationWhat(a model.App, k model.Kustomization) string {
	if k.Name == a.Name {
		return "app " + a.Name
	}
	return fmt.Sprintf("Kustomization %s of app %s", k.Name, a.Name)
}

// kustomizationGraph is the Flux Kustomizations' dependsOn, by name, and
// each one's description path.
func kustomizationGraph(apps []model.App) (map[string][]string, map[string]string) {
	deps, where := map[string][]string{}, map[string]string{}
	for _, a := range apps {
		for _, k := range a.Kustomizations {
			where[k.Name] = k.Path
			deps[k.Name] = deps[k.Name][:0:0]
			for _, d := range k.DependsOn {
				if d.Found() {
					deps[k.Name] = append(deps[k.Name], d.Name)
				}
			}
		}
	}
	return deps, where
}

// kustomizationNames checks that no two Flux Kustomizations share a name:
// they would be one object, and dependsOn could not tell them apart.
func (c *checker) kustomizationNames() {
	seen := map[string]string{}
	for _, a := range c.d.Apps {
		for _, k := range a.Kustomizations {
			c.name(k.Path, "Kustomization", k.Name)
			if prev, dup := seen[k.Name]; dup {
				c.Errorf(k.Path, `give one of them another name ("name: ...")`, "Flux Kustomization %q is also made by %s", k.Name, prev)
				continue
			}
			seen[k.Name] = k.Path
		}
	}
}

// releaseNames checks that no two HelmReleases share a name in one
// namespace.
func (c *checker) releaseNames() {
	seen := map[string]string{}
	for _, a := range c.d.Apps {
		for _, k := range a.Kustomizations {
			for _, r := range k.Releases {
				key := k.ObjectNamespace(&a) + "/" + r.Name
				if prev, dup := seen[key]; dup {
					c.Errorf(r.Path, "give one of them another name", "HelmRelease %s is also made by %s", key, prev)
					continue
				}
				seen[key] = r.Path
			}
		}
	}
}

// appShape checks what each app applies: something at all, charts that
// say where they come from, no directory described twice.
func (c *checker) appShape(a model.App) {
	empty := true
	for _, k := range a.Kustomizations {
		if k.Dir == model.MainDir+"-2" {
			c.Errorf(k.Path, "describe app/ in the app's own fields or under kustomizations.app, not both", "the app's own fields already describe its directory app/")
		}
		empty = empty && len(k.Releases)+len(k.Manifests)+len(k.Secrets)+len(k.ConfigMaps)+len(k.Components)+len(k.SecretStores)+len(k.ExternalSecrets) == 0
		for _, r := range k.Releases {
			c.chart(r)
		}
	}
	if empty {
		c.Errorf(a.Path, "give it a chart, releases or manifests", "app %s applies nothing", a.Name)
	}
}

// chart checks that a release's chart is a repository chart (repo, name,
// version) or a Git chart (git, path, one ref), not both.
func (c *checker) chart(r model.Release) {
	ch, p := r.Chart, r.Path+".chart"
	switch {
	case ch.Repo == "" && ch.Git == "":
		c.Errorf(p, `add chart: {repo: "https://...", name: "...", version: "..."}, or git, path and ref for a chart in Git`, "release %s has no chart", r.Name)
	case ch.Repo != "" && ch.Git != "":
		c.Errorf(p+".git", "keep repo (a Helm or OCI repository) or git (a Git repository), not both", "the chart says both where it comes from: repo and git")
	case ch.Repo != "":
		if ch.Name == "" {
			c.Errorf(p, "add name: the chart's name in the repository", "chart.name is required for a chart from repo")
		}
		if ch.Version == "" {
			c.Errorf(p, "add version: the chart's version", "chart.version is required for a chart from repo")
		}
		if ch.Path != "" || ch.Ref != (model.GitRef{}) {
			c.Errorf(p+".repo", "path and ref belong to a chart from git", "a chart from repo takes name and version, not path or ref")
		}
	default:
		if ch.Path == "" {
			c.Errorf(p, `add path: the chart's directory in the repository ("charts/garage")`, "chart.path is required for a chart from git")
		}
		refs := 0
		for _, s := range []string{ch.Ref.Tag, ch.Ref.Branch, ch.Ref.Commit, ch.Ref.SemVer} {
			if s != "" {
				refs++
			}
		}
		if refs != 1 {
			c.Errorf(p+".ref", `set one of ref.tag, ref.branch, ref.commit or ref.semver`, "a chart from git needs exactly one ref, not %d", refs)
		}
		if ch.Name != "" || ch.Version != "" {
			c.Errorf(p+".git", "a Git chart's name and version are its Chart.yaml's: pin it with ref", "a chart from git takes path and ref, not name or version")
		}
	}
}

// cycles finds dependency cycles by depth-first search in name order; each
// is returned rotated to start at its smallest name, closed (a, b, a).
func cycles(deps map[string][]string) [][]string {
	const (
		unseen = iota
		onPath
		done
	)
	state := map[string]int{}
	var stack []string
	var found [][]string
	seen := map[string]bool{}
	var visit func(n string)
	visit = func(n string) {
		state[n] = onPath
		stack = append(stack, n)
		for _, m := range deps[n] {
			if _, ok := deps[m]; !ok {
				continue
			}
			switch state[m] {
			case unseen:
				visit(m)
			case onPath:
				cyc := rotate(stack[slices.Index(stack, m):])
				if key := strings.Join(cyc, " "); !seen[key] {
					seen[key] = true
					found = append(found, append(cyc, cyc[0]))
				}
			}
		}
		stack = stack[:len(stack)-1]
		state[n] = done
	}
	for _, n := range model.SortedKeys(deps) {
		if state[n] == unseen {
			visit(n)
		}
	}
	return found
}

func rotate(cyc []string) []string {
	i := slices.Index(cyc, slices.Min(cyc))
	return append(slices.Clone(cyc[i:]), cyc[:i]...)
}

// secretRefs checks that every referenced secret is one secrets.sops.yaml
// holds.
func (c *checker) secretRefs() {
	ForEachSecretRef(c.d, func(path, name string) {
		if !slices.Contains(c.d.Inputs.SecretNames, name) {
			c.Errorf(path, fmt.Sprintf("add it: echo -n VALUE | hogen secrets set %s", name), "secret %q is not in secrets.sops.yaml", name)
		}
	})
}

// ForEachSecretRef calls fn with the path and name of every reference to a
// value in secrets.sops.yaml, in a stable order.
func ForEachSecretRef(d *model.Description, fn func(path, name string)) {
	for _, k := range model.SortedKeys(d.Cluster.Substitutions.Secrets) {
		fn("cluster.substitutions.secrets."+k, d.Cluster.Substitutions.Secrets[k])
	}
	if r := d.Cluster.Flux.Receiver; r != nil && r.Token != "" {
		fn(model.ReceiverPath+".token", r.Token)
	}
	for _, ns := range model.SortedKeys(d.Bootstrap.Secrets) {
		for _, s := range model.SortedKeys(d.Bootstrap.Secrets[ns]) {
			for _, k := range model.SortedKeys(d.Bootstrap.Secrets[ns][s]) {
				fn(fmt.Sprintf("bootstrap.secrets.%s.%s.%s", ns, s, k), d.Bootstrap.Secrets[ns][s][k])
			}
		}
	}
	for _, a := range d.Apps {
		for _, ks := range a.Kustomizations {
			for _, s := range model.SortedKeys(ks.Secrets) {
				for _, k := range model.SortedKeys(ks.Secrets[s]) {
					fn(fmt.Sprintf("%s.secrets.%s.%s", ks.Path, s, k), ks.Secrets[s][k])
				}
			}
		}
	}
	talos.SecretRefs(d, fn)
}
