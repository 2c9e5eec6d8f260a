package check

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/hogen-dev/hogen/compiler/load"
	"github.com/hogen-dev/hogen/compiler/model"
)

// esGroup is External Secrets' API group: a release whose chart provides
// it is what "the app providing External Secrets" means.
const esGroup = "external-secrets.io"

// externalSecrets checks the secret stores and the ExternalSecrets that
// read them: each store defined once, with one provider and a backing
// service that is an app; each ExternalSecret naming a store that exists
// (a SecretStore only from its own namespace), with something to read;
// and the Kustomization of each depending, directly or through the graph,
// on the app that provides External Secrets, on the store's Kustomization
// and on its backing service, so a fresh cluster comes up in order.
func (c *checker) externalSecrets() {
	stores := c.storesOnce()
	deps, _ := kustomizationGraph(c.d.Apps)
	providers := esProviders(c.d)
	for _, a := range c.d.Apps {
		for _, k := range a.Kustomizations {
			c.esBesideOperator(a, k)
			for _, s := range k.SecretStores {
				c.store(s)
			}
			for _, es := range k.ExternalSecrets {
				st, ok := stores[es.Store]
				if !ok {
					c.Errorf(es.Path+".store", storeFix(stores, es.Store), "ExternalSecret %s reads from store %q, which no app defines", es.Name, es.Store)
					continue
				}
				if st.Store.Kind == model.SecretStoreKind && st.Store.Namespace != k.ObjectNamespace(&a) {
					c.Errorf(es.Path+".store", "use a ClusterSecretStore, or define a SecretStore in this namespace",
						"store %s is a SecretStore of namespace %s; ExternalSecret %s is in %s", es.Store, st.Store.Namespace, es.Name, k.ObjectNamespace(&a))
				}
				if !readsSomething(es) {
					c.Errorf(es.Path, "map keys to remote values (data: KEY: {key: ITEM, property: FIELD}) or take whole items (dataFrom: [{extract: key: ITEM}])", "ExternalSecret %s reads nothing", es.Name)
				}
				c.esDependencies(a, k, es, st, deps, providers)
			}
		}
	}
}

// storesOnce reports a store name defined twice, and returns the stores.
func (c *checker) storesOnce() map[string]model.StoreAt {
	stores := c.d.SecretStores()
	for _, a := range c.d.Apps {
		for _, k := range a.Kustomizations {
			for _, s := range k.SecretStores {
				if first := stores[s.Name]; first.Store.Path != s.Path {
					c.Errorf(s.Path, "give one of them another name", "store %s is also defined at %s (%s)", s.Name, first.Store.Path, c.Pos.Of(first.Store.Path))
				}
			}
		}
	}
	return stores
}

// store checks one store's provider and backing service.
func (c *checker) store(s model.SecretStore) {
	switch len(s.Providers) {
	case 0:
		c.Errorf(s.Path+".provider", "name one provider: onepassword (1Password Connect), onepasswordSDK, or another as External Secrets names it", "store %s has no provider", s.Name)
	case 1:
	default:
		c.Errorf(s.Path+".provider", "keep one provider, and define a store per provider", "store %s has %d providers (%s); a store has one", s.Name, len(s.Providers), strings.Join(s.Providers, ", "))
	}
	if s.Service != "" && !slices.ContainsFunc(c.d.Apps, func(a model.App) bool { return a.Name == s.Service }) {
		c.Errorf(s.Path+".service", appFix(c.d, s.Service), "store %s's service %q is not an app", s.Name, s.Service)
	}
}

// esBesideOperator reports stores or ExternalSecrets in the Kustomization
// whose release installs External Secrets' CRDs: as any custom resource
// there, they deadlock a fresh cluster.
func (c *checker) esBesideOperator(a model.App, k model.Kustomization) {
	if a.Bootstrap || len(k.SecretStores)+len(k.ExternalSecrets) == 0 || !slices.ContainsFunc(k.Releases, providesES) {
		return
	}
	var path string
	if len(k.SecretStores) > 0 {
		path = k.SecretStores[0].Path
	} else {
		path = k.ExternalSecrets[0].Path
	}
	c.Errorf(path, fmt.Sprintf("move them to a Kustomization that depends on %s: apps.%s.kustomizations.store: {dependsOn: [%q], ...}", k.Name, a.Name, k.Name),
		"Kustomization %s installs External Secrets' CRDs and holds its objects too: on a fresh cluster Flux's dry-run fails with \"no matches for kind\"", k.Name)
}

