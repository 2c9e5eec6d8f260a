package check

import (
	"encoding/json"

	"fmt"
	"regexp"
	"strconv"

	"github.com/fluxcd/pkg/envsubst"

	"github.com/hogen-dev/hogen/compiler/model"
)

// substitutions warns about ${NAME} in what a Kustomization applies when
// no variable of it is NAME: Flux would write an empty string there.
// Defaults (${NAME:=x}) and $${NAME} (a literal) are Flux's to handle, and
// are read with Flux's own parser. A Kustomization that reads variables
// from a ConfigMap or Secret of its own (substituteFrom) is not judged:
// what those hold is not in the description.
func (c *checker) substitutions() {
	for _, a := range c.d.Apps {
		for _, k := range a.Kustomizations {
			if !k.Substitution || len(k.SubstituteFrom) > c.clusterRefs() {
				continue
			}
			known := c.knownVars(k)
			for _, r := range k.Releases {
				if r.Substitution {
					c.undefinedIn(r.Path+".values", r.Values, known, "")
				}
			}
			for _, m := range k.Manifests {
				if m.Substitution {
					c.undefinedIn(m.Path, m.Object, known, "")
				}
			}
			c.undefinedInConfigMaps(k.ConfigMaps, known, "")
			for i, name := range k.Components {
				comp, _ := c.d.Component(name)
				at := fmt.Sprintf("%s.components.%d", k.Path, i)
				for _, m := range comp.Manifests {
					if m.Substitution {
						c.undefinedIn(at, m.Object, known, "component "+name+" ")
					}
				}
				c.undefinedInConfigMaps(comp.ConfigMaps, known, at)
			}
		}
	}
}

// clusterRefs is how many substituteFrom entries every Kustomization has
// for the cluster-wide variables.
func (c *checker) clusterRefs() int {
	n := 0
	if len(c.d.Cluster.Substitutions.Settings) > 0 {
		n++
	}
	if len(c.d.Cluster.Substitutions.Secrets) > 0 {
		n++
	}
	return n
}

func (c *checker) knownVars(k model.Kustomization) map[string]bool {
	known := map[string]bool{}
	for v := range c.d.Cluster.Substitutions.Settings {
		known[v] = true
	}
	for v := range c.d.Cluster.Substitutions.Secrets {
		known[v] = true
	}
	for v := range k.Substitute {
		known[v] = true
	}
	return known
}

func (c *checker) undefinedInConfigMaps(cms []model.ConfigMap, known map[string]bool, at string) {
	for _, cm := range cms {
		if !cm.Substitution {
			continue
		}
		for _, e := range cm.Entries {
			p := at
			if p == "" {
				p = cm.Path + ".data." + e.Key
				if e.File != "" {
					p = cm.Path + ".files." + e.Key
				}
			}
			for _, v := range UndefinedVars(e.Data, known) {
				c.warnUndefined(p, v, "")
			}
		}
	}
}

// undefinedIn warns for every string under raw (a JSON value at path).
// With what set, the warnings go to path itself and say what holds the
// string (a component).
func (c *checker) undefinedIn(path string, raw json.RawMessage, known map[string]bool, what string) {
	var v any
	if len(raw) == 0 || json.Unmarshal(raw, &v) != nil {
		return
	}
	walkStrings(path, v, func(p, s string) {
		if what != "" {
			p = path
		}
		for _, name := range UndefinedVars(s, known) {
			c.warnUndefined(p, name, what)
		}
	})
}

func (c *checker) warnUndefined(path, name, what string) {
	c.Warnf(path, fmt.Sprintf("define %s in substitute (or cluster.substitutions), write $${%s} for a literal, or set substitution: false", name, name),
		"%s${%s} is substituted by no variable: Flux writes an empty string there", what, name)
}

// walkStrings calls fn with the description path of every string in v.
func walkStrings(path string, v any, fn func(path, s string)) {
	switch x := v.(type) {
	case string:
		fn(path, x)
	case map[string]any:
		for _, k := range model.SortedKeys(x) {
			walkStrings(path+"."+k, x[k], fn)
		}
	case []any:
		for i, e := range x {
			walkStrings(path+"."+strconv.Itoa(i), e, fn)
		}
	}
}

var notSet = regexp.MustCompile(`variable not set \(strict mode\): "([^"]+)"`)

// UndefinedVars returns the variables s uses, with no default, that known
// lacks, in the order they appear, by Flux's rules (fluxcd/pkg/envsubst,
// as kustomize-controller runs it in strict mode).
func UndefinedVars(s string, known map[string]bool) []string {
	if !containsVar(s) {
		return nil
	}
	missing := map[string]bool{}
	var out []string
	for range 64 {
		_, err := envsubst.Eval(s, func(name string) (string, bool) {
			return "x", known[name] || missing[name]
		})
		if err == nil {
			return out
		}
		m := notSet.FindStringSubmatch(err.Error())
		if m == nil || missing[m[1]] {
			return out // not a template Flux can read: its build says so
		}
		missing[m[1]] = true
		out = append(out, m[1])
	}
	return out
}

func containsVar(s string) bool {
	for i := 0; i+1 < len(s); i++ {
		if s[i] == '$' && s[i+1] == '{' {
			return true
		}
	}
	return false
}
