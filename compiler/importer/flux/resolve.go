package flux

import (
	"fmt"
	"maps"
	"slices"

	"github.com/hogen-dev/hogen/compiler/importer"
)

// resolve settles what depends on the whole import: the names dependsOn
// entries are written as, which health checks hogen adds itself, and the
// label every Kustomization sets.
func (im *imp) resolve() {
	byName := im.kustomizations()
	for _, a := range im.d.apps {
		for _, k := range a.kustomizations {
			im.resolveDependsOn(k, byName)
			im.resolveReleaseDeps(a, k)
		}
	}
	im.d.releaseHealthChecks = im.allListReleases()
	im.d.appLabel = im.commonAppLabel()
}

// resolveDependsOn writes each dependsOn entry as the name of the
// Kustomization it means; one that names nothing of the import (hogen
// would refuse it) is left out, warned about.
func (im *imp) resolveDependsOn(k *kustomization, byName map[string]*kustomization) {
	for _, dep := range k.dependsOn {
		ns := dep.namespace
		if ns == "" {
			ns = k.objectNamespace(im.d.layout)
		}
		target := byName[dep.name]
		line, col := dep.obj.doc.Pos(dep.obj.node)
		w := importer.Warning{File: dep.obj.doc.File, Line: line, Col: col, Field: "spec.dependsOn", At: k.at + ".dependsOn"}
		switch {
		case target == nil:
			w.Msg = fmt.Sprintf("%s names no Kustomization of the import: not imported (hogen's dependsOn names Kustomizations it writes)", dep.name)
			im.ws.Add(w)
			continue
		case target.objectNamespace(im.d.layout) != ns:
			w.Msg = fmt.Sprintf("%s is in namespace %s, not %s as written: hogen's dependsOn names it wherever it is", dep.name, target.objectNamespace(im.d.layout), ns)
			im.ws.Add(w)
		}
		if !slices.Contains(k.deps, dep.name) {
			k.deps = append(k.deps, dep.name)
		}
	}
}

// objectNamespace is where the Kustomization object lives.
func (k *kustomization) objectNamespace(layout string) string {
	if layout == layoutNamespaced {
		return k.appNamespace
	}
	return fluxNamespace
}

// releaseNamespace is where the Kustomization's releases live.
func (k *kustomization) releaseNamespace() string {
	if k.targetNamespace != "" {
		return k.targetNamespace
	}
	return k.appNamespace
}

// resolveReleaseDeps keeps a release's dependsOn entries hogen can tell:
// a release of the same app, or the one release of that name.
func (im *imp) resolveReleaseDeps(a *app, k *kustomization) {
	count := map[string]int{}
	mine := map[string]bool{}
	for _, b := range im.d.apps {
		for _, kk := range b.kustomizations {
			for _, r := range kk.releases {
				count[r.name]++
				mine[r.name] = mine[r.name] || b == a
			}
		}
	}
	for _, r := range k.releases {
		var keep []string
		for _, dep := range r.dependsOn {
			if mine[dep] || count[dep] == 1 {
				keep = append(keep, dep)
				continue
			}
			im.ws.Add(importer.Warning{File: r.obj.doc.File, Line: r.obj.node.Line, Col: r.obj.node.Column, Field: "spec.dependsOn", At: r.at,
				Msg: fmt.Sprintf("%s names no release hogen can tell (of this app, or the only one of that name): not imported", dep)})
		}
		r.dependsOn = keep
	}
}

// allListReleases tells whether every Kustomization that does not wait
// lists its HelmReleases in healthChecks, as hogen does by default
// (releaseHealthChecks); when some do not, each lists its own.
func (im *imp) allListReleases() bool {
	for _, a := range im.d.apps {
		for _, k := range a.kustomizations {
			if k.policy["wait"] == true {
				continue
			}
			for _, r := range k.releases {
				if !slices.ContainsFunc(k.healthChecks, func(h any) bool { return isReleaseCheck(h, r.name, k.releaseNamespace()) }) {
					return false
				}
			}
		}
	}
	return true
}

func isReleaseCheck(h any, name, ns string) bool {
	m, _ := h.(map[string]any)
	av, _ := m["apiVersion"].(string)
	return len(av) > 23 && av[:23] == "helm.toolkit.fluxcd.io/" && m["kind"] == "HelmRelease" && m["name"] == name && (m["namespace"] == ns || m["namespace"] == nil)
}

// healthChecks are what a Kustomization writes in healthChecks: all it
// has, less those hogen adds (its releases), when it adds them.
func (im *imp) healthChecks(a *app, k *kustomization) []any {
	if !im.d.releaseHealthChecks || k.policy["wait"] == true {
		return k.healthChecks
	}
	var out []any
	for _, h := range k.healthChecks {
		if !slices.ContainsFunc(k.releases, func(r *release) bool { return isReleaseCheck(h, r.name, k.releaseNamespace()) }) {
			out = append(out, h)
		}
	}
	return out
}

// commonAppLabel is the label every Kustomization sets to its app's name
// (commonMetadata), which becomes cluster.flux.appLabel and leaves each
// Kustomization's commonMetadata; nil when there is none.
func (im *imp) commonAppLabel() *string {
	var candidates []string
	first := true
	for _, a := range im.d.apps {
		for _, k := range a.kustomizations {
			labels := commonLabels(k)
			var here []string
			for _, key := range slices.Sorted(maps.Keys(labels)) {
				if labels[key] == a.name && (first || slices.Contains(candidates, key)) {
					here = append(here, key)
				}
			}
			candidates, first = here, false
		}
	}
	if len(candidates) == 0 {
		return nil
	}
	l := candidates[0]
	if slices.Contains(candidates, defaultAppLabel) {
		l = defaultAppLabel
	}
	for _, a := range im.d.apps {
		for _, k := range a.kustomizations {
			cm, _ := k.policy["commonMetadata"].(map[string]any)
			labels, _ := cm["labels"].(map[string]any)
			delete(labels, l)
			if len(labels) == 0 {
				delete(cm, "labels")
			}
			if len(cm) == 0 {
				delete(k.policy, "commonMetadata")
			}
		}
	}
	return &l
}

func commonLabels(k *kustomization) map[string]any {
	cm, _ := k.policy["commonMetadata"].(map[string]any)
	labels, _ := cm["labels"].(map[string]any)
	return labels
}

// dependencyNames are the names a Kustomization's dependsOn is written as.
func (im *imp) dependencyNames(k *kustomization) []string { return k.deps }

// releasePolicy is what a release writes of its policy: its own, less
// what it gets from its Kustomization (interval, timeout) and the
// defaults.
func (im *imp) releasePolicy(k *kustomization, r *release) map[string]any {
	inherited := map[string]any{}
	for _, key := range []string{"interval", "timeout"} {
		if v, ok := k.policy[key]; ok && v != nil {
			inherited[key] = v
		}
	}
	return ownPolicy(mergeAll(inherited, im.effective.helmRelease), r.policy)
}
