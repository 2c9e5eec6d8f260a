package model

import (
	"bytes"
	"encoding/json"
)

// MergePolicy merges policy fragments (JSON objects) in order, each over
// the ones before, like a JSON merge patch (RFC 7386): objects merge key by
// key, anything else replaces, null removes. What is left null at the end
// is dropped. Numbers keep their spelling.
func MergePolicy(layers ...json.RawMessage) json.RawMessage {
	var out any = map[string]any{}
	for _, l := range layers {
		if len(bytes.TrimSpace(l)) == 0 {
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(l))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			continue // the schema made it an object
		}
		out = mergePatch(out, v)
	}
	out = dropNulls(out)
	if m, ok := out.(map[string]any); ok && len(m) == 0 {
		return nil
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil
	}
	return b
}

func mergePatch(target, patch any) any {
	p, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	t, ok := target.(map[string]any)
	if !ok {
		t = map[string]any{}
	}
	out := make(map[string]any, len(t)+len(p))
	for k, v := range t {
		out[k] = v
	}
	for k, v := range p {
		if v == nil {
			out[k] = nil // kept until the end, so a later layer can set it again
			continue
		}
		out[k] = mergePatch(out[k], v)
	}
	return out
}

// dropNulls removes what is null, and objects whose every field was
// null: `remediation: retries: null` over a default of only retries
// removes the remediation block. An object written empty stays.
func dropNulls(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if e == nil {
				delete(x, k)
				continue
			}
			m, isMap := e.(map[string]any)
			wasEmpty := isMap && len(m) == 0
			x[k] = dropNulls(e)
			if isMap && !wasEmpty && len(m) == 0 {
				delete(x, k)
			}
		}
	case []any:
		for i, e := range x {
			x[i] = dropNulls(e)
		}
	}
	return v
}
