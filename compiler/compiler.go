// Package compiler turns a cluster description into files. It is a library;
// the CLI only maps flags onto it. It is a thin facade over the stages,
// each its own package:
//
//  1. load (package load) reads the directory's .cue files, unifies them
//     with hogen's embedded schema, validates them as concrete, and decodes
//     them once into the typed model (package model), with the position of
//     every field the user wrote; CUE's errors come back in the user's terms.
//  2. check (package check) runs the cross-file checks the schema cannot
//     express (unique addresses, networks, the app graph, secret
//     references); all problems come back at once as diagnostics (package
//     diag), with file:line:col.
//  3. inputs (package inputs) opens the secret inputs beside the
//     description with the age keys sops would find.
//  4. Emit runs the enabled emitters from the ordered registry; each is a
//     pure function from the model to files. Nothing is written here.
//  5. inputs.GuardLeaks searches every file that will not be encrypted for
//     the secret values the inputs hold.
//  6. The sink (package sink) writes, checks or diffs the files, only
//     under the emitters' output roots (ScopeOf), never over an input.
package compiler

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/hogen-dev/hogen/compiler/check"
	"github.com/hogen-dev/hogen/compiler/diag"
	"github.com/hogen-dev/hogen/compiler/inputs"
	"github.com/hogen-dev/hogen/compiler/load"
	"github.com/hogen-dev/hogen/compiler/model"
	"github.com/hogen-dev/hogen/compiler/secrets"
	"github.com/hogen-dev/hogen/compiler/sink"
	"github.com/hogen-dev/hogen/emitters"
	"github.com/hogen-dev/hogen/emitters/talos"
)

// Diagnostic and Diagnostics are the compiler's problem reports (package
// diag), named here so callers of the facade need no other import.
type (
	Diagnostic  = diag.Diagnostic
	Diagnostics = diag.Diagnostics
)

// Options says what to load.
type Options struct {
	// Dir holds the description's .cue files. File names in diagnostics are
	// Dir joined with the file's name, so a relative Dir gives paths relative
	// to the working directory.
	Dir string
	// SecretNames are the names in secrets.sops.yaml; references to any
	// other name fail. Load reads them from Dir when nil.
	SecretNames []string
	// AnySecret lets references to names secrets.sops.yaml lacks pass, to
	// read a description whose secrets are being set.
	AnySecret bool
	// Getenv finds the age keys that open the secret inputs (as sops does:
	// SOPS_AGE_KEY_FILE, SOPS_AGE_KEY, the default key file). Generate
	// uses it; nil finds none.
	Getenv func(string) string
	// Version is hogen's version, which a build's trace records: a
	// release's tag; "" or "(devel)" stands for the executable's build ID.
	Version string
	// Full makes every unit of the output, keeping none of the last
	// build's files however their keys match (build --full).
	Full bool
	// checks are the emitters whose checks run when the description's
	// own fail, so that every problem comes back at once (Generate, Vet).
	checks []emitters.Emitter
}

// Load reads, validates, decodes and checks the description in opts.Dir,
// and reads the Jsonnet files it names. Bad input is reported as
// Diagnostics holding every problem found. A secret input not encrypted to
// cluster.sops.ageRecipients is a warning.
func Load(ctx context.Context, opts Options) (*model.Description, Diagnostics, error) {
	d, _, diags, err := loadDir(ctx, opts)
	return d, diags, err
}

// loadDir is Load, which also returns the .cue files it read.
func loadDir(ctx context.Context, opts Options) (*model.Description, map[string][]byte, Diagnostics, error) {
	files, err := load.ReadDir(opts.Dir)
	if err != nil {
		return nil, nil, nil, err
	}
	d, diags, err := loadRead(ctx, opts, files)
	return d, files, diags, err
}

