package flux

import (
	"path"
	"slices"
	"strings"

	"github.com/hogen-dev/hogen/compiler/model"
	"github.com/hogen-dev/hogen/emitters"
)

// The Flux tree's units (emitters.Unitized): an app's directory
// ("app/<ns>/<name>"), a namespace's kustomization.yaml ("namespace/<ns>",
// whose build reads its apps' ks.yaml), a Component ("component/<name>"),
// and "cluster" for the rest: the root Kustomizations, meta, the webhook
// and the bootstrap's helmfiles.
const clusterUnit = "cluster"

func appUnit(a *model.App) string { return "app/" + a.Namespace + "/" + a.Name }

// unitOf is the unit of the file (or build directory) at p.
func unitOf(p string) string {
	if rest, ok := strings.CutPrefix(p, AppsDir+"/"); ok {
		parts := strings.Split(rest, "/")
		switch {
		case len(parts) >= 3:
			return "app/" + parts[0] + "/" + parts[1]
		case len(parts) == 2:
			return "namespace/" + parts[0]
		}
	}
	if rest, ok := strings.CutPrefix(p, ComponentsDir+"/"); ok {
		name, _, _ := strings.Cut(rest, "/")
		return "component/" + name
	}
	return clusterUnit
}

// Units are the Flux tree's units for d. Every app is made from its
// model.App and what the apps share (the cluster, the Components, the
// namespaces' settings, the secret stores); the cluster's files from that
// and of the other apps only the install order and the apps the bootstrap
// installs or takes CRDs from.
func Units(d *model.Description) []emitters.Unit {
	shared := *d
	shared.Apps, shared.Nodes = nil, nil
	base := model.Digest(struct {
		D      *model.Description
		Stores map[string]model.StoreAt
	}{&shared, d.SecretStores()})
	var out []emitters.Unit
	inNamespace := map[string][]string{}
	for i := range d.Apps {
		a := &d.Apps[i]
		out = append(out, emitters.Unit{Name: appUnit(a), Shape: emitters.Part[*model.App]{Shared: base, Own: a}})
		inNamespace[a.Namespace] = append(inNamespace[a.Namespace], appUnit(a))
	}
	for _, ns := range d.Namespaces() {
		apps := slices.Sorted(slices.Values(inNamespace[ns]))
		out = append(out, emitters.Unit{Name: "namespace/" + ns, Needs: apps, Shape: struct {
			Base, Namespace string
			Apps            []string
		}{base, ns, apps}})
	}
	for i := range d.Components {
		out = append(out, emitters.Unit{Name: unitOf(path.Join(ComponentsDir, d.Components[i].Name)), Shape: &d.Components[i]})
	}
	return append(out, emitters.Unit{Name: clusterUnit, Shape: clusterShape(d, base)})
}

// clusterShape is what the cluster's files are made of.
func clusterShape(d *model.Description, base string) any {
	var order []string
	if apps, err := Order(d.Apps); err == nil { // else Emit fails
		for _, a := range apps {
			order = append(order, appUnit(&a))
		}
	}
	var apps []*model.App
	for i := range d.Apps {
		a := &d.Apps[i]
		if a.Bootstrap || slices.ContainsFunc(a.Releases(), func(r model.Release) bool { return slices.Contains(d.Bootstrap.CRDs, r.Name) }) {
			apps = append(apps, a)
		}
	}
	return struct {
		Base  string
		Order []string
		Apps  []*model.App
	}{base, order, apps}
}

// unit is the unit whose files the build checks; a Component is built
// apart (componentBuild) under a directory of its own.
func (b fluxBuild) unit() string {
	return unitOf(path.Join(strings.TrimPrefix(b.dir, checkRoot+"/"), "kustomization.yaml"))
}
