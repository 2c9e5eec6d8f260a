package semdiff

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// diffObject compares two documents. In a Secret, the values under data and
// stringData are hidden; the rest (metadata, type) is shown.
func diffObject(o, n any, secret bool, h hider) []FieldChange {
	om, oIsMap := o.(map[string]any)
	nm, nIsMap := n.(map[string]any)
	if !secret || !oIsMap || !nIsMap {
		return diffValues("", o, n, false, h)
	}
	hidden := func(m map[string]any) (rest, data map[string]any) {
		rest, data = map[string]any{}, map[string]any{}
		for k, v := range m {
			if k == "data" || k == "stringData" {
				data[k] = v
			} else {
				rest[k] = v
			}
		}
		return rest, data
	}
	oRest, oData := hidden(om)
	nRest, nData := hidden(nm)
	out := append(diffMaps("", oRest, nRest, false, h), diffMaps("", oData, nData, true, h)...)
	slices.SortStableFunc(out, func(a, b FieldChange) int { return strings.Compare(a.Path, b.Path) })
	return out
}

// diffValues returns the field paths where o and n differ, in path order.
// hideData hides every value below path; h hides the values under the keys
// it names, wherever they are.
func diffValues(path string, o, n any, hideData bool, h hider) []FieldChange {
	om, oIsMap := o.(map[string]any)
	nm, nIsMap := n.(map[string]any)
	if oIsMap && nIsMap {
		return diffMaps(path, om, nm, hideData, h)
	}
	ol, oIsList := o.([]any)
	nl, nIsList := n.([]any)
	if oIsList && nIsList {
		return diffLists(path, ol, nl, hideData, h)
	}
	if equal(o, n) {
		return nil
	}
	return []FieldChange{field(path, Changed, o, n, hideData, h)}
}

func diffMaps(path string, o, n map[string]any, hideData bool, h hider) []FieldChange {
	keys := unionKeys(o, n)
	var out []FieldChange
	for _, k := range keys {
		p := join(path, k)
		hide := hideData || h.hides(k)
		ov, inOld := o[k]
		nv, inNew := n[k]
		switch {
		case !inOld:
			out = append(out, field(p, Added, nil, nv, hide, h))
		case !inNew:
			out = append(out, field(p, Removed, ov, nil, hide, h))
		default:
			out = append(out, diffValues(p, ov, nv, hide, h)...)
		}
	}
	return out
}

// diffLists compares lists of named objects by name (containers, env,
// ports: `spec.containers[name=app].image`), other lists by index.
func diffLists(path string, o, n []any, hideData bool, h hider) []FieldChange {
	// In a hidden subtree names are values too: compared by index, they
	// never reach a path.
	if on, ok := byName(o); ok && !hideData {
		if nn, ok := byName(n); ok {
			return diffNamed(path, o, n, on, nn, hideData, h)
		}
	}
	var out []FieldChange
	for i := 0; i < max(len(o), len(n)); i++ {
		p := fmt.Sprintf("%s[%d]", path, i)
		switch {
		case i >= len(o):
			out = append(out, field(p, Added, nil, n[i], hideData, h))
		case i >= len(n):
			out = append(out, field(p, Removed, o[i], nil, hideData, h))
		default:
			out = append(out, diffValues(p, o[i], n[i], hideData, h)...)
		}
	}
	return out
}

func diffNamed(path string, o, n []any, on, nn map[string]any, hideData bool, h hider) []FieldChange {
	var out []FieldChange
	for _, e := range n {
		name := e.(map[string]any)["name"].(string)
		p := fmt.Sprintf("%s[name=%s]", path, name)
		if ov, ok := on[name]; ok {
			out = append(out, diffValues(p, ov, e, hideData, h)...)
		} else {
			out = append(out, field(p, Added, nil, e, hideData, h))
		}
	}
	for _, e := range o {
		name := e.(map[string]any)["name"].(string)
		if _, ok := nn[name]; !ok {
			out = append(out, field(fmt.Sprintf("%s[name=%s]", path, name), Removed, e, nil, hideData, h))
		}
	}
	return out
}

// byName indexes a list whose elements are all maps with a distinct string
// name.
func byName(l []any) (map[string]any, bool) {
	if len(l) == 0 {
		return nil, false
	}
	m := make(map[string]any, len(l))
	for _, e := range l {
		em, ok := e.(map[string]any)
		if !ok {
			return nil, false
		}
		name, ok := em["name"].(string)
		if _, dup := m[name]; !ok || dup {
			return nil, false
		}
		m[name] = e
	}
	return m, true
}

// hider tells which map keys hold secret values: nothing under them is
// shown. nil hides nothing.
type hider func(key string) bool

func (h hider) hides(key string) bool { return h != nil && h(key) }

// within tells whether v holds, at any depth, a key h hides.
func (h hider) within(v any) bool {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			if h.hides(k) || h.within(e) {
				return true
			}
		}
	case []any:
		return slices.ContainsFunc(v, h.within)
	}
	return false
}

// field is one changed path. A value that is, or holds, a secret is
// hidden whole.
func field(path string, kind Kind, o, n any, hide bool, h hider) FieldChange {
	if hide || h.within(o) || h.within(n) {
		return FieldChange{Path: path, Kind: kind, Hidden: true}
	}
	return FieldChange{Path: path, Kind: kind, Old: render(o), New: render(n)}
}

// render prints a value: strings as they are, anything else as compact JSON.
func render(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func equal(a, b any) bool {
	ab, err1 := json.Marshal(a)
	bb, err2 := json.Marshal(b)
	if err1 != nil || err2 != nil {
		return fmt.Sprint(a) == fmt.Sprint(b)
	}
	return string(ab) == string(bb)
}

var plainKey = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

// join appends a key to a field path, quoting keys that are not plain
// (`metadata.annotations["kustomize.toolkit.fluxcd.io/prune"]`).
func join(path, key string) string {
	if !plainKey.MatchString(key) {
		b, _ := json.Marshal(key)
		return path + "[" + string(b) + "]"
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

// isMultiline tells whether a rendered value is better shown line by line.
func isMultiline(s string) bool { return strings.Contains(strings.TrimSuffix(s, "\n"), "\n") }

// unionKeys returns the keys of a and b, sorted, each once.
func unionKeys[A, B any](a map[string]A, b map[string]B) []string {
	keys := make([]string, 0, len(a)+len(b))
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}