// loadRead is Load of the .cue files already read.
func loadRead(ctx context.Context, opts Options, files map[string][]byte) (d *model.Description, diags Diagnostics, err error) {
	// A secret input cut short is found without a key, at its line.
	if ds, err := inputs.CheckFormat(opts.Dir, secrets.InputFile); err != nil || len(ds) > 0 {
		return nil, ds, cmp.Or(err, error(ds))
	}
	if opts.SecretNames == nil {
		if opts.SecretNames, err = inputs.SecretNames(opts.Dir); err != nil {
			return nil, nil, err
		}
	}
	d, diags, err = LoadFiles(ctx, opts, files)
	if err != nil {
		return nil, diags, err
	}
	if d.Emitters.Talos.Enabled {
		ds, err := inputs.CheckFormat(opts.Dir, talos.SecretsFile, talos.ClientFile)
		if err != nil || len(ds) > 0 {
			return nil, append(diags, ds...), cmp.Or(err, error(ds))
		}
	}
	if more := load.ReadConfigFiles(d, opts.Dir); len(more) > 0 {
		diags = append(diags, more...)
		return nil, diags, diags
	}
	diags = append(diags, inputs.Stale(d, opts.Dir)...)
	d.Inputs.RepoPath = load.RepoPath(opts.Dir)
	if len(d.Emitters.Jsonnet) > 0 {
		if d.Inputs.Jsonnet, err = load.ReadJsonnet(opts.Dir); err != nil {
			return nil, diags, err
		}
	}
	return d, diags, nil
}

// LoadFiles is Load over .cue files already in memory, keyed by base name,
// with the secret names opts gives. The returned diagnostics hold warnings
// even when the error is nil.
func LoadFiles(ctx context.Context, opts Options, files map[string][]byte) (*model.Description, Diagnostics, error) {
	d, diags, err := load.Files(ctx, opts.Dir, files)
	if err != nil {
		return nil, diags, err
	}
	d.Inputs.SecretNames = slices.Sorted(slices.Values(opts.SecretNames))
	if opts.AnySecret {
		check.ForEachSecretRef(d, func(_, name string) { d.Inputs.SecretNames = append(d.Inputs.SecretNames, name) })
	}
	ds := append(diags, check.Check(d)...)
	if len(ds.Errors()) > 0 {
		// The emitters' checks see what the description's cannot (a
		// malformed secret reference); otherwise emit runs them. A place
		// both find wrong is reported once, as the description's check
		// says it.
		for _, e := range CheckEmitters(d, opts.checks) {
			if !slices.ContainsFunc(ds, func(x Diagnostic) bool { return !x.Warning && x.Pos == e.Pos && x.Path == e.Path }) {
				ds = append(ds, e)
			}
		}
		ds = ds.Sorted()
		return nil, ds, ds
	}
	return d, ds, nil
}

// Emit runs every enabled emitter in order and returns all their files.
// Emitters that check the description first do so before any emits, so
// their warnings come back even when an emitter later fails. Problems an
// emitter reports are positioned through the model; so are files an
// emitter must not write (an input of the description, a path outside its
// output roots, a path another emitter writes), at the line that made the
// path when the emitter says (a Jsonnet line). Every problem of every
// emitter comes back at once.
func Emit(ctx context.Context, d *model.Description, registry []emitters.Emitter) ([]emitters.File, Diagnostics, error) {
	return emit(ctx, d, registry, false, nil)
}

// emit is Emit, of the units inc says to make (all when nil); every file
// has its full unit name. lenient skips an emitter that fails with a plain
// error (one that cannot run without its inputs), keeping the others'
// problems.
func emit(ctx context.Context, d *model.Description, registry []emitters.Emitter, lenient bool, inc *partial) ([]emitters.File, Diagnostics, error) {
	diags := CheckEmitters(d, registry)
	if len(diags.Errors()) > 0 {
		return nil, diags, diags
	}
	scope := ScopeOf(d, registry)
	var files []emitters.File
	var bad Diagnostics
	owner := map[string]string{}
	// Indexers run last, over the others' paths.
	ordered := slices.Concat(slices.DeleteFunc(slices.Clone(registry), isIndexer), slices.DeleteFunc(slices.Clone(registry), notIndexer))
	for _, e := range ordered {
		if !e.Enabled(d) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, diags, err
		}
		out, err := inc.emitter(ctx, d, e, owner)
		var ps emitters.Problems
		if errors.As(err, &ps) {
			bad = append(bad, positioned(d, ps)...)
			continue
		}
		if err != nil && lenient && ctx.Err() == nil {
			continue
		}
		if err != nil {
			return nil, diags, fmt.Errorf("emitter %s: %w", e.Name(), err)
		}
		bad = append(bad, misplaced(d, e, append(inc.keptFiles(e.Name()), out...), scope, owner)...)
		files = append(files, out...)
	}
	if len(bad) > 0 {
		diags = append(diags, bad...).Sorted()
		return nil, diags, diags
	}
	return files, diags, nil
}

func isIndexer(e emitters.Emitter) bool  { _, ok := e.(emitters.Indexer); return ok }
func notIndexer(e emitters.Emitter) bool { return !isIndexer(e) }

