package sink

import (
	"fmt"
	"io"
	"strings"

	"github.com/pmezard/go-difflib/difflib"
)

// Diff writes a unified diff of what Apply would change. Secret files are
// named but their contents, encrypted or not, are never shown.
func (p *Plan) Diff(w io.Writer) error {
	for _, c := range p.Writes {
		if err := writeDiff(w, c); err != nil {
			return err
		}
	}
	for _, c := range p.Prunes {
		if err := writeDiff(w, c); err != nil {
			return err
		}
	}
	if m, traceOnly := p.newManifest(); m != nil && !traceOnly {
		return writeDiff(w, Change{Path: ManifestName, Old: p.oldManifest, New: m})
	}
	return nil
}

func writeDiff(w io.Writer, c Change) error {
	from, to := "a/"+c.Path, "b/"+c.Path
	switch {
	case c.Old == nil:
		from = "/dev/null"
	case c.New == nil:
		to = "/dev/null"
	}
	if c.Secret {
		_, err := fmt.Fprintf(w, "--- %s\n+++ %s\n@@ secret file %s: contents not shown @@\n", from, to, describe(c))
		return err
	}
	return difflib.WriteUnifiedDiff(w, difflib.UnifiedDiff{
		A: splitLines(c.Old), B: splitLines(c.New),
		FromFile: from, ToFile: to, Context: 3,
	})
}

// splitLines splits a file into lines that keep their newline. Unlike
// difflib.SplitLines it adds no empty line after the last newline (nor for
// an empty file), which made every hunk one line longer than the file and
// the diff not a patch git would apply.
func splitLines(b []byte) []string {
	if len(b) == 0 {
		return nil
	}
	lines := strings.SplitAfter(string(b), "\n")
	if last := len(lines) - 1; lines[last] == "" {
		lines = lines[:last]
	} else {
		lines[last] += "\n" // the file has no final newline; the diff gives it one
	}
	return lines
}

func describe(c Change) string {
	switch {
	case c.Old == nil:
		return "added"
	case c.New == nil:
		return "removed"
	}
	return "changed"
}

// Summary is a one-line account of the plan, for humans.
func (p *Plan) Summary() string {
	var added, changed int
	for _, c := range p.Writes {
		if c.Old == nil {
			added++
		} else {
			changed++
		}
	}
	s := fmt.Sprintf("%d added, %d changed, %d removed, %d unchanged", added, changed, len(p.Prunes), p.Unchanged)
	if m, traceOnly := p.newManifest(); m != nil && !traceOnly && len(p.Writes) == 0 && len(p.Prunes) == 0 {
		s += "; " + ManifestName + " out of date"
	}
	return s
}
