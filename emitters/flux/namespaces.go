package flux

import (
	"encoding/json"
	"fmt"
	"path"

	"sigs.k8s.io/kustomize/api/types"

	"github.com/hogen-dev/hogen/compiler/model"
)

// emitNamespaces writes kubernetes/apps/<ns>/kustomization.yaml: the
// namespace (when the namespaces emitter writes it) and each app's ks.yaml.
// In the layout "flux-system" it has no namespace: field, so the
// Kustomizations stay in flux-system. In the layout "namespaced" it sets
// namespace: <ns>, which moves them (and the namespace's Components and a
// copy of the substitution objects) into the namespace.
func emitNamespaces(t *tree, d *model.Description) error {
	apps := map[string][]string{}
	for _, a := range d.Apps {
		apps[a.Namespace] = append(apps[a.Namespace], a.Name)
	}
	namespaced := d.Cluster.Flux.Layout == model.LayoutNamespaced
	for _, ns := range d.Namespaces() {
		dir := path.Join(AppsDir, ns)
		var resources []string
		if d.Emitters.Namespaces.Enabled {
			resources = append(resources, "./namespace.yaml")
		}
		if namespaced && hasMeta(d) {
			resources = append(resources, relPath(dir, MetaDir))
		}
		for _, app := range sortedUniq(apps[ns]) {
			resources = append(resources, "./"+app+"/ks.yaml")
		}
		kust := kustomization(resources)
		if namespaced {
			kust.Namespace = ns
			for _, c := range d.Namespace(ns).Components {
				kust.Components = append(kust.Components, relPath(dir, path.Join(ComponentsDir, c)))
			}
		}
		if err := t.add(path.Join(dir, "kustomization.yaml"), kust); err != nil {
			return err
		}
		b := plainBuild(dir)
		if patches, err := clusterAppsPatches(d); err != nil {
			return err
		} else if len(patches) > 0 {
			// cluster-apps patches what it applies, this directory among it.
			view := kust
			view.Patches = patches
			b.flux = &view
		} else {
			b.shape = namespaceShape(d, ns, kust)
		}
		t.builds = append(t.builds, b)
	}
	return nil
}

// clusterAppsPatches are the patches of cluster-apps' own policy.
func clusterAppsPatches(d *model.Description) ([]types.Patch, error) {
	var p struct {
		Patches json.RawMessage `json:"patches"`
	}
	if len(d.Cluster.Flux.ClusterApps) == 0 {
		return nil, nil
	}
	if err := json.Unmarshal(d.Cluster.Flux.ClusterApps, &p); err != nil {
		return nil, fmt.Errorf("cluster.flux.clusterApps: %w", err)
	}
	return kustomizePatches(p.Patches)
}
