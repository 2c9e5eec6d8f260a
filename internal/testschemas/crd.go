package testschemas

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"sigs.k8s.io/yaml"
)

// StrictSchemas turns a CustomResourceDefinition into kubeconform's strict
// JSON schemas, one per served version, named as kubeconform looks them up
// ({kind}-{first label of the group}-{version}.json, lower case): each
// version's openAPIV3Schema with `additionalProperties: false` wherever an
// object lists its properties and says nothing of others, top level
// included. This is how the Flux schemas in ../shared were made.
func StrictSchemas(crd []byte) (map[string][]byte, error) {
	var doc struct {
		Spec struct {
			Group string `json:"group"`
			Names struct {
				Kind string `json:"kind"`
			} `json:"names"`
			Versions []struct {
				Name   string `json:"name"`
				Served bool   `json:"served"`
				Schema struct {
					OpenAPIV3Schema map[string]any `json:"openAPIV3Schema"`
				} `json:"schema"`
			} `json:"versions"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(crd, &doc); err != nil {
		return nil, fmt.Errorf("reading CRD: %w", err)
	}
	group, _, _ := strings.Cut(doc.Spec.Group, ".")
	out := map[string][]byte{}
	for _, v := range doc.Spec.Versions {
		if !v.Served || v.Schema.OpenAPIV3Schema == nil {
			continue
		}
		strict(v.Schema.OpenAPIV3Schema)
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(v.Schema.OpenAPIV3Schema); err != nil {
			return nil, err
		}
		name := strings.ToLower(doc.Spec.Names.Kind + "-" + group + "-" + v.Name + ".json")
		// No final newline, as in the files in ../shared.
		out[name] = bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("CRD %s %s serves no version with a schema", doc.Spec.Group, doc.Spec.Names.Kind)
	}
	return out, nil
}

// strict closes every object schema that lists properties.
func strict(v any) {
	switch v := v.(type) {
	case map[string]any:
		if _, ok := v["properties"]; ok {
			if _, set := v["additionalProperties"]; !set {
				v["additionalProperties"] = false
			}
		}
		for _, sub := range v {
			strict(sub)
		}
	case []any:
		for _, sub := range v {
			strict(sub)
		}
	}
}
