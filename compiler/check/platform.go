package check

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hogen-dev/hogen/compiler/model"
)

// receiver checks the webhook Receiver: a token from exactly one place, a
// store that exists, dependencies that name apps, and a notification
// controller to serve it.
func (c *checker) receiver() {
	r := c.d.Cluster.Flux.Receiver
	if r == nil {
		return
	}
	p := model.ReceiverPath
	switch {
	case r.Token == "" && r.TokenFrom == nil:
		c.Errorf(p, `give it a token: token: "<name in secrets.sops.yaml>" (hogen secrets set NAME), or tokenFrom: {store: ..., key: ...}`,
			"webhook Receiver %s has no token Secret: anyone could make Flux sync, and notification-controller refuses a Receiver without one", r.Name)
	case r.Token != "" && r.TokenFrom != nil:
		c.Errorf(p+".tokenFrom", "keep token or tokenFrom", "webhook Receiver %s takes its token from secrets.sops.yaml and from a store", r.Name)
	}
	if r.TokenFrom != nil {
		stores := c.d.SecretStores()
		if st, ok := stores[r.TokenFrom.Store]; !ok {
			c.Errorf(p+".tokenFrom.store", storeFix(stores, r.TokenFrom.Store), "webhook Receiver %s reads its token from store %q, which no app defines", r.Name, r.TokenFrom.Store)
		} else {
			c.receiverStoreDependencies(r, st)
		}
	}
	for _, dep := range r.DependsOn {
		if !dep.Found() {
			c.Errorf(dep.Path, appFix(c.d, dep.Name), "webhook Receiver %s depends on %q, which is not an app", r.Name, dep.Name)
		}
	}
	in := c.d.Cluster.Flux.Instance
	if len(in.Components) > 0 && !slices.Contains(in.Components, "notification-controller") {
		c.Errorf(p, `add "notification-controller" to cluster.flux.instance.components`, "webhook Receiver %s needs notification-controller, which cluster.flux.instance.components leaves out", r.Name)
	}
}

// receiverStoreDependencies checks that the Receiver, whose token an
// ExternalSecret reads from store st, waits for what that needs, as an
// app's ExternalSecret does.
func (c *checker) receiverStoreDependencies(r *model.Receiver, st model.StoreAt) {
	deps, _ := kustomizationGraph(c.d.Apps)
	reach := map[string]bool{}
	for _, dep := range r.DependsOn {
		if dep.Found() {
			reach[dep.Name] = true
			maps.Copy(reach, reachable(deps, dep.Name))
		}
	}
	who := "webhook Receiver " + r.Name
	c.storeDependencies(storeReader{path: model.ReceiverPath + ".tokenFrom", who: who, what: who}, r.TokenFrom.Store, st, reach, esProviders(c.d))
}

// bootstrap checks the bootstrap section against the apps: the order
// lists each bootstrap app once and nothing else; postsync names
// Kustomizations of bootstrap apps that hold only objects kubectl can
// apply as written; crds names releases.
func (c *checker) bootstrap() {
	b := c.d.Bootstrap
	boot := map[string]model.App{}
	for _, a := range c.d.Apps {
		if a.Bootstrap {
			boot[a.Name] = a
		}
	}
	if len(b.Order) > 0 {
		seen := map[string]bool{}
		for i, name := range b.Order {
			path := fmt.Sprintf("bootstrap.order.%d", i)
			switch {
			case seen[name]:
				c.Errorf(path, "list each bootstrap app once", "%s is listed twice", name)
			case boot[name].Name == "":
				c.Errorf(path, fmt.Sprintf("mark apps.%s bootstrap: true, or remove it from the order", name), "%s is not a bootstrap app", name)
			}
			seen[name] = true
		}
		for _, name := range model.SortedKeys(boot) {
			if !seen[name] {
				c.Errorf("bootstrap.order", fmt.Sprintf("add %q where it is installed", name), "bootstrap app %s is missing from the order", name)
			}
		}
	}
	for _, app := range model.SortedKeys(b.PostSync) {
		a, ok := boot[app]
		if !ok {
			c.Errorf("bootstrap.postsync."+app, "name a bootstrap app", "%s is not a bootstrap app: nothing runs after its chart at bootstrap", app)
			continue
		}
		for i, dir := range b.PostSync[app] {
			c.postsync(fmt.Sprintf("bootstrap.postsync.%s.%d", app, i), a, dir)
		}
	}
	for i, name := range b.CRDs {
		if n := len(releasesNamed(c.d, name)); n != 1 {
			c.Errorf(fmt.Sprintf("bootstrap.crds.%d", i), "name a release whose chart holds the CRDs (kube-prometheus-stack, ...)", "%q names %d releases; it must name one", name, n)
		}
	}
}

// postsync checks one Kustomization applied right after its app's chart.
func (c *checker) postsync(path string, a model.App, dir string) {
	i := slices.IndexFunc(a.Kustomizations, func(k model.Kustomization) bool { return k.Dir == dir })
	if i < 0 {
		var dirs []string
		for _, k := range a.Kustomizations {
			dirs = append(dirs, k.Dir)
		}
		c.Errorf(path, "name one of "+strings.Join(dirs, ", "), "app %s has no Kustomization over %s/", a.Name, dir)
		return
	}
	k := a.Kustomizations[i]
	if len(k.Releases)+len(k.Secrets)+len(k.ExternalSecrets)+len(k.ConfigMaps)+len(k.Components) > 0 {
		c.Errorf(path, "keep only manifests and secret stores there; bootstrap Secrets go to bootstrap.secrets",
			"Kustomization %s holds releases, Secrets, ConfigMaps or Components, which the bootstrap cannot apply with kubectl", k.Name)
	}
	if len(k.Manifests)+len(k.SecretStores) == 0 {
		c.Errorf(path, "name a Kustomization with manifests or secret stores", "Kustomization %s applies nothing kubectl could apply", k.Name)
	}
}

func releasesNamed(d *model.Description, name string) []model.Release {
	var out []model.Release
	for _, a := range d.Apps {
		for _, r := range a.Releases() {
			if r.Name == name {
				out = append(out, r)
			}
		}
	}
	return out
}

// fluxInstance warns about FluxInstance settings `flux bootstrap` has no
// flag for: with install "bootstrap" they would do nothing.
func (c *checker) fluxInstance() {
	f := c.d.Cluster.Flux
	if f.Install == "operator" {
		return
	}
	in := f.Instance
	p := "cluster.flux.instance"
	if len(in.Kustomize.Patches) > 0 && string(in.Kustomize.Patches) != "[]" {
		c.Warnf(p+".kustomize.patches", `set cluster.flux.install: "operator", or add the patches to flux-system/kustomization.yaml, which flux bootstrap writes`,
			"kustomize.patches apply only to a FluxInstance; `flux bootstrap` ignores them")
	}
	if in.Cluster.Multitenant {
		c.Warnf(p+".cluster.multitenant", `set cluster.flux.install: "operator", or patch flux-system/kustomization.yaml as Flux's multi-tenancy guide says`,
			"multitenant applies only to a FluxInstance; `flux bootstrap` has no flag for it")
	}
}