// esDependencies checks that k waits for what es needs.
func (c *checker) esDependencies(a model.App, k model.Kustomization, es model.ExternalSecret, st model.StoreAt, deps map[string][]string, providers []esProvider) {
	r := storeReader{path: es.Path, who: "ExternalSecret " + es.Name, what: kustomizationWhat(a, k), kustomization: k.Name, app: a.Name}
	c.storeDependencies(r, es.Store, st, reachable(deps, k.Name), providers)
}

// storeReader is what reads from a store, for the messages: who (the
// object) in what (its Kustomization), and what it need not wait for (its
// own Kustomization and app).
type storeReader struct {
	path, who, what, kustomization, app string
}

// storeDependencies checks that a reader of store st reaches (reach: the
// Kustomizations it waits for) the app that provides External Secrets,
// the store's Kustomization and its backing service.
func (c *checker) storeDependencies(r storeReader, store string, st model.StoreAt, reach map[string]bool, providers []esProvider) {
	reachesApp := func(app model.App) bool {
		return slices.ContainsFunc(app.Kustomizations, func(x model.Kustomization) bool { return reach[x.Name] })
	}
	switch {
	case len(providers) == 0:
		c.Errorf(r.path, "add the external-secrets chart as an app (or list external-secrets.io in a release's provides)", "%s needs External Secrets, which no app installs", r.who)
	case !slices.ContainsFunc(providers, func(p esProvider) bool { return p.bootstrap || reach[p.kustomization] }):
		c.Errorf(r.path, fmt.Sprintf("add %q to dependsOn", providers[0].kustomization),
			"%s reads Secrets from store %s but does not depend on %s, the app that provides External Secrets, directly or through its dependencies", r.what, store, providers[0].kustomization)
	}
	if st.Kustomization != r.kustomization && !reach[st.Kustomization] {
		c.Errorf(r.path, fmt.Sprintf("add %q to dependsOn", st.Kustomization),
			"%s reads Secrets from store %s but does not depend on %s, which defines the store, directly or through its dependencies", r.what, store, st.Kustomization)
	}
	if svc := st.Store.Service; svc != "" && svc != r.app {
		i := slices.IndexFunc(c.d.Apps, func(x model.App) bool { return x.Name == svc })
		if i >= 0 && !reachesApp(c.d.Apps[i]) {
			c.Errorf(r.path, fmt.Sprintf("add %q to dependsOn", svc),
				"%s reads Secrets from store %s but does not depend on %s, the store's backing service, directly or through its dependencies", r.what, store, svc)
		}
	}
}

// esProvider is a Kustomization with a release that provides External
// Secrets; bootstrap when the helmfile installs it before Flux.
type esProvider struct {
	kustomization string
	bootstrap     bool
}

// esProviders are the Kustomizations installing External Secrets.
func esProviders(d *model.Description) []esProvider {
	var out []esProvider
	for _, a := range d.Apps {
		for _, k := range a.Kustomizations {
			if slices.ContainsFunc(k.Releases, providesES) {
				out = append(out, esProvider{k.Name, a.Bootstrap})
			}
		}
	}
	return out
}

// readsSomething tells whether es takes keys (data) or items (dataFrom).
func readsSomething(es model.ExternalSecret) bool {
	var spec map[string]json.RawMessage
	_ = json.Unmarshal(es.Spec, &spec) // the model made it an object
	return spec["data"] != nil || spec["dataFrom"] != nil
}

func providesES(r model.Release) bool { return slices.Contains(Provides(r), esGroup) }

// reachable is every Kustomization from reaches through dependsOn, not
// itself unless through a cycle.
func reachable(deps map[string][]string, from string) map[string]bool {
	seen := map[string]bool{}
	stack := slices.Clone(deps[from])
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[n] {
			continue
		}
		seen[n] = true
		stack = append(stack, deps[n]...)
	}
	return seen
}

func storeFix(stores map[string]model.StoreAt, name string) string {
	if best := load.Closest(name, model.SortedKeys(stores)); best != "" {
		return fmt.Sprintf("did you mean %q?", best)
	}
	if len(stores) == 0 {
		return "define the store under secretStores of the app that applies it (apps.<app>.secretStores.<name>: {provider: ...})"
	}
	return "name one of the stores: " + strings.Join(model.SortedKeys(stores), ", ")
}
