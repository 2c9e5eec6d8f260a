package flux

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
)

// Flux's meaning of a Kustomization's boolean fields left out: false.
var kustomizationFalse = []string{"wait", "prune", "force", "suspend"}

// chooseDefaults picks cluster.flux.defaults from what the apps' objects
// have in common (each field its most common value, hogen's own on a
// tie), so each object writes only where it differs. Whatever defaults
// are chosen, every object comes out as it was: they only decide what is
// written where.
func (im *imp) chooseDefaults(hogen defaults) {
	var kss []map[string]any
	var hrs []map[string]any
	var intervals []any
	for _, a := range im.d.apps {
		for _, k := range a.kustomizations {
			k.policy = filled(k.policy, hogen.kustomization)
			kss = append(kss, withoutKeys(k.policy, ownKustomizationKeys))
			for _, r := range k.releases {
				hrs = append(hrs, withoutKeys(r.policy, ownHelmReleaseKeys))
				intervals = append(intervals, r.chart.interval)
			}
		}
	}
	ks := common(kss, hogen.kustomization)
	hr := common(hrs, hogen.helmRelease)
	im.d.defaults = defaults{
		kustomization:  leafDiff(hogen.kustomization, ks),
		helmRelease:    leafDiff(hogen.helmRelease, hr),
		sourceInterval: hogen.sourceInterval,
	}
	if iv, ok := majority(intervals, hogen.sourceInterval).(string); ok && iv != "" {
		im.d.defaults.sourceInterval = iv
	}
	im.effective = defaults{kustomization: ks, helmRelease: hr, sourceInterval: im.d.defaults.sourceInterval}
}

// filled is a Kustomization's policy with Flux's false written for the
// booleans it leaves out that hogen defaults (so a default of true is
// undone where needed), and left out for the others.
func filled(p, hogen map[string]any) map[string]any {
	out := maps.Clone(p)
	if out == nil {
		out = map[string]any{}
	}
	for _, k := range kustomizationFalse {
		_, defaulted := hogen[k]
		_, set := out[k]
		switch {
		case defaulted && !set:
			out[k] = false
		case !defaulted && out[k] == false:
			delete(out, k)
		}
	}
	return out
}

func withoutKeys(m map[string]any, keys []string) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		if !isKey(keys, k) {
			out[k] = v
		}
	}
	return out
}

// leafDiff is what cluster.flux.defaults writes to turn hogen's defaults
// (base) into want: the schema unifies it with hogen's, so what hogen
// sets and want lacks is removed leaf by leaf (null), never a whole
// object hogen's defaults define.
func leafDiff(base, want map[string]any) map[string]any {
	out := map[string]any{}
	for k, w := range want {
		b, ok := base[k]
		bm, bObj := b.(map[string]any)
		wm, wObj := w.(map[string]any)
		switch {
		case ok && bObj && wObj:
			if d := leafDiff(bm, wm); len(d) > 0 {
				out[k] = d
			}
		case ok && same(b, w):
		default:
			out[k] = w
		}
	}
	for k, b := range base {
		if _, ok := want[k]; ok {
			continue
		}
		if bm, obj := b.(map[string]any); obj && len(bm) > 0 {
			out[k] = leafDiff(bm, map[string]any{})
		} else {
			out[k] = nil
		}
	}
	return out
}

// ownPolicy is what an object writes: the merge patch from the policy it
// gets without writing anything to the policy it has.
func ownPolicy(base, have map[string]any) map[string]any { return mergeDiff(base, have) }

// common is the policy most objects share, field by field (leaves of
// nested objects apart; lists whole), starting from hogen's own.
func common(objs []map[string]any, hogen map[string]any) map[string]any {
	if len(objs) == 0 {
		return hogen
	}
	paths := map[string]bool{}
	for _, o := range append(slices.Clone(objs), hogen) {
		for p := range leaves(o, "") {
			paths[p] = true
		}
	}
	out := map[string]any{}
	for _, p := range slices.Sorted(maps.Keys(paths)) {
		var vals []any
		for _, o := range objs {
			vals = append(vals, leaves(o, "")[p])
		}
		def := leaves(hogen, "")[p]
		if v := majority(vals, def); v != nil {
			setPath(out, strings.Split(p, "\x00"), v)
		}
	}
	return out
}

// leaves flattens an object into its non-object values by path (keys
// joined by NUL); an empty object is a leaf.
func leaves(m map[string]any, prefix string) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		p := k
		if prefix != "" {
			p = prefix + "\x00" + k
		}
		if sub, ok := v.(map[string]any); ok && len(sub) > 0 {
			maps.Copy(out, leaves(sub, p))
			continue
		}
		out[p] = v
	}
	return out
}

func setPath(m map[string]any, path []string, v any) {
	for _, k := range path[:len(path)-1] {
		sub, ok := m[k].(map[string]any)
		if !ok {
			sub = map[string]any{}
			m[k] = sub
		}
		m = sub
	}
	m[path[len(path)-1]] = v
}

// majority is the most common of vals (nil for absent), def winning a
// tie, then the first in JSON order.
func majority(vals []any, def any) any {
	count := map[string]int{}
	byKey := map[string]any{}
	for _, v := range vals {
		b, _ := json.Marshal(v)
		count[string(b)]++
		byKey[string(b)] = v
	}
	db, _ := json.Marshal(def)
	best, n := string(db), count[string(db)]
	for _, k := range slices.Sorted(maps.Keys(count)) {
		if count[k] > n {
			best, n = k, count[k]
		}
	}
	if v, ok := byKey[best]; ok {
		return v
	}
	return def
}
