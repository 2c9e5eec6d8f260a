package compiler

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hogen-dev/hogen/compiler/inputs"
	"github.com/hogen-dev/hogen/compiler/model"
	"github.com/hogen-dev/hogen/compiler/sink"
	"github.com/hogen-dev/hogen/emitters"
)

// misplaced reports the files of e that no emitter may write, or that
// another emitter (recorded in owner) already writes.
func misplaced(d *model.Description, e emitters.Emitter, out []emitters.File, scope sink.Scope, owner map[string]string) Diagnostics {
	var roots []string
	if r, ok := e.(emitters.Rooted); ok {
		roots = r.Roots(d)
	}
	own := sink.Scope{Roots: roots}
	var diags Diagnostics
	for _, f := range out {
		at := f.Origin
		if !at.IsValid() {
			at = d.Pos.Of("emitters." + e.Name())
		}
		bad := func(fix, format string, args ...any) {
			diags = append(diags, Diagnostic{Pos: at, Msg: fmt.Sprintf(format, args...), Fix: fix})
		}
		switch prev, dup := owner[f.Path]; {
		case scope.Protects(f.Path) != "":
			bad("write it to another path: an input of the description is never an output",
				"emitter %s writes %s, which %s", e.Name(), f.Path, scope.Protects(f.Path))
		case !own.InRoots(f.Path):
			bad("this is a bug in the emitter: it must declare every place it writes (emitters.Rooted)",
				"emitter %s writes %s, outside its output roots (%s)", e.Name(), f.Path, strings.Join(roots, ", "))
		case dup:
			bad("give the Jsonnet emitter another out directory, or drop the file from one of them",
				"%s is written by both emitter %s and emitter %s", f.Path, prev, e.Name())
		}
		owner[f.Path] = e.Name()
	}
	return diags
}

// ScopeOf is what the sink may touch for d: the output roots of every
// emitter in the registry, enabled or not (a disabled emitter's old files
// are pruned where it wrote them), and the inputs it must never touch.
func ScopeOf(d *model.Description, registry []emitters.Emitter) sink.Scope {
	var s sink.Scope
	for _, e := range registry {
		if r, ok := e.(emitters.Rooted); ok {
			s.Roots = append(s.Roots, r.Roots(d)...)
		}
	}
	slices.Sort(s.Roots)
	s.Roots = slices.Compact(s.Roots)
	s.Inputs = slices.Sorted(maps.Keys(d.Inputs.Jsonnet))
	s.Secrets = slices.Clone(inputs.SecretInputs)
	return s
}
