package flux

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/hogen-dev/hogen/compiler/importer"
)

// External Secrets' objects the import types, as hogen's emitter writes
// them (emitters/flux/externalsecrets.go): one file per kind.
const (
	esGroup           = "external-secrets.io"
	esAPIVersion      = esGroup + "/v1"
	esOperatorChart   = "external-secrets"
	clusterStoreKind  = "ClusterSecretStore"
	storeKind         = "SecretStore"
	externalSecretKnd = "ExternalSecret"
)

// secretStore is a store in hogen's form (#SecretStore), and the object
// it was.
type secretStore struct {
	name, kind string
	spec       map[string]any
	m          *manifest
}

// externalSecret is an ExternalSecret in hogen's form (#ExternalSecret).
type externalSecret struct {
	name string
	spec map[string]any
	m    *manifest
}

// misfit is the first field of an object hogen's typed form cannot say
// as it is, and why.
type misfit struct{ field, why string }

// storeAt is a typed store and the Kustomization applying it.
type storeAt struct {
	s *secretStore
	k *kustomization
}

// manifestKind is the one place that decides the form an object gets
// beyond a manifest: after every Kustomization is read and its dependsOn
// resolved, stores and then the ExternalSecrets reading them become
// hogen's typed forms where they fit exactly; the others stay manifests,
// warned about with the field that does not fit.
func (im *imp) manifestKind() {
	stores := map[string]storeAt{}
	for _, a := range im.d.apps {
		for _, k := range a.kustomizations {
			for _, kind := range []string{clusterStoreKind, storeKind} {
				im.typeStores(a, k, kind, stores)
			}
		}
	}
	providers := im.esProviders()
	for _, a := range im.d.apps {
		for _, k := range a.kustomizations {
			im.typeExternalSecrets(a, k, stores, providers)
		}
	}
}

// typeStores types k's stores of one kind, all or none: a store kept as
// a manifest would share the file hogen writes the typed ones to.
func (im *imp) typeStores(a *app, k *kustomization, kind string, stores map[string]storeAt) {
	var typed []*secretStore
	var bad []misfit
	var ms []*manifest
	for _, m := range k.manifests {
		if !m.obj.is(esGroup, kind) {
			continue
		}
		s, mf := im.storeFit(a, k, m)
		if mf == nil {
			if _, dup := stores[s.name]; dup {
				mf = &misfit{"metadata.name", "another Kustomization defines a store of that name"}
			}
		}
		bad = append(bad, orNone(mf))
		typed = append(typed, s)
		ms = append(ms, m)
	}
	if !im.allFit(k, kind, ms, bad) {
		return
	}
	for _, s := range typed {
		stores[s.name] = storeAt{s, k}
	}
	k.secretStores = append(k.secretStores, typed...)
}

// typeExternalSecrets types k's ExternalSecrets, all or none.
func (im *imp) typeExternalSecrets(a *app, k *kustomization, stores map[string]storeAt, providers map[string]bool) {
	var typed []*externalSecret
	var bad []misfit
	var ms []*manifest
	for _, m := range k.manifests {
		if !m.obj.is(esGroup, externalSecretKnd) {
			continue
		}
		es, mf := im.externalSecretFit(a, k, m, stores, providers)
		bad = append(bad, orNone(mf))
		typed = append(typed, es)
		ms = append(ms, m)
	}
	if im.allFit(k, externalSecretKnd, ms, bad) {
		k.externalSecrets = typed
	}
}

func orNone(mf *misfit) misfit {
	if mf == nil {
		return misfit{}
	}
	return *mf
}

// allFit tells whether every object of kind in k fits (bad[i].why empty)
// and no other manifest takes the file hogen writes them to; if so it
// takes ms out of k's manifests, else warns about each.
func (im *imp) allFit(k *kustomization, kind string, ms []*manifest, bad []misfit) bool {
	if len(ms) == 0 {
		return false
	}
	file := strings.ToLower(kind)
	first := slices.IndexFunc(bad, func(mf misfit) bool { return mf.why != "" })
	for _, m := range k.manifests {
		if first < 0 && m.stem == file && !slices.Contains(ms, m) {
			bad[0] = misfit{"", fmt.Sprintf("the manifest %s would share %s.yaml with it", m.stem, file)}
			first = 0
		}
	}
	if first < 0 {
		k.manifests = slices.DeleteFunc(k.manifests, func(m *manifest) bool { return slices.Contains(ms, m) })
		return true
	}
	for i, m := range ms {
		why := bad[i].why
		if why == "" {
			why = fmt.Sprintf("another %s of its Kustomization is, and hogen types them all or none (%s)", kind, bad[first].why)
		}
		line, col := m.obj.doc.Pos(m.obj.node)
		im.ws.Add(importer.Warning{File: m.obj.doc.File, Line: line, Col: col, Field: bad[i].field, At: k.at + ".manifests." + m.stem,
			Msg: fmt.Sprintf("%s %s is kept as a manifest: %s", kind, m.obj.head.Metadata.Name, why)})
	}
	return false
}

