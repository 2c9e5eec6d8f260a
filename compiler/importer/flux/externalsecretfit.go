package flux

import (
	"fmt"
	"slices"
)

// externalSecretFit is m as a typed ExternalSecret, or the field that
// keeps it a manifest. The typed form names its store once (hogen writes
// secretStoreRef from the store's kind) and maps data by secretKey, which
// hogen writes in key order.
func (im *imp) externalSecretFit(a *app, k *kustomization, m *manifest, stores map[string]storeAt, providers map[string]bool) (*externalSecret, *misfit) {
	obj := objectValue(m)
	if obj == nil || obj["apiVersion"] != esAPIVersion {
		return nil, &misfit{"apiVersion", "hogen writes " + esAPIVersion}
	}
	name, mf := metadataFit(a, k, obj, true)
	if mf != nil {
		return nil, mf
	}
	spec := asObject(obj["spec"])
	if mf := allowedKeys(spec, "spec.", "secretStoreRef", "refreshInterval", "target", "data", "dataFrom"); mf != nil {
		return nil, mf
	}
	st, mf := im.storeRefFit(k, asObject(spec["secretStoreRef"]), stores, providers)
	if mf != nil {
		return nil, mf
	}
	out := map[string]any{"store": st.s.name}
	if v, has := spec["refreshInterval"]; has {
		if s, ok := v.(string); !ok || s != "0" && !durationPattern.MatchString(s) {
			return nil, &misfit{"spec.refreshInterval", "hogen takes a duration (1h, 5m) or \"0\""}
		}
		out["refreshInterval"] = v
	}
	target := asObject(spec["target"])
	if mf := targetFit(target); mf != nil {
		return nil, mf
	}
	out["target"] = target
	data, mf := dataFit(spec["data"])
	if mf != nil {
		return nil, mf
	}
	if len(data) > 0 {
		out["data"] = data
	}
	from, _ := spec["dataFrom"].([]any)
	if mf := dataFromFit(spec["dataFrom"]); mf != nil {
		return nil, mf
	}
	if len(from) > 0 {
		out["dataFrom"] = from
	}
	if len(data)+len(from) == 0 {
		return nil, &misfit{"spec.data", "it reads nothing, which hogen refuses"}
	}
	return &externalSecret{name: name, spec: out, m: m}, nil
}

// storeRefFit finds the typed store ref names, and checks that k waits
// for it and for External Secrets, as hogen requires.
func (im *imp) storeRefFit(k *kustomization, ref map[string]any, stores map[string]storeAt, providers map[string]bool) (storeAt, *misfit) {
	const at = "spec.secretStoreRef."
	if mf := allowedKeys(ref, at, "kind", "name"); mf != nil {
		return storeAt{}, mf
	}
	name, _ := ref["name"].(string)
	st, ok := stores[name]
	if !ok {
		return storeAt{}, &misfit{at + "name", fmt.Sprintf("store %q is not one the import types", name)}
	}
	if ref["kind"] != st.s.kind {
		// The CRD's default kind is SecretStore; hogen always writes it.
		return storeAt{}, &misfit{at + "kind", fmt.Sprintf("hogen writes %s, the kind of store %s", st.s.kind, name)}
	}
	if st.s.kind == storeKind && st.k.objectNamespace(im.d.layout) != k.objectNamespace(im.d.layout) {
		return storeAt{}, &misfit{at + "name", fmt.Sprintf("store %s is a SecretStore of another namespace", name)}
	}
	reach := im.reaches(k)
	if st.k != k && !reach[st.k.name] {
		return storeAt{}, &misfit{at + "name", fmt.Sprintf("its Kustomization does not depend on %s, which defines store %s, as hogen requires", st.k.name, name)}
	}
	for p, bootstrap := range providers {
		if bootstrap || reach[p] {
			return st, nil
		}
	}
	return storeAt{}, &misfit{at + "name", "its Kustomization does not depend on the one installing External Secrets, as hogen requires"}
}

