package flux

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// storeFit is m as a typed store, or the field that keeps it a manifest.
// The typed form is the object's spec, less the kind when it is hogen's
// default (ClusterSecretStore).
func (im *imp) storeFit(a *app, k *kustomization, m *manifest) (*secretStore, *misfit) {
	obj := objectValue(m)
	kind := m.obj.head.Kind
	if obj == nil || obj["apiVersion"] != esAPIVersion {
		return nil, &misfit{"apiVersion", "hogen writes " + esAPIVersion}
	}
	if installsES(k) && !a.bootstrap {
		return nil, &misfit{"", "its Kustomization installs External Secrets' CRDs too, which hogen refuses for a typed store"}
	}
	name, mf := metadataFit(a, k, obj, kind == storeKind)
	if mf != nil {
		return nil, mf
	}
	spec, _ := obj["spec"].(map[string]any)
	if mf := storeSpecFit(spec, kind); mf != nil {
		return nil, mf
	}
	out := map[string]any{}
	for key, v := range spec {
		out[key] = v
	}
	if kind == storeKind {
		out["kind"] = kind
	}
	return &secretStore{name: name, kind: kind, spec: out, m: m}, nil
}

// storeSpecFit checks a store's spec against #SecretStore.
func storeSpecFit(spec map[string]any, kind string) *misfit {
	provider, _ := spec["provider"].(map[string]any)
	retry, _ := spec["retrySettings"].(map[string]any)
	return firstMisfit(
		func() *misfit {
			return allowedKeys(spec, "spec.", "provider", "refreshInterval", "conditions", "retrySettings")
		},
		func() *misfit {
			if len(provider) != 1 {
				return &misfit{"spec.provider", "hogen's stores have one provider"}
			}
			return nil
		},
		func() *misfit {
			if v, has := spec["refreshInterval"]; has && !wholeNumber(v, 0) {
				return &misfit{"spec.refreshInterval", "hogen takes a whole number of seconds"}
			}
			if _, has := spec["conditions"]; has && !isList(spec["conditions"]) {
				return &misfit{"spec.conditions", "hogen takes a list"}
			}
			if _, has := spec["retrySettings"]; has && retry == nil {
				return &misfit{"spec.retrySettings", "hogen takes an object"}
			}
			return allowedKeys(retry, "spec.retrySettings.", "maxRetries", "retryInterval")
		},
		func() *misfit { return providerFit(provider) },
		func() *misfit {
			if kind == clusterStoreKind {
				return refsNamespaced(provider)
			}
			return nil
		},
	)
}

// providerFit checks the providers #SecretStore types (1Password's);
// any other is taken as the CRD has it.
func providerFit(provider map[string]any) *misfit {
	if p, ok := provider["onepassword"].(map[string]any); ok {
		const at = "spec.provider.onepassword."
		host, _ := p["connectHost"].(string)
		vaults, _ := p["vaults"].(map[string]any)
		ref, _ := at3(p, "auth", "secretRef", "connectTokenSecretRef").(map[string]any)
		switch {
		case allowedKeys(p, at, "connectHost", "vaults", "auth") != nil:
			return allowedKeys(p, at, "connectHost", "vaults", "auth")
		case !strings.HasPrefix(host, "http://") && !strings.HasPrefix(host, "https://"):
			return &misfit{at + "connectHost", "hogen takes an http(s) URL"}
		case len(vaults) == 0 || slices.ContainsFunc(values(vaults), func(v any) bool { return !wholeNumber(v, 1) }):
			return &misfit{at + "vaults", "hogen takes vault names with their order, 1 first"}
		case len(asObject(p["auth"])) != 1 || len(asObject(at3(p, "auth", "secretRef"))) != 1:
			return &misfit{at + "auth", "hogen takes auth.secretRef.connectTokenSecretRef alone"}
		}
		return secretRefFit(ref, at+"auth.secretRef.connectTokenSecretRef")
	}
	if p, ok := provider["onepasswordSDK"].(map[string]any); ok {
		const at = "spec.provider.onepasswordSDK."
		info, _ := p["integrationInfo"].(map[string]any)
		ref, _ := at3(p, "auth", "serviceAccountSecretRef").(map[string]any)
		if mf := firstMisfit(
			func() *misfit { return allowedKeys(p, at, "vault", "auth", "integrationInfo") },
			func() *misfit { return allowedKeys(info, at+"integrationInfo.", "name", "version") },
			func() *misfit { return allowedKeys(asObject(p["auth"]), at+"auth.", "serviceAccountSecretRef") },
		); mf != nil {
			return mf
		}
		if _, ok := p["vault"].(string); !ok {
			return &misfit{at + "vault", "hogen takes a vault name"}
		}
		return secretRefFit(ref, at+"auth.serviceAccountSecretRef")
	}
	for key, v := range provider {
		if _, ok := v.(map[string]any); !ok {
			return &misfit{"spec.provider." + key, "hogen takes an object"}
		}
	}
	return nil
}

// secretRefFit checks a #StoreSecretRef.
func secretRefFit(ref map[string]any, at string) *misfit {
	name, _ := ref["name"].(string)
	key, _ := ref["key"].(string)
	ns, hasNS := ref["namespace"].(string)
	switch {
	case ref == nil:
		return &misfit{at, "hogen takes a Secret's name and key"}
	case allowedKeys(ref, at+".", "name", "key", "namespace") != nil:
		return allowedKeys(ref, at+".", "name", "key", "namespace")
	case !namePattern.MatchString(name):
		return &misfit{at + ".name", "hogen takes a Secret's name"}
	case !configKey.MatchString(key):
		return &misfit{at + ".key", "hogen takes a Secret's key"}
	case hasNS && !namePattern.MatchString(ns), !hasNS && ref["namespace"] != nil:
		return &misfit{at + ".namespace", "hogen takes a namespace's name"}
	}
	return nil
}

// refsNamespaced finds a Secret reference (name and key) in a
// ClusterSecretStore's auth without a namespace: hogen writes it one (the
// Kustomization's), which the object did not have.
func refsNamespaced(provider map[string]any) *misfit {
	for pname, p := range provider {
		auth := asObject(p)["auth"]
		if path := unnamespacedRef(auth, "spec.provider."+pname+".auth"); path != "" {
			return &misfit{path + ".namespace", "hogen gives a ClusterSecretStore's Secret references the Kustomization's namespace"}
		}
	}
	return nil
}

func unnamespacedRef(v any, at string) string {
	switch v := v.(type) {
	case map[string]any:
		_, name := v["name"].(string)
		_, key := v["key"].(string)
		if _, has := v["namespace"]; name && key && !has {
			return at
		}
		for _, k := range slices.Sorted(maps.Keys(v)) {
			if p := unnamespacedRef(v[k], at+"."+k); p != "" {
				return p
			}
		}
	case []any:
		for i, c := range v {
			if p := unnamespacedRef(c, fmt.Sprintf("%s.%d", at, i)); p != "" {
				return p
			}
		}
	}
	return ""
}

// at3 is the value at a path of nested objects, or nil.
func at3(m map[string]any, path ...string) any {
	var v any = m
	for _, k := range path {
		o, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = o[k]
	}
	return v
}

// asObject is v as an object, or nil.
func asObject(v any) map[string]any { m, _ := v.(map[string]any); return m }

func isList(v any) bool { _, ok := v.([]any); return ok }

func values(m map[string]any) []any {
	var out []any
	for _, v := range m {
		out = append(out, v)
	}
	return out
}
