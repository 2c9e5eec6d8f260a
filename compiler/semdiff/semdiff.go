// Package semdiff tells what changes between two sets of generated files in
// the terms people review: which Kubernetes objects (apiVersion, kind,
// namespace, name) are added, removed or changed, and for a changed object
// which field paths changed (`spec.chart.spec.version: 1.17.5 -> 1.17.6`),
// rather than which text lines.
//
// Secret files are compared only as a whole and reported as "changed" with
// no value, field or line of either side, unless both sides are given as
// plaintext with the file's SOPS encrypted_regex: then the fields SOPS
// keeps in clear in the file (a Talos config's addresses, a Secret's
// metadata) are shown, and those it encrypts never are. Objects of kind
// Secret in non-secret files (which the leak guard should have stopped)
// get the same care for their data.
//
// Diff is pure; Text and Markdown render a Report, the latter for a pull
// request comment.
package semdiff

import (
	"bytes"
	"regexp"
	"strings"
)

// File is one generated file on one side of the diff.
type File struct {
	Data []byte
	// Secret files are compared by Data only and never shown. Data must be
	// comparable between the sides: both plaintext (the old file
	// decrypted), or both the bytes that would be written (the sealer keeps
	// an unchanged secret's ciphertext as it is).
	Secret bool
	// EncryptedRegex, set on a secret file given as plaintext, is its SOPS
	// encrypted_regex: the fields under keys it does not match are in clear
	// in the file, and shown.
	EncryptedRegex string
}

// Set maps a relative slash path to a file.
type Set map[string]File

// Kind says what happened to a file, object or field.
type Kind string

// The kinds of change.
const (
	Added   Kind = "added"
	Removed Kind = "removed"
	Changed Kind = "changed"
)

// Report is every change between two sets, files in path order.
type Report struct {
	Files []FileChange
	// Unverified are secret files the diff could not look into (no key
	// opened them): they may have changed without showing here. The
	// caller fills it in; the renderers say so.
	Unverified []string
}

// FileChange is one file that differs.
type FileChange struct {
	Path   string
	Kind   Kind
	Secret bool
	// Objects are the YAML documents that differ, in the order of the new
	// file (removed ones last). Empty for secret files and for files that
	// are not YAML, whose change is only that their bytes differ.
	Objects []ObjectChange
}

// ObjectChange is one YAML document that differs.
type ObjectChange struct {
	ID     ObjectID
	Kind   Kind
	Fields []FieldChange
}

// FieldChange is one field path whose value differs. Old and New are
// rendered values ("" on the side where the field is absent); Hidden
// fields never carry values.
type FieldChange struct {
	Path     string
	Kind     Kind
	Old, New string
	Hidden   bool
}

// Empty tells whether nothing changed.
func (r Report) Empty() bool { return len(r.Files) == 0 }

// Count returns how many files were added, removed and changed.
func (r Report) Count() (added, removed, changed int) {
	for _, f := range r.Files {
		switch f.Kind {
		case Added:
			added++
		case Removed:
			removed++
		default:
			changed++
		}
	}
	return added, removed, changed
}

// Diff compares the old and the new set.
func Diff(old, new Set) Report {
	paths := unionKeys(old, new)
	var r Report
	for _, p := range paths {
		o, inOld := old[p]
		n, inNew := new[p]
		fc := FileChange{Path: p, Secret: o.Secret || n.Secret}
		switch {
		case !inOld:
			fc.Kind = Added
		case !inNew:
			fc.Kind = Removed
		case bytes.Equal(o.Data, n.Data):
			continue
		default:
			fc.Kind = Changed
		}
		h, show := shown(o, n, inOld, inNew)
		// A secret file given with its rule is SOPS YAML, whatever its name
		// (talos/talosconfig).
		if show && (isYAML(p) || h != nil) {
			var oldData, newData []byte
			if inOld {
				oldData = o.Data
			}
			if inNew {
				newData = n.Data
			}
			// A file that does not parse as YAML is reported as a whole;
			// one with the same objects but other bytes (comments, key
			// order) is a change with no object to list.
			if objs, ok := diffDocs(oldData, newData, h); ok {
				fc.Objects = objs
			}
		}
		r.Files = append(r.Files, fc)
	}
	return r
}

// shown tells whether a file's fields may be shown, and what to hide: all
// of a plain file's; of a secret file, those the sides' common
// encrypted_regex leaves in clear.
func shown(o, n File, inOld, inNew bool) (hider, bool) {
	if !o.Secret && !n.Secret {
		return nil, true
	}
	rule := n.EncryptedRegex
	if !inNew {
		rule = o.EncryptedRegex
	}
	if rule == "" || inOld && inNew && o.EncryptedRegex != n.EncryptedRegex {
		return nil, false
	}
	re, err := regexp.Compile(rule)
	if err != nil {
		return nil, false
	}
	return re.MatchString, true
}

func isYAML(p string) bool {
	return strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")
}