// targetFit checks spec.target against #ExternalSecret's: a name (hogen
// writes one, the ExternalSecret's, where the object has none).
func targetFit(target map[string]any) *misfit {
	const at = "spec.target."
	tmpl := asObject(target["template"])
	meta := asObject(tmpl["metadata"])
	return firstMisfit(
		func() *misfit {
			return allowedKeys(target, at, "name", "creationPolicy", "deletionPolicy", "immutable", "template")
		},
		func() *misfit {
			if n, _ := target["name"].(string); !namePattern.MatchString(n) {
				return &misfit{at + "name", "hogen writes the Secret's name, the ExternalSecret's where none is given"}
			}
			return nil
		},
		func() *misfit { return oneOf(target, at, "creationPolicy", "Owner", "Orphan", "Merge", "None") },
		func() *misfit { return oneOf(target, at, "deletionPolicy", "Delete", "Merge", "Retain") },
		func() *misfit {
			if v, has := target["immutable"]; has && v != true && v != false {
				return &misfit{at + "immutable", "hogen takes true or false"}
			}
			return allowedKeys(tmpl, at+"template.", "type", "engineVersion", "mergePolicy", "metadata", "data", "templateFrom")
		},
		func() *misfit { return oneOf(tmpl, at+"template.", "engineVersion", "v2") },
		func() *misfit { return oneOf(tmpl, at+"template.", "mergePolicy", "Replace", "Merge") },
		func() *misfit {
			return allowedKeys(meta, at+"template.metadata.", "labels", "annotations", "finalizers")
		},
		func() *misfit {
			for _, key := range []string{"labels", "annotations", "data"} {
				src := meta
				if key == "data" {
					src = tmpl
				}
				for k, v := range asObject(src[key]) {
					if _, ok := v.(string); !ok || key == "data" && !configKey.MatchString(k) {
						return &misfit{at + "template." + key + "." + k, "hogen takes a string under a Secret key"}
					}
				}
			}
			return nil
		},
	)
}

// dataFit is spec.data as hogen writes it, a map by secretKey: the list
// must be in key order, each key once.
func dataFit(v any) (map[string]any, *misfit) {
	list, ok := v.([]any)
	if v != nil && !ok {
		return nil, &misfit{"spec.data", "hogen takes a list"}
	}
	out := map[string]any{}
	prev := ""
	for i, item := range list {
		at := fmt.Sprintf("spec.data.%d", i)
		e := asObject(item)
		key, _ := e["secretKey"].(string)
		switch {
		case allowedKeys(e, at+".", "secretKey", "remoteRef") != nil:
			return nil, allowedKeys(e, at+".", "secretKey", "remoteRef")
		case !configKey.MatchString(key):
			return nil, &misfit{at + ".secretKey", "hogen takes a Secret key"}
		case i > 0 && key <= prev:
			return nil, &misfit{at + ".secretKey", "hogen writes data in secretKey order, each key once"}
		}
		if mf := remoteRefFit(asObject(e["remoteRef"]), at+".remoteRef"); mf != nil {
			return nil, mf
		}
		out[key], prev = e["remoteRef"], key
	}
	return out, nil
}

// dataFromFit checks spec.dataFrom's entries.
func dataFromFit(v any) *misfit {
	list, ok := v.([]any)
	if v != nil && !ok {
		return &misfit{"spec.dataFrom", "hogen takes a list"}
	}
	for i, item := range list {
		at := fmt.Sprintf("spec.dataFrom.%d", i)
		e, ok := item.(map[string]any)
		if !ok {
			return &misfit{at, "hogen takes an object"}
		}
		if mf := allowedKeys(e, at+".", "extract", "find", "rewrite", "sourceRef"); mf != nil {
			return mf
		}
		if x, has := e["extract"]; has {
			if mf := remoteRefFit(asObject(x), at+".extract"); mf != nil {
				return mf
			}
		}
		for _, key := range []string{"find", "sourceRef"} {
			if x, has := e[key]; has && asObject(x) == nil {
				return &misfit{at + "." + key, "hogen takes an object"}
			}
		}
		if x, has := e["rewrite"]; has && (!isList(x) || slices.ContainsFunc(x.([]any), func(r any) bool { return asObject(r) == nil })) {
			return &misfit{at + ".rewrite", "hogen takes a list of objects"}
		}
	}
	return nil
}

// remoteRefFit checks a #RemoteRef.
func remoteRefFit(ref map[string]any, at string) *misfit {
	if _, ok := ref["key"].(string); !ok {
		return &misfit{at + ".key", "hogen takes the remote item's key"}
	}
	return firstMisfit(
		func() *misfit {
			return allowedKeys(ref, at+".", "key", "property", "version", "conversionStrategy", "decodingStrategy", "metadataPolicy")
		},
		func() *misfit {
			for _, key := range []string{"property", "version"} {
				if v, has := ref[key]; has {
					if _, ok := v.(string); !ok {
						return &misfit{at + "." + key, "hogen takes a string"}
					}
				}
			}
			return nil
		},
		func() *misfit { return oneOf(ref, at+".", "conversionStrategy", "Default", "Unicode") },
		func() *misfit { return oneOf(ref, at+".", "decodingStrategy", "Auto", "Base64", "Base64URL", "None") },
		func() *misfit { return oneOf(ref, at+".", "metadataPolicy", "None", "Fetch") },
	)
}
