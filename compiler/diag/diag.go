// Package diag holds hogen's diagnostics: problems with a description in
// the user's terms, positioned at their file:line:col, warnings apart from
// errors. Every stage of the compiler reports through it.
package diag

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/hogen-dev/hogen/compiler/model"
)

// Diagnostic is one problem with a description, in the user's terms: where
// (file:line:col), what (a description path such as nodes.mini02.address),
// why, and how to fix it.
type Diagnostic struct {
	Pos     model.Pos
	Path    string
	Msg     string
	Fix     string
	Warning bool
}

func (d Diagnostic) String() string {
	var b strings.Builder
	if d.Pos.IsValid() {
		b.WriteString(d.Pos.String())
		b.WriteString(": ")
	}
	if d.Warning {
		b.WriteString("warning: ")
	} else {
		b.WriteString("error: ")
	}
	if d.Path != "" {
		b.WriteString(d.Path)
		b.WriteString(": ")
	}
	b.WriteString(d.Msg)
	if d.Fix != "" {
		b.WriteString("\n\tfix: ")
		b.WriteString(d.Fix)
	}
	return b.String()
}

// Diagnostics is every problem found in one description. As an error it
// means the description is bad input; warnings alone are not an error.
type Diagnostics []Diagnostic

func (ds Diagnostics) Error() string {
	errs := ds.Errors()
	switch len(errs) {
	case 0:
		return "no errors"
	case 1:
		return errs[0].String()
	}
	return fmt.Sprintf("%s (and %d more errors)", errs[0].String(), len(errs)-1)
}

// Errors returns the diagnostics that are not warnings.
func (ds Diagnostics) Errors() Diagnostics {
	return slices.DeleteFunc(slices.Clone(ds), func(d Diagnostic) bool { return d.Warning })
}

// Warnings returns the diagnostics that are warnings.
func (ds Diagnostics) Warnings() Diagnostics {
	return slices.DeleteFunc(slices.Clone(ds), func(d Diagnostic) bool { return !d.Warning })
}

// Sorted returns the diagnostics ordered by file, line, column and path,
// each distinct one once, so output is stable and nothing repeats.
func (ds Diagnostics) Sorted() Diagnostics {
	out := slices.Clone(ds)
	slices.SortStableFunc(out, func(a, b Diagnostic) int {
		return cmp.Or(
			cmp.Compare(a.Pos.File, b.Pos.File),
			cmp.Compare(a.Pos.Line, b.Pos.Line),
			cmp.Compare(a.Pos.Col, b.Pos.Col),
			cmp.Compare(a.Path, b.Path),
			cmp.Compare(a.Msg, b.Msg),
		)
	})
	return slices.CompactFunc(out, func(a, b Diagnostic) bool {
		return a.Pos == b.Pos && a.Path == b.Path && a.Msg == b.Msg && a.Warning == b.Warning
	})
}

// Print writes warnings first, then errors, then a one-line count.
func (ds Diagnostics) Print(w io.Writer) {
	ds = ds.Sorted()
	warns, errs := ds.Warnings(), ds.Errors()
	for _, d := range warns {
		fmt.Fprintln(w, d)
	}
	for _, d := range errs {
		fmt.Fprintln(w, d)
	}
	if len(errs) > 0 {
		fmt.Fprintf(w, "%s, %s\n", plural(len(errs), "error"), plural(len(warns), "warning"))
	}
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// Collector gathers diagnostics about a description, positioning each by
// its description path.
type Collector struct {
	Pos   model.Positions
	Diags Diagnostics
}

// Errorf records an error at path, with a fix.
func (c *Collector) Errorf(path, fix, format string, args ...any) {
	c.Diags = append(c.Diags, Diagnostic{Pos: c.Pos.Of(path), Path: path, Msg: fmt.Sprintf(format, args...), Fix: fix})
}

// Warnf records a warning at path, with a fix.
func (c *Collector) Warnf(path, fix, format string, args ...any) {
	c.Diags = append(c.Diags, Diagnostic{Pos: c.Pos.Of(path), Path: path, Msg: fmt.Sprintf(format, args...), Fix: fix, Warning: true})
}
