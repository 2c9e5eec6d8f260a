// Package units keys the units of a build's output: each emitter's output
// is one unit, or many when it is emitters.Unitized (a node, an app), and
// each unit's key is a digest of exactly what its files are made of. A
// build remakes only the units whose key changed, or whose files on disk
// are not as written (sink.Reusable); it keeps the others' files unread.
package units

import (
	"maps"
	"slices"

	"github.com/hogen-dev/hogen/compiler/model"
	"github.com/hogen-dev/hogen/emitters"
)

// Common is what shapes every file of a build besides the emitter's part
// of the model.
type Common struct {
	// Identity is the hogen that builds (a release's tag, or the
	// executable's build ID): another hogen may write other bytes.
	Identity string
	// Ciphertexts are the secret inputs' ciphertext identities (their
	// sha256): the decrypted values are never digested.
	Ciphertexts map[string]string
}

// Set is the units of a build of one description, by full name.
type Set struct {
	// Keys maps each unit to its key.
	Keys map[string]string
	// needs maps a unit to the units it needs made with it; emitter names
	// each unit's emitter.
	needs   map[string][]string
	emitter map[string]string
	// common is the digest of Common and what every key shares.
	common string
	whole  string // the digest of the whole description
}

// Name is a unit's full name: its emitter's, and its own in the emitter;
// an emitter that is not Unitized is one unit named as itself.
func Name(emitter, unit string) string {
	if unit == "" {
		return emitter
	}
	return emitter + "/" + unit
}

// Of keys the units of the enabled emitters of registry, but for the
// Indexers, whose keys depend on the other files (IndexKey). Only the
// SOPS recipients and the inputs beside the description are added to c,
// for every unit: they shape the sealed bytes of any file.
func Of(d *model.Description, registry []emitters.Emitter, c Common) *Set {
	s := &Set{Keys: map[string]string{}, needs: map[string][]string{}, emitter: map[string]string{}}
	s.common = model.Digest(struct {
		C          Common
		Recipients []string
		Inputs     model.Inputs
	}{c, d.Cluster.SOPS.AgeRecipients, d.Inputs})
	for _, e := range registry {
		if !e.Enabled(d) {
			continue
		}
		if _, ok := e.(emitters.Indexer); ok {
			continue
		}
		u, ok := e.(emitters.Unitized)
		if !ok {
			s.Keys[e.Name()] = s.key(e.Name(), "", s.wholeDigest(d))
			s.emitter[e.Name()] = e.Name()
			continue
		}
		for _, unit := range u.Units(d) {
			name := Name(e.Name(), unit.Name)
			s.Keys[name] = s.key(e.Name(), unit.Name, model.Digest(unit.Shape))
			s.emitter[name] = e.Name()
			for _, n := range unit.Needs {
				s.needs[name] = append(s.needs[name], Name(e.Name(), n))
			}
		}
	}
	return s
}

// IndexKey is the key of an Indexer's one unit, made from the whole
// description and the paths of the other emitters' files.
func (s *Set) IndexKey(d *model.Description, emitter string, paths []string) string {
	return s.key(emitter, "", model.Digest(struct {
		D     string
		Paths []string
	}{s.wholeDigest(d), paths}))
}

func (s *Set) key(emitter, unit, shape string) string {
	return model.Digest([4]string{s.common, emitter, unit, shape})
}

func (s *Set) wholeDigest(d *model.Description) string {
	if s.whole == "" {
		s.whole = model.Digest(d)
	}
	return s.whole
}

// Make returns the units a build must make when those in kept need not
// be: every other unit, and every unit a unit made needs.
func (s *Set) Make(kept func(unit string) bool) map[string]bool {
	out := map[string]bool{}
	var add func(string)
	add = func(u string) {
		if out[u] {
			return
		}
		out[u] = true
		for _, n := range s.needs[u] {
			add(n)
		}
	}
	for _, u := range slices.Sorted(maps.Keys(s.Keys)) {
		if !kept(u) {
			add(u)
		}
	}
	return out
}

// Emitter names the emitter of a unit of the set.
func (s *Set) Emitter(unit string) string { return s.emitter[unit] }