// CheckEmitters runs the checks of the enabled emitters that have any
// (emitters.Checker): what Emit would refuse, found without emitting, so
// vet finds every problem build would.
func CheckEmitters(d *model.Description, registry []emitters.Emitter) Diagnostics {
	var diags Diagnostics
	for _, e := range registry {
		if c, ok := e.(emitters.Checker); ok && e.Enabled(d) {
			diags = append(diags, positioned(d, c.Check(d))...)
		}
	}
	return diags.Sorted()
}

func positioned(d *model.Description, ps emitters.Problems) Diagnostics {
	var diags Diagnostics
	for _, p := range ps {
		pos := p.Pos
		if !pos.IsValid() {
			pos = d.Pos.Of(p.Path)
		}
		diags = append(diags, Diagnostic{Pos: pos, Path: p.Path, Msg: p.Msg, Fix: p.Fix, Warning: p.Warning})
	}
	return diags
}

// Result is what Generate made.
type Result struct {
	Description *model.Description
	Files       []emitters.File
	// Diagnostics hold the warnings; on failure, the errors too.
	Diagnostics Diagnostics
	// Unlocked tells which age keys opened the secret inputs, and which
	// inputs no key was found for.
	Unlocked *inputs.Unlocked
	// Scope is what the sink may touch: the emitters' output roots, and
	// the inputs it must not.
	Scope sink.Scope
	// Trace is what the build read, for the manifest (sink.Plan.Record);
	// nil when a later build may not trust it: a secret input changed
	// while it ran.
	Trace map[string]string
	// Made are the keys of the units whose files are in Files (nil when
	// no key can be trusted), and Kept the units of the last build whose
	// files stand as they are on disk (package units).
	Made map[string]string
	Kept map[string]sink.Unit
}

// Plan compares the files with the tree in dir, sealing secret files with
// sealer, and records in the manifest what the build read and the units
// it made, as Generate found them.
func (r *Result) Plan(dir string, sealer sink.Sealer) (*sink.Plan, error) {
	p, err := sink.NewPlanKeeping(dir, r.Files, r.Kept, sealer, r.Scope)
	if err != nil {
		return nil, err
	}
	p.Record(r.Trace, len(r.Diagnostics))
	p.RecordUnits(r.Made)
	return p, nil
}

// Generate is the whole pipeline short of writing: Load, Unlock the secret
// inputs, Emit with registry, then the leak guard over every file that will
// not be encrypted.
func Generate(ctx context.Context, opts Options, registry []emitters.Emitter) (*Result, error) {
	// The secret inputs are read more than once; a trace keeps their
	// identity only if it held from the first read to the last.
	ciphertexts, cerr := inputs.Ciphertexts(opts.Dir)
	opts.checks = registry
	d, cue, diags, err := loadDir(ctx, opts)
	res := &Result{Description: d, Diagnostics: diags}
	if err != nil {
		return res, err
	}
	getenv := opts.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	if res.Unlocked, err = inputs.Unlock(d, opts.Dir, getenv); err != nil {
		var ds Diagnostics
		if errors.As(err, &ds) {
			res.Diagnostics = append(res.Diagnostics, ds...)
		}
		return res, err
	}
	inc := plan(opts, registry, ciphertexts, d)
	files, more, err := emit(ctx, d, registry, false, inc)
	// Units kept that disagree with what was made, or a failure (a file
	// made that a kept unit claims; a problem the kept units would show
	// too): the build of every unit says what is right, and reports all.
	if inc.partial() && (err != nil || !inc.trusted(files)) && ctx.Err() == nil {
		inc = inc.everything()
		files, more, err = emit(ctx, d, registry, false, inc)
	}
	res.Diagnostics = append(res.Diagnostics, more...)
	if err != nil {
		return res, err
	}
	warns, err := inputs.GuardLeaks(d, files)
	res.Diagnostics = append(res.Diagnostics, warns...)
	if err != nil {
		return res, err
	}
	res.Files = files
	res.Scope = ScopeOf(d, registry)
	// The kept units' files are part of the output whatever happens;
	// their keys and the trace only when the secret inputs held still.
	res.Kept = inc.keptUnits()
	if after, err := inputs.Ciphertexts(opts.Dir); cerr == nil && err == nil && maps.Equal(after, ciphertexts) {
		res.Trace = traceOf(opts, registry, cue, ciphertexts, d)
		res.Made = inc.made()
	}
	return res, nil
}
