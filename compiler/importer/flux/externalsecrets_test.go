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
