// Package compiler turns a cluster description into files. It is a library;
// the CLI only maps flags onto it. The pipeline:
//
//  1. Load reads the directory's .cue files, unifies them with hogen's
//     embedded schema (package schema), validates them as concrete, and
//     decodes them once into the typed model (package model), with the
//     position of every field the user wrote.
//  2. Check runs the cross-file checks the schema cannot express (unique
//     addresses, networks, the app graph); all problems come back at once
//     as Diagnostics, in the user's terms, with file:line:col.
//  3. Emit runs the enabled emitters from the ordered registry; each is a
//     pure function from the model to files. Nothing is written here.
//  4. The sink (package sink) writes, checks or diffs the files.
package compiler

import (
	"context"
	"errors"
	"fmt"

	"github.com/hogen-dev/hogen/compiler/model"
	"github.com/hogen-dev/hogen/emitters"
)

// Emit runs every enabled emitter in order and returns all their files.
// Emitters that check the description first do so before any emits, so
// their warnings come back even when an emitter later fails. Problems an
// emitter reports are positioned through the model.
func Emit(ctx context.Context, d *model.Description, registry []emitters.Emitter) ([]emitters.File, Diagnostics, error) {
	diags := CheckEmitters(d, registry)
	if len(diags.Errors()) > 0 {
		return nil, diags, diags
	}
	var files []emitters.File
	owner := map[string]string{}
	for _, e := range registry {
		if !e.Enabled(d) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, diags, err
		}
		out, err := e.Emit(ctx, d)
		var ps emitters.Problems
		if errors.As(err, &ps) {
			diags = append(diags, positioned(d, ps)...)
			return nil, diags, diags
		}
		if err != nil {
			return nil, diags, fmt.Errorf("emitter %s: %w", e.Name(), err)
		}
		for _, f := range out {
			if prev, dup := owner[f.Path]; dup {
				return nil, diags, fmt.Errorf("emitters %s and %s both write %s", prev, e.Name(), f.Path)
			}
			owner[f.Path] = e.Name()
		}
		files = append(files, out...)
	}
	return files, diags, nil
}

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
		diags = append(diags, Diagnostic{Pos: d.Pos.Of(p.Path), Path: p.Path, Msg: p.Msg, Fix: p.Fix, Warning: p.Warning})
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
	Unlocked *Unlocked
}

// Generate is the whole pipeline short of writing: Load, Unlock the secret
// inputs, Emit with registry, then the leak guard over every file that will
// not be encrypted.
func Generate(ctx context.Context, opts Options, registry []emitters.Emitter) (*Result, error) {
	d, diags, err := Load(ctx, opts)
	res := &Result{Description: d, Diagnostics: diags}
	if err != nil {
		return res, err
	}
	getenv := opts.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	if res.Unlocked, err = Unlock(d, opts.Dir, getenv); err != nil {
		var ds Diagnostics
		if errors.As(err, &ds) {
			res.Diagnostics = append(res.Diagnostics, ds...)
		}
		return res, err
	}
	files, more, err := Emit(ctx, d, registry)
	res.Diagnostics = append(res.Diagnostics, more...)
	if err != nil {
		return res, err
	}
	warns, err := GuardLeaks(d, files)
	res.Diagnostics = append(res.Diagnostics, warns...)
	if err != nil {
		return res, err
	}
	res.Files = files
	return res, nil
}
