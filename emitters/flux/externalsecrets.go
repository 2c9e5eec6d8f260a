package flux

import (
	"encoding/json"
	"fmt"
	"path"
	"strings"

	"github.com/hogen-dev/hogen/compiler/model"
)

// External Secrets' API: there is no Go module for it light enough to
// import, so its objects are plain, and checked against its CRDs' strict
// schemas in the tests.
const (
	esAPIVersion        = "external-secrets.io/v1"
	externalSecretKind  = "ExternalSecret"
	externalSecretsStem = "externalsecret"
)

// esObject is an External Secrets object: ExternalSecret, SecretStore or
// ClusterSecretStore.
type esObject struct {
	APIVersion string          `json:"apiVersion"`
	Kind       string          `json:"kind"`
	Metadata   esMeta          `json:"metadata"`
	Spec       json.RawMessage `json:"spec"`
}

type esMeta struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace,omitempty"`
}

// emitExternalSecrets writes a Kustomization's secret stores (one file per
// kind, as home-ops names them: clustersecretstore.yaml, secretstore.yaml)
// and its ExternalSecrets (externalsecret.yaml), each in name order, and
// returns their kustomization.yaml entries. ns is the namespace hogen
// writes into namespaced objects ("" when Flux sets it).
func emitExternalSecrets(t *tree, d *model.Description, k *model.Kustomization, dir, ns string) ([]string, error) {
	var files []string
	byKind := map[string][]any{}
	for _, s := range k.SecretStores {
		obj := esObject{APIVersion: esAPIVersion, Kind: s.Kind, Metadata: esMeta{Name: s.Name}, Spec: s.Spec}
		if s.Kind == model.SecretStoreKind {
			obj.Metadata.Namespace = ns
		}
		byKind[s.Kind] = append(byKind[s.Kind], obj)
	}
	for _, kind := range []string{model.ClusterSecretStoreKind, model.SecretStoreKind} {
		if objs := byKind[kind]; len(objs) > 0 {
			file := strings.ToLower(kind) + ".yaml"
			if err := t.add(path.Join(dir, file), objs...); err != nil {
				return nil, err
			}
			files = append(files, "./"+file)
		}
	}
	if len(k.ExternalSecrets) == 0 {
		return files, nil
	}
	stores := t.secretStores(d)
	objs := make([]any, 0, len(k.ExternalSecrets))
	for _, es := range k.ExternalSecrets {
		obj, err := externalSecret(es, stores, ns)
		if err != nil {
			return nil, err
		}
		objs = append(objs, obj)
	}
	if err := t.add(path.Join(dir, externalSecretsStem+".yaml"), objs...); err != nil {
		return nil, err
	}
	return append(files, "./"+externalSecretsStem+".yaml"), nil
}

// secretStores are d's stores, looked up once per tree: every
// Kustomization with ExternalSecrets needs them.
func (t *tree) secretStores(d *model.Description) map[string]model.StoreAt {
	if t.stores == nil {
		t.stores = d.SecretStores()
	}
	return t.stores
}

// externalSecret is es as an object, its store referred to by kind and
// name.
func externalSecret(es model.ExternalSecret, stores map[string]model.StoreAt, ns string) (esObject, error) {
	st, ok := stores[es.Store]
	if !ok {
		return esObject{}, fmt.Errorf("ExternalSecret %s: store %q is not defined: define it under secretStores of an app", es.Name, es.Store)
	}
	var spec map[string]json.RawMessage
	if err := json.Unmarshal(es.Spec, &spec); err != nil {
		return esObject{}, fmt.Errorf("ExternalSecret %s: %w", es.Name, err)
	}
	spec["secretStoreRef"], _ = json.Marshal(map[string]string{"kind": st.Store.Kind, "name": st.Store.Name})
	raw, err := json.Marshal(spec)
	if err != nil {
		return esObject{}, fmt.Errorf("ExternalSecret %s: %w", es.Name, err)
	}
	return esObject{APIVersion: esAPIVersion, Kind: externalSecretKind, Metadata: esMeta{Name: es.Name, Namespace: ns}, Spec: raw}, nil
}
