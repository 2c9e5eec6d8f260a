// Package manifest encodes Kubernetes objects as canonical YAML: keys
// sorted, no status, no creationTimestamp, documents joined with "---".
package manifest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"

	"go.yaml.in/yaml/v2"
)

// Encode renders objects as one YAML stream. Typed API objects marshal
// `status: {}` and `creationTimestamp: null`; neither belongs in Git.
func Encode(objs ...any) ([]byte, error) {
	var buf bytes.Buffer
	for i, o := range objs {
		doc, err := encodeOne(o)
		if err != nil {
			return nil, err
		}
		if i > 0 {
			buf.WriteString("---\n")
		}
		buf.Write(doc)
	}
	return buf.Bytes(), nil
}

func encodeOne(o any) ([]byte, error) {
	raw, err := json.Marshal(o)
	if err != nil {
		return nil, fmt.Errorf("encoding %T: %w", o, err)
	}
	// UseNumber keeps 64-bit integers exact (float64 would round those
	// beyond 2^53): Helm values are the user's. Larger numbers, and the
	// spelling of floats (1.50, 1e3), do not survive sigs.k8s.io/yaml.
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("encoding %T: not an object: %w", o, err)
	}
	delete(m, "status")
	for k, v := range m {
		if sub, ok := v.(map[string]any); v == nil || ok && len(sub) == 0 {
			delete(m, k) // spec: {} or spec: null of an object that has none
		}
	}
	if meta, ok := m["metadata"].(map[string]any); ok {
		if meta["creationTimestamp"] == nil {
			delete(meta, "creationTimestamp")
		}
	}
	return yaml.Marshal(numbers(m))
}

// numbers gives each JSON number the Go type YAML's resolver would give
// it (int, then uint, then float), which is what sigs.k8s.io/yaml gets by
// parsing the JSON text again: the same output without that parse, which
// was much of what a build allocated.
func numbers(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = numbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = numbers(e)
		}
	case json.Number:
		s := string(x)
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return int(i)
		}
		if u, err := strconv.ParseUint(s, 10, 64); err == nil {
			return u
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return f
		}
		return s
	}
	return v
}
