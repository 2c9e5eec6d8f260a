package flux

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/hogen-dev/hogen/compiler"
	"github.com/hogen-dev/hogen/compiler/importer"
)

// typedExternalSecrets checks that the description imported from src
// into dir types every store of the tree Flux applies, and that every
// ExternalSecret of it is typed or warned about as kept a manifest, with
// the field that does not fit; none is both.
func typedExternalSecrets(t *testing.T, src, dir string) {
	t.Helper()
	d, _, err := compiler.Load(t.Context(), compiler.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	typed := map[string]bool{}
	for _, a := range d.Apps {
		for _, k := range a.Kustomizations {
			for _, s := range k.SecretStores {
				typed[s.Kind+"/"+s.Name] = true
			}
			for _, es := range k.ExternalSecrets {
				typed["ExternalSecret/"+es.Name] = true
			}
		}
	}
	r, err := Import(Input{Dir: "home-ops", FS: os.DirFS(src)}, importer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// kept: the field a warning names, "component" for a Component's.
	kept := map[string]string{}
	for _, w := range r.Warnings {
		var kind, name string
		if n, _ := fmt.Sscanf(w.Msg, "%s %s is kept as a manifest:", &kind, &name); n == 2 && strings.Contains(w.Msg, " is kept as a manifest: ") {
			kept[kind+"/"+name] = w.Field
			if strings.HasPrefix(w.At, "components.") {
				kept[kind+"/"+name] = "component"
			}
		}
	}
	counts := map[string]int{}
	for _, o := range fluxApply(t, os.DirFS(src)) {
		kind, _ := o.obj["kind"].(string)
		name, _ := at(o.obj, "metadata", "name").(string)
		if av, _ := o.obj["apiVersion"].(string); av != esAPIVersion || kind != externalSecretKnd && kind != clusterStoreKind && kind != storeKind {
			continue
		}
		id := kind + "/" + name
		field, warned := kept[id]
		switch {
		case typed[id] && warned:
			t.Errorf("%s is typed and warned about as kept a manifest", id)
		case typed[id]:
			counts["typed "+kind]++
		case kind != externalSecretKnd:
			t.Errorf("%s is not typed", id)
		case !warned:
			t.Errorf("%s is neither typed nor warned about", id)
		case warned && field == "":
			t.Errorf("%s is kept as a manifest; the warning names no field", id)
		default:
			counts["manifest "+kind]++
		}
	}
	if counts["typed "+clusterStoreKind] == 0 || counts["typed "+externalSecretKnd] == 0 {
		t.Errorf("nothing typed: %v", counts)
	}
	t.Logf("External Secrets objects: %v", counts)
}

// TestExternalSecretMisfits: each field hogen's typed forms cannot say as
// the object has it is the one the warning names; what fits names none.
func TestExternalSecretMisfits(t *testing.T) {
	obj := func(y string) map[string]any {
		var v any
		if err := yamlUnmarshal([]byte(y), &v); err != nil {
			t.Fatal(err)
		}
		m, _ := canon(v).(map[string]any)
		return m
	}
	for _, tc := range []struct {
		name, yaml, want string
		fit              func(map[string]any) *misfit
	}{
		{"store fits", "provider: {onepasswordSDK: {vault: v, auth: {serviceAccountSecretRef: {name: s, key: token, namespace: es}}}}", "", clusterStore},
		{"store without ref namespace", "provider: {onepasswordSDK: {vault: v, auth: {serviceAccountSecretRef: {name: s, key: token}}}}", "spec.provider.onepasswordSDK.auth.serviceAccountSecretRef.namespace", clusterStore},
		{"store with two providers", "provider: {vault: {}, aws: {}}", "spec.provider", clusterStore},
		{"store refresh as duration", "provider: {vault: {server: x}}\nrefreshInterval: 1h", "spec.refreshInterval", clusterStore},
		{"store field hogen lacks", "provider: {vault: {}}\ncontroller: x", "spec.controller", clusterStore},
		{"connect vault order 0", "provider: {onepassword: {connectHost: 'http://c', vaults: {k: 0}, auth: {secretRef: {connectTokenSecretRef: {name: s, key: k, namespace: n}}}}}", "spec.provider.onepassword.vaults", clusterStore},
		{"target fits", "name: s\ntemplate: {data: {A: '{{ .a }}'}}", "", targetFit},
		{"target without name", "template: {data: {A: x}}", "spec.target.name", targetFit},
		{"target policy", "name: s\ncreationPolicy: Sometimes", "spec.target.creationPolicy", targetFit},
		{"template engine v1", "name: s\ntemplate: {engineVersion: v1}", "spec.target.template.engineVersion", targetFit},
		{"data in key order", "data: [{secretKey: a, remoteRef: {key: x}}, {secretKey: b, remoteRef: {key: y}}]", "", data},
		{"data out of order", "data: [{secretKey: b, remoteRef: {key: x}}, {secretKey: a, remoteRef: {key: y}}]", "spec.data.1.secretKey", data},
		{"data key twice", "data: [{secretKey: a, remoteRef: {key: x}}, {secretKey: a, remoteRef: {key: y}}]", "spec.data.1.secretKey", data},
		{"remote ref without key", "data: [{secretKey: a, remoteRef: {property: p}}]", "spec.data.0.remoteRef.key", data},
		{"dataFrom fits", "dataFrom: [{extract: {key: x}}, {find: {tags: {a: b}}}]", "", dataFrom},
		{"dataFrom generator", "dataFrom: [{generatorRef: {name: g}}]", "spec.dataFrom.0.generatorRef", dataFrom},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ""
			if mf := tc.fit(obj(tc.yaml)); mf != nil {
				got = mf.field
			}
			if got != tc.want {
				t.Errorf("misfit field %q, want %q", got, tc.want)
			}
		})
	}
}

func clusterStore(spec map[string]any) *misfit { return storeSpecFit(spec, clusterStoreKind) }
func data(spec map[string]any) *misfit         { _, mf := dataFit(spec["data"]); return mf }
func dataFrom(spec map[string]any) *misfit     { return dataFromFit(spec["dataFrom"]) }
