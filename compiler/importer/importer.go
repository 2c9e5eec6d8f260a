// Package importer holds what the importers from other tools' formats
// share: the result they return (CUE files and warnings), a reader for YAML
// mappings that remembers which keys were used so nothing is dropped
// silently, and helpers that build CUE syntax with cue/ast and print it with
// cue/format, never with string templates.
//
// The importers themselves live in subpackages (talhelper,
// clustertemplate). Each maps what hogen has an equivalent for and reports
// every other field as a Warning, which also becomes a `// TODO(import):`
// comment in the output. Warnings name fields, never their values: an input
// may hold secrets.
package importer

import (
	"fmt"
	"slices"
	"strings"
)

// Defaults for versions an input does not give.
const (
	DefaultTalosVersion      = "v1.10.5"
	DefaultKubernetesVersion = "v1.33.2"
)

// Options are what the user tells an importer beyond its input files.
type Options struct {
	// Package is the CUE package clause of the written files.
	Package string
	// TalosVersion and KubernetesVersion replace or supply the versions.
	TalosVersion, KubernetesVersion string
	// FluxURL is the Git repository Flux syncs from, when the input does
	// not say.
	FluxURL string
	// NodeCIDR is the node network, when the input does not say.
	NodeCIDR string
}

// Result is what an importer writes: file name -> CUE source, and the
// fields it could not carry over.
type Result struct {
	Files    map[string][]byte
	Warnings []Warning
}

// Warning is a field of the input that hogen did not import as it was.
type Warning struct {
	// File and Line locate the field in the input.
	File string
	Line int
	// Field is the field's path in the input ("nodes[0].machineFiles").
	Field string
	Msg   string
	// Scope is where the TODO comment goes: "cluster" or "nodes.<name>".
	Scope string
}

func (w Warning) String() string {
	loc := w.File
	if w.Line > 0 {
		loc = fmt.Sprintf("%s:%d", w.File, w.Line)
	}
	if w.Field == "" {
		return loc + ": " + w.Msg
	}
	return loc + ": " + w.Field + ": " + w.Msg
}

// Todo is the warning as a TODO comment for the output.
func (w Warning) Todo() string {
	if w.Field == "" {
		return "TODO(import): " + w.Msg
	}
	return "TODO(import): " + w.Field + ": " + w.Msg
}

// Warnings collects warnings in input order.
type Warnings struct {
	list []Warning
}

// Add records a warning.
func (ws *Warnings) Add(w Warning) { ws.list = append(ws.list, w) }

// List returns the warnings sorted by file, line and field.
func (ws *Warnings) List() []Warning {
	out := slices.Clone(ws.list)
	slices.SortStableFunc(out, func(a, b Warning) int {
		if c := strings.Compare(a.File, b.File); c != 0 {
			return c
		}
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		return strings.Compare(a.Field, b.Field)
	})
	return out
}

// Todos returns the TODO comments for scope, in input order.
func (ws *Warnings) Todos(scope string) []string {
	var out []string
	for _, w := range ws.List() {
		if w.Scope == scope {
			out = append(out, w.Todo())
		}
	}
	return out
}
