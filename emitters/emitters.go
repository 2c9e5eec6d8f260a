// Package emitters holds the contract between the compiler and the things
// that turn a cluster description into files, and the ordered registry of
// the built-in ones.
package emitters

import (
	"context"
	"fmt"

	"github.com/hogen-dev/hogen/compiler/model"
)

// File is one generated file.
type File struct {
	// Path is relative to the output root, with forward slashes.
	Path string
	// Data is the file's plaintext contents. For a Secret file, nil means
	// the plaintext is unknown because no private key was available: the
	// sink keeps the file on disk as it is and reports it unverified.
	Data []byte
	// Secret files are encrypted before they reach disk; the leak guard
	// skips them. EncryptedRegex, when set, limits encryption to the keys
	// it matches (SOPS encrypted_regex); empty means every value.
	Secret         bool
	EncryptedRegex string
	// Digest, for a Secret file whose contents come from secret inputs, is
	// a digest of everything else they come from: it changes when the file
	// would, but for the secrets. The sink keeps it in its manifest, so that
	// a build without the key can still tell that the file is stale.
	Digest string
	// Unit, for an emitter whose output is made in units (Unitized), is
	// the unit that made the file; the compiler names it in full.
	Unit string
	// Origin, when the emitter knows it, is where the description (or a
	// file it reads, such as a Jsonnet emitter) decides this file's path:
	// problems with the path are reported there.
	Origin model.Pos
}

// Emitter turns the model into files. It is pure: no disk, no clock, no
// randomness but what the model gives it.
type Emitter interface {
	// Name is how the description and error messages refer to it.
	Name() string
	// Enabled tells whether the description asks for it.
	Enabled(d *model.Description) bool
	// Emit returns the emitter's files.
	Emit(ctx context.Context, d *model.Description) ([]File, error)
}

// Rooted is implemented by every emitter that writes files: Roots
// declares where they go, as slash paths, each a directory or a file ("."
// is the whole tree), under which every file it emits lies. The compiler
// refuses a file outside its emitter's roots, and the sink prunes a file
// hogen generated before only under the roots of the registry's emitters,
// enabled or not: the manifest alone is never enough.
type Rooted interface {
	Roots(d *model.Description) []string
}

// Func adapts plain functions to Emitter and Rooted.
type Func struct {
	ID      string
	IsOn    func(d *model.Description) bool
	EmitFn  func(ctx context.Context, d *model.Description) ([]File, error)
	RootsFn func(d *model.Description) []string
}

// Roots implements Rooted; no RootsFn declares none.
func (f Func) Roots(d *model.Description) []string {
	if f.RootsFn == nil {
		return nil
	}
	return f.RootsFn(d)
}

// Name implements Emitter.
func (f Func) Name() string { return f.ID }

// Enabled implements Emitter.
func (f Func) Enabled(d *model.Description) bool { return f.IsOn == nil || f.IsOn(d) }

// Emit implements Emitter.
func (f Func) Emit(ctx context.Context, d *model.Description) ([]File, error) {
	return f.EmitFn(ctx, d)
}

// Problem is something wrong with the description that an emitter found,
// named by its description path ("nodes.mini01.installDisk") so the compiler
// can point at the user's file:line:col.
type Problem struct {
	Path    string
	Msg     string
	Fix     string
	Warning bool
	// Pos, when set, is where the problem is in a file the description
	// reads (a Jsonnet line), which Path's position cannot say.
	Pos model.Pos
}

// Problems is a list of problems; as an error it fails the build, and the
// compiler reports each with its position.
type Problems []Problem

func (ps Problems) Error() string {
	if len(ps) == 0 {
		return "no problems"
	}
	s := ps[0].Path + ": " + ps[0].Msg
	if len(ps) > 1 {
		s += fmt.Sprintf(" (and %d more)", len(ps)-1)
	}
	return s
}

// Checker is implemented by emitters that look at the description before
// any emitter runs, for errors and warnings (e.g. an unknown Talos version).
type Checker interface {
	Check(d *model.Description) Problems
}

// Indexer is implemented by emitters whose files describe the other
// emitters' files rather than the model (Renovate rules that keep its
// managers off them): the compiler calls Index after every other emitter,
// with their paths sorted, instead of Emit.
type Indexer interface {
	Index(ctx context.Context, d *model.Description, paths []string) ([]File, error)
}

// Unit is a part of an emitter's output made apart from the rest (one
// node's config, one app's directory), so that a build remakes only the
// units whose inputs changed.
type Unit struct {
	// Name is unique among the emitter's units and the same from one build
	// to the next: "node/mini01".
	Name string
	// Shape is everything the unit's files are made of: the parts of the
	// model, and digests (model.Digest) of parts shared by many units. Its
	// digest, with hogen's identity, the emitter, the SOPS recipients and
	// the secret inputs' ciphertexts, is the unit's key: a value that can
	// change a file of the unit and is not in its shape would let the
	// build keep a stale file. A test mutates every field of the model to
	// prove that none is missing.
	Shape any
	// Needs are the units whose files this unit's checks read (a
	// kustomization.yaml built with the files it lists): when this unit is
	// made, they are made with it.
	Needs []string
}

// Part is the shape of a unit made of what many units share (its digest,
// computed once) and the unit's own part of the model.
type Part[T any] struct {
	Shared string
	Own    T
}

// Unitized is implemented by emitters whose output is made in units.
type Unitized interface {
	// Units are the emitter's units for d, in a stable order.
	Units(d *model.Description) []Unit
	// EmitUnits is Emit of the units want accepts only (every unit when
	// want is nil), each file's Unit set.
	EmitUnits(ctx context.Context, d *model.Description, want func(unit string) bool) ([]File, error)
}
