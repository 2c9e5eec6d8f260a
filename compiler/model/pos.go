package model

import (
	"fmt"
	"slices"
	"strings"
)

// Pos is a place in a user's .cue file.
type Pos struct {
	File string
	Line int
	Col  int
}

// IsValid tells whether p points somewhere.
func (p Pos) IsValid() bool { return p.File != "" }

func (p Pos) String() string {
	if !p.IsValid() {
		return ""
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// Positions maps a description path such as "nodes.mini01.address" to where
// the user wrote it, so checks after decoding can point at the line.
type Positions map[string]Pos

// Of returns the position of path, or of its nearest ancestor the user
// wrote: a missing field is reported where its parent is.
func (ps Positions) Of(path string) Pos {
	path = indexToDot.Replace(path)
	for {
		if p, ok := ps[path]; ok {
			return p
		}
		i := strings.LastIndexByte(path, '.')
		if i < 0 {
			return Pos{}
		}
		path = path[:i]
	}
}

// indexToDot turns list indices written patches[0] into the patches.0
// form positions are recorded in.
var indexToDot = strings.NewReplacer("[", ".", "]", "")

func sortStrings(s []string) { slices.Sort(s) }

// SortedKeys returns m's keys in order, for output that never depends on
// map iteration.
func SortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
