package sink

import (
	"bytes"
	"path"
	"slices"
	"strings"
)

// Scope bounds what the sink may touch beyond the files it is given. The
// manifest only claims which files hogen generated; the scope decides
// which of those claims hogen may act on.
type Scope struct {
	// Roots are slash paths, each a directory or a file, under which the
	// emitters write; "." is the whole tree. A file outside them is never
	// pruned or taken over, whatever the manifest says.
	Roots []string
	// Inputs are files the description is made of or reads (its Jsonnet
	// files), and Secrets its secret inputs, as slash paths: never written,
	// pruned or taken over. So are .cue, .jsonnet, .libsonnet and .agekey
	// files, and any file holding an age private key, whatever the lists.
	Inputs, Secrets []string
}

// Protects says why hogen must never write, prune or take over the file
// at p, or "" when it may.
func (s Scope) Protects(p string) string { return s.protected(p, nil) }

// InRoots tells whether p lies under one of the roots.
func (s Scope) InRoots(p string) bool { return s.inRoots(p) }

// inRoots tells whether p lies under one of the roots.
func (s Scope) inRoots(p string) bool {
	for _, r := range s.Roots {
		if r == "." || p == r || strings.HasPrefix(p, r+"/") {
			return true
		}
	}
	return false
}

// inputExts are the extensions of the files a description is written in.
var inputExts = []string{".cue", ".jsonnet", ".libsonnet"}

// ageKeyMarker starts every age private key; a file holding one is a key
// file, whatever its name.
var ageKeyMarker = []byte("AGE-SECRET-KEY-1")

// protected says why hogen must never write, prune or take over the file
// at p holding data (nil when unknown or absent), or "" when it may.
func (s Scope) protected(p string, data []byte) string {
	switch {
	case slices.Contains(s.Secrets, p):
		return "is a secret input of the description"
	case slices.Contains(s.Inputs, p):
		return "is an input of the description"
	case slices.Contains(inputExts, path.Ext(p)):
		return "is a description file (" + path.Ext(p) + ")"
	case path.Ext(p) == ".agekey" || bytes.Contains(data, ageKeyMarker):
		return "holds an age private key"
	}
	return ""
}
