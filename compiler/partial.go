package compiler

import (
	"context"
	"maps"
	"slices"

	"github.com/hogen-dev/hogen/compiler/model"
	"github.com/hogen-dev/hogen/compiler/sink"
	"github.com/hogen-dev/hogen/compiler/units"
	"github.com/hogen-dev/hogen/emitters"
)

// partial is which units of its output a build makes: those whose key
// changed since the last build, or whose files are not as it wrote them.
// A nil partial makes every unit and keys none.
type partial struct {
	rec  *sink.Recorded // what the manifest records
	set  *units.Set
	make map[string]bool      // nil: every unit
	kept map[string]sink.Unit // the last build's units that stand
	// indexed are the keys of the Indexers' units, known once the other
	// files are.
	indexed map[string]string
}

// plan keys the units of a build of d (nothing when no key can be trusted:
// a hogen of unknown identity, secret names given rather than read) and
// finds which of the last build's stand, unless opts.Full.
func plan(opts Options, registry []emitters.Emitter, ciphertexts map[string]string, d *model.Description) *partial {
	fixed := fixedInputs(opts, registry)
	if fixed == nil {
		return nil
	}
	inc := &partial{indexed: map[string]string{}}
	inc.set = units.Of(d, registry, units.Common{Identity: fixed["hogen"], Ciphertexts: ciphertexts})
	if !opts.Full {
		inc.rec = sink.ReadUnits(opts.Dir)
		inc.kept = inc.rec.Reusable(inc.set.Keys)
		inc.dropMisplaced(d, registry)
		inc.make = inc.set.Make(func(u string) bool { _, ok := inc.kept[u]; return ok })
		for u := range inc.make {
			delete(inc.kept, u) // kept, but needed by a unit made
		}
	}
	return inc
}

// makesAny tells whether the build makes a unit of the emitter.
func (inc *partial) makesAny(emitter string) bool {
	for u := range inc.make {
		if inc.set.Emitter(u) == emitter {
			return true
		}
	}
	return false
}

// makes tells whether the build makes the unit.
func (inc *partial) makes(unit string) bool {
	return inc == nil || inc.make == nil || inc.make[unit]
}

// emitter runs e for the units the build makes, naming each file's unit
// in full; owner holds the paths of the files of the emitters before it.
func (inc *partial) emitter(ctx context.Context, d *model.Description, e emitters.Emitter, owner map[string]string) ([]emitters.File, error) {
	var out []emitters.File
	var err error
	switch x := e.(type) {
	case emitters.Indexer:
		paths := slices.Sorted(maps.Keys(owner))
		if inc != nil {
			key := inc.set.IndexKey(d, e.Name(), paths)
			if inc.make != nil {
				if u, ok := inc.rec.Reusable(map[string]string{e.Name(): key})[e.Name()]; ok {
					inc.kept[e.Name()] = u
					return nil, nil
				}
			}
			inc.indexed[e.Name()] = key
		}
		out, err = x.Index(ctx, d, paths)
	case emitters.Unitized:
		if inc != nil && inc.make != nil {
			if !inc.makesAny(e.Name()) {
				return nil, nil
			}
			out, err = x.EmitUnits(ctx, d, func(u string) bool { return inc.make[units.Name(e.Name(), u)] })
		} else {
			out, err = x.EmitUnits(ctx, d, nil)
		}
	default:
		if !inc.makes(e.Name()) {
			return nil, nil
		}
		out, err = e.Emit(ctx, d)
	}
	for i := range out {
		out[i].Unit = units.Name(e.Name(), out[i].Unit)
	}
	return out, err
}

// dropMisplaced makes again the kept units that claim a file outside
// their emitter's roots: only an edited manifest says so.
func (inc *partial) dropMisplaced(d *model.Description, registry []emitters.Emitter) {
	roots := map[string]sink.Scope{}
	for _, e := range registry {
		if r, ok := e.(emitters.Rooted); ok {
			roots[e.Name()] = sink.Scope{Roots: r.Roots(d)}
		}
	}
	for name, u := range inc.kept {
		if slices.ContainsFunc(u.Files, func(f string) bool { return !roots[inc.set.Emitter(name)].InRoots(f) }) {
			delete(inc.kept, name)
		}
	}
}

// trusted tells whether the manifest's units agree with what the build
// made: no file made that a kept unit holds, and every unit made under the
// key it was recorded with made the files recorded. A pure emitter makes
// the same files from the same key, so a difference means the units were
// edited or merged; which is right only a build of every unit can say.
func (inc *partial) trusted(files []emitters.File) bool {
	if !inc.partial() {
		return true
	}
	made := map[string][]string{}
	paths := map[string]bool{}
	for _, f := range files {
		made[f.Unit] = append(made[f.Unit], f.Path)
		paths[f.Path] = true
	}
	for _, u := range inc.kept {
		if slices.ContainsFunc(u.Files, func(p string) bool { return paths[p] }) {
			return false
		}
	}
	for name, paths := range made {
		if rec, ok := inc.rec.Unit(name); ok && rec.Key == inc.set.Keys[name] && !slices.Equal(rec.Files, slices.Sorted(slices.Values(paths))) {
			return false
		}
	}
	return true
}

// partial tells whether the build keeps any unit.
func (inc *partial) partial() bool { return inc != nil && len(inc.kept) > 0 }

// everything is the partial of a build of every unit, keeping none.
func (inc *partial) everything() *partial {
	return &partial{rec: inc.rec, set: inc.set, indexed: map[string]string{}}
}

// keptFiles are the files of emitter's units that the build keeps, as
// files without contents: their paths count as the emitter's.
func (inc *partial) keptFiles(emitter string) []emitters.File {
	if inc == nil {
		return nil
	}
	var out []emitters.File
	for _, name := range slices.Sorted(maps.Keys(inc.kept)) {
		if inc.set.Emitter(name) == emitter || name == emitter {
			for _, f := range inc.kept[name].Files {
				out = append(out, emitters.File{Path: f, Unit: name})
			}
		}
	}
	return out
}

// made are the keys of the units the build made.
func (inc *partial) made() map[string]string {
	if inc == nil {
		return nil
	}
	out := maps.Clone(inc.indexed)
	for u, k := range inc.set.Keys {
		if inc.makes(u) {
			out[u] = k
		}
	}
	return out
}

// keptUnits are the last build's units the build keeps.
func (inc *partial) keptUnits() map[string]sink.Unit {
	if inc == nil {
		return nil
	}
	return inc.kept
}