// componentExternalSecrets warns about a Component's External Secrets
// objects: hogen's typed forms belong to a Kustomization, so they stay
// manifests.
func (im *imp) componentExternalSecrets(at string, ms []*manifest) {
	for _, m := range ms {
		if kind := m.obj.head.Kind; m.obj.group() == esGroup && (kind == externalSecretKnd || kind == clusterStoreKind || kind == storeKind) {
			line, col := m.obj.doc.Pos(m.obj.node)
			im.ws.Add(importer.Warning{File: m.obj.doc.File, Line: line, Col: col, At: at + ".manifests." + m.stem,
				Msg: fmt.Sprintf("%s %s is kept as a manifest: hogen types External Secrets objects of a Kustomization, not of a Component", kind, m.obj.head.Metadata.Name)})
		}
	}
}

// esProviders are the Kustomizations whose release installs External
// Secrets, true for a bootstrap app's (installed before Flux).
func (im *imp) esProviders() map[string]bool {
	out := map[string]bool{}
	for _, a := range im.d.apps {
		for _, k := range a.kustomizations {
			if installsES(k) {
				out[k.name] = a.bootstrap
			}
		}
	}
	return out
}

func installsES(k *kustomization) bool {
	return slices.ContainsFunc(k.releases, func(r *release) bool { return r.chart.name == esOperatorChart })
}

// reaches is every Kustomization k waits for through dependsOn.
func (im *imp) reaches(k *kustomization) map[string]bool {
	byName := im.kustomizations()
	seen := map[string]bool{}
	stack := slices.Clone(k.deps)
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if !seen[n] {
			seen[n] = true
			if d := byName[n]; d != nil {
				stack = append(stack, d.deps...)
			}
		}
	}
	return seen
}

// objectValue is a manifest's object as JSON holds it.
func objectValue(m *manifest) map[string]any {
	if m.value != nil {
		v, _ := canon(m.value).(map[string]any)
		return v
	}
	v, err := decode(m.obj.node)
	if err != nil {
		return nil
	}
	obj, _ := v.(map[string]any)
	return obj
}

// metadataFit checks an object's metadata: a name hogen can take, and a
// namespace only where the typed form puts the same.
func metadataFit(a *app, k *kustomization, obj map[string]any, namespaced bool) (string, *misfit) {
	meta, _ := obj["metadata"].(map[string]any)
	if mf := allowedKeys(meta, "metadata.", "name", "namespace"); mf != nil {
		return "", mf
	}
	name, _ := meta["name"].(string)
	if !namePattern.MatchString(name) {
		return "", &misfit{"metadata.name", "hogen's names are DNS labels"}
	}
	ns, has := meta["namespace"]
	switch {
	case !namespaced && has:
		return "", &misfit{"metadata.namespace", "a cluster-scoped object has none, and hogen writes none"}
	case namespaced && k.targetNamespace == "" && (!has || ns != a.namespace):
		return "", &misfit{"metadata.namespace", fmt.Sprintf("without a targetNamespace hogen puts it in %s", a.namespace)}
	}
	return name, nil
}

var (
	namePattern     = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`)
	configKey       = regexp.MustCompile(`^[-._a-zA-Z0-9]+$`)
	durationPattern = regexp.MustCompile(`^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$`)
)

// allowedKeys reports the first key of m (in name order) not allowed.
func allowedKeys(m map[string]any, prefix string, allowed ...string) *misfit {
	for _, key := range slices.Sorted(maps.Keys(m)) {
		if !slices.Contains(allowed, key) {
			return &misfit{prefix + key, "hogen's typed form has no such field"}
		}
	}
	return nil
}

// wholeNumber tells whether v is a JSON integer >= min.
func wholeNumber(v any, min int64) bool {
	n, ok := v.(json.Number)
	if !ok {
		return false
	}
	i, err := n.Int64()
	return err == nil && i >= min
}

// oneOf checks that m[key], if set, is one of the strings allowed.
func oneOf(m map[string]any, prefix, key string, allowed ...string) *misfit {
	v, has := m[key]
	if s, ok := v.(string); has && (!ok || !slices.Contains(allowed, s)) {
		return &misfit{prefix + key, "hogen takes " + strings.Join(allowed, ", ")}
	}
	return nil
}

// firstMisfit is the first of checks to report a misfit, run in order.
func firstMisfit(checks ...func() *misfit) *misfit {
	for _, c := range checks {
		if mf := c(); mf != nil {
			return mf
		}
	}
	return nil
}

// externalSecrets writes k's typed stores and ExternalSecrets, by name.
func (w *writer) externalSecrets(s *importer.Struct, k *kustomization) {
	if len(k.secretStores) > 0 {
		var out importer.Struct
		for _, st := range sortedBy(k.secretStores, func(x *secretStore) string { return x.name }) {
			w.anchor(k.at+".secretStores."+st.name, out.Set(st.name, importer.Any(st.spec)))
		}
		w.anchor(k.at+".secretStores", s.Set("secretStores", out.Expr()))
	}
	if len(k.externalSecrets) > 0 {
		var out importer.Struct
		for _, es := range sortedBy(k.externalSecrets, func(x *externalSecret) string { return x.name }) {
			w.anchor(k.at+".externalSecrets."+es.name, out.Set(es.name, importer.Any(es.spec)))
		}
		w.anchor(k.at+".externalSecrets", s.Set("externalSecrets", out.Expr()))
	}
}

// sortedBy is a copy of xs in the order of key.
func sortedBy[T any](xs []T, key func(T) string) []T {
	out := slices.Clone(xs)
	slices.SortStableFunc(out, func(a, b T) int { return strings.Compare(key(a), key(b)) })
	return out
}
