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
	"cmp"
	"fmt"
	"path"
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
	// Getenv reads the environment: variables an input refers to, and the
	// age keys that open its encrypted files (as sops finds them). Nil
	// reads nothing.
	Getenv func(string) string
	// ClearVars name variables from encrypted files whose values may be
	// written in clear (a domain name kept encrypted by habit).
	ClearVars []string
	// AgeRecipients receive the secrets the import writes, when the input
	// does not say.
	AgeRecipients []string
}

// Result is what an importer writes: the files by slash path relative to
// the description directory (CUE sources, and secret inputs already
// encrypted), and the fields it could not carry over.
type Result struct {
	Files    map[string][]byte
	Warnings []Warning
	// Secrets are the secret values the importer read (decrypted), by
	// where they came from, so the written files can be searched for them
	// before anything reaches disk. Never written.
	Secrets map[string]string
}

// Warning is a field of the input that hogen did not import as it was.
type Warning struct {
	// File, Line and Col locate the field in the input.
	File      string
	Line, Col int
	// Field is the field's path in the input ("nodes[0].machineFiles").
	Field string
	Msg   string
	// At is the output path where the TODO comment goes ("cluster",
	// "cluster.network.node", "nodes.kmaster1.patches"): the deepest field
	// of it that the output has.
	At string
}

func (w Warning) String() string {
	loc := w.File
	if w.Line > 0 {
		loc = fmt.Sprintf("%s:%d:%d", w.File, w.Line, w.Col)
	}
	if w.Field == "" {
		return loc + ": " + w.Msg
	}
	return loc + ": " + w.Field + ": " + w.Msg
}

// Todo is the warning as a TODO comment for the output, with where the
// field was in the input.
func (w Warning) Todo() string {
	s := "TODO(import): "
	if w.Line > 0 {
		s += fmt.Sprintf("%s:%d: ", path.Base(w.File), w.Line)
	}
	if w.Field != "" {
		s += w.Field + ": "
	}
	return s + w.Msg
}

// Warnings collects warnings in input order.
type Warnings struct {
	list []Warning
	seen map[Warning]bool
}

// Add records a warning; the same warning twice (a role's field read for
// each of its nodes) is kept once, with its TODO where it was first put.
func (ws *Warnings) Add(w Warning) {
	if ws.seen == nil {
		ws.seen = map[Warning]bool{}
	}
	key := w
	key.At = ""
	if ws.seen[key] {
		return
	}
	ws.seen[key] = true
	ws.list = append(ws.list, w)
}

// List returns the warnings sorted by file, line, column and field.
func (ws *Warnings) List() []Warning {
	out := slices.Clone(ws.list)
	slices.SortStableFunc(out, func(a, b Warning) int {
		return cmp.Or(strings.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line),
			cmp.Compare(a.Col, b.Col), strings.Compare(a.Field, b.Field))
	})
	return out
}
