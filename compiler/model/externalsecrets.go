package model

import "encoding/json"

// The two kinds of External Secrets store.
const (
	ClusterSecretStoreKind = "ClusterSecretStore"
	SecretStoreKind        = "SecretStore"
)

// SecretStore is an External Secrets store a Kustomization applies. Spec
// is the store object's spec as the CRD has it (provider, refreshInterval,
// conditions, ...), token namespaces filled in.
type SecretStore struct {
	Name string `json:"name"`
	Kind string `json:"kind"`
	// Namespace is where a SecretStore lives (its Kustomization's object
	// namespace); empty for a ClusterSecretStore.
	Namespace string          `json:"namespace,omitempty"`
	Spec      json.RawMessage `json:"spec"`
	// Service is the app that runs the store's backing service; empty
	// when the store needs none in the cluster.
	Service string `json:"service,omitempty"`
	// Providers are the keys of spec.provider, sorted: one, if the store
	// is well formed.
	Providers []string `json:"-"`
	Path      string   `json:"-"`
}

// ExternalSecret asks External Secrets for one Kubernetes Secret. Spec is
// the object's spec without secretStoreRef, which Store names; Target the
// Secret's name; Keys the Secret's keys the description knows of (data
// and template data), sorted.
type ExternalSecret struct {
	Name   string          `json:"name"`
	Store  string          `json:"store"`
	Target string          `json:"target"`
	Keys   []string        `json:"keys,omitempty"`
	Spec   json.RawMessage `json:"spec"`
	Path   string          `json:"-"`
}

// SecretStoreSpec is a store as the description writes it (#SecretStore).
type SecretStoreSpec struct {
	Kind          string                     `json:"kind"`
	Provider      map[string]json.RawMessage `json:"provider"`
	Service       string                     `json:"service,omitempty"`
	Refresh       *int                       `json:"refreshInterval,omitempty"`
	Conditions    json.RawMessage            `json:"conditions,omitempty"`
	RetrySettings json.RawMessage            `json:"retrySettings,omitempty"`
}

// ExternalSecretSpec is an ExternalSecret as the description writes it.
type ExternalSecretSpec struct {
	Store           string                     `json:"store"`
	RefreshInterval string                     `json:"refreshInterval,omitempty"`
	Target          map[string]json.RawMessage `json:"target,omitempty"`
	Data            map[string]json.RawMessage `json:"data,omitempty"`
	DataFrom        []json.RawMessage          `json:"dataFrom,omitempty"`
}

// newSecretStores builds a Kustomization's stores; ns is its object
// namespace, the default of a ClusterSecretStore's token namespaces.
func newSecretStores(prefix, ns string, specs map[string]SecretStoreSpec) []SecretStore {
	var out []SecretStore
	for _, name := range SortedKeys(specs) {
		s := specs[name]
		st := SecretStore{Name: name, Kind: s.Kind, Service: s.Service, Providers: SortedKeys(s.Provider), Path: prefix + ".secretStores." + name}
		if st.Kind == "" {
			st.Kind = ClusterSecretStoreKind
		}
		if st.Kind == SecretStoreKind {
			st.Namespace = ns
		}
		provider := map[string]json.RawMessage{}
		for k, v := range s.Provider {
			if st.Kind == ClusterSecretStoreKind {
				v = withRefNamespaces(v, ns)
			}
			provider[k] = v
		}
		spec := map[string]any{"provider": provider}
		if s.Refresh != nil {
			spec["refreshInterval"] = *s.Refresh
		}
		if len(s.Conditions) > 0 {
			spec["conditions"] = s.Conditions
		}
		if len(s.RetrySettings) > 0 {
			spec["retrySettings"] = s.RetrySettings
		}
		st.Spec, _ = json.Marshal(spec) // built from JSON values: always marshals
		out = append(out, st)
	}
	return out
}

// withRefNamespaces gives every Secret reference in a provider's auth
// (an object with name and key) a namespace, ns, where it has none: a
// ClusterSecretStore serves every namespace, so External Secrets needs to
// be told where its token is.
func withRefNamespaces(provider json.RawMessage, ns string) json.RawMessage {
	var v any
	if json.Unmarshal(provider, &v) != nil {
		return provider
	}
	var walk func(any)
	walk = func(x any) {
		switch x := x.(type) {
		case map[string]any:
			_, name := x["name"].(string)
			_, key := x["key"].(string)
			if _, has := x["namespace"]; name && key && !has {
				x["namespace"] = ns
			}
			for _, c := range x {
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	if auth, ok := v.(map[string]any)["auth"]; ok {
		walk(auth)
	}
	out, err := json.Marshal(v)
	if err != nil {
		return provider
	}
	return out
}

// newExternalSecrets builds a Kustomization's ExternalSecrets.
func newExternalSecrets(prefix string, specs map[string]ExternalSecretSpec) []ExternalSecret {
	var out []ExternalSecret
	for _, name := range SortedKeys(specs) {
		s := specs[name]
		es := ExternalSecret{Name: name, Store: s.Store, Target: name, Path: prefix + ".externalSecrets." + name}
		target := map[string]json.RawMessage{}
		for k, v := range s.Target {
			target[k] = v
		}
		if raw, ok := target["name"]; ok {
			_ = json.Unmarshal(raw, &es.Target)
		}
		target["name"], _ = json.Marshal(es.Target)
		keys := map[string]bool{}
		var data []map[string]json.RawMessage
		for _, k := range SortedKeys(s.Data) {
			keys[k] = true
			sk, _ := json.Marshal(k)
			data = append(data, map[string]json.RawMessage{"secretKey": sk, "remoteRef": s.Data[k]})
		}
		var tmpl struct {
			Data map[string]string `json:"data"`
		}
		if raw, ok := target["template"]; ok && json.Unmarshal(raw, &tmpl) == nil {
			for k := range tmpl.Data {
				keys[k] = true
			}
		}
		es.Keys = SortedKeys(keys)
		spec := map[string]any{"target": target}
		if s.RefreshInterval != "" {
			spec["refreshInterval"] = s.RefreshInterval
		}
		if len(data) > 0 {
			spec["data"] = data
		}
		if len(s.DataFrom) > 0 {
			spec["dataFrom"] = s.DataFrom
		}
		es.Spec, _ = json.Marshal(spec)
		out = append(out, es)
	}
	return out
}

// StoreAt is a store and where it is defined.
type StoreAt struct {
	Store         SecretStore
	App           string
	Kustomization string
}

// SecretStores returns every store of the description, by name; a name
// defined twice keeps its first definition (the check reports the other).
func (d *Description) SecretStores() map[string]StoreAt {
	out := map[string]StoreAt{}
	for _, a := range d.Apps {
		for _, k := range a.Kustomizations {
			for _, s := range k.SecretStores {
				if _, dup := out[s.Name]; !dup {
					out[s.Name] = StoreAt{Store: s, App: a.Name, Kustomization: k.Name}
				}
			}
		}
	}
	return out
}
