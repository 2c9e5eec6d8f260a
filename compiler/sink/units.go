package sink

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hogen-dev/hogen/emitters"
)

// Unit is what the manifest records of one unit of an emitter's output (a
// node's config, an app's directory): the key it was made with, a digest
// of exactly what its files are made of, and the files it made. A later
// build whose key for the unit is the same, and finds those files as they
// were written, need not make them again: it keeps them, unread by any
// emitter or sealer. Like the rest of the manifest it is a claim, checked
// against the files on disk; CI builds with --full, which trusts none.
type Unit struct {
	Key   string   `json:"key"`
	Files []string `json:"files"`
}

// checkUnits says what is wrong with the units a manifest records: a
// malformed key (none is one never kept), a file it does not list, a file two units claim or one
// lists twice.
func checkUnits(units map[string]Unit, hashes map[string]string) error {
	claimed := map[string]string{}
	for _, name := range slices.Sorted(maps.Keys(units)) {
		u := units[name]
		if name == "" {
			return errors.New(`a unit has no name`)
		}
		if u.Key != "" && !hashPattern.MatchString(u.Key) {
			return fmt.Errorf("the key of unit %s is %s, not sha256: and 64 hex digits", clip(name, 80), clip(u.Key, 80))
		}
		for _, f := range u.Files {
			if _, ok := hashes[f]; !ok {
				return fmt.Errorf("unit %s claims %s, which \"files\" does not list", clip(name, 80), clip(f, 80))
			}
			if other, dup := claimed[f]; dup && other == name {
				return fmt.Errorf("unit %s lists %s twice", clip(name, 80), clip(f, 80))
			} else if dup {
				return fmt.Errorf("units %s and %s both claim %s", clip(other, 80), clip(name, 80), clip(f, 80))
			}
			claimed[f] = name
		}
	}
	return nil
}

// Recorded is what the manifest in a directory records of the units of
// the last builds, read once for a build.
type Recorded struct {
	dir    string
	units  map[string]Unit
	hashes map[string]string
}

// Unit is the unit recorded by name, if any.
func (r *Recorded) Unit(name string) (Unit, bool) {
	if r == nil {
		return Unit{}, false
	}
	u, ok := r.units[name]
	return u, ok
}

// ReadUnits reads the units the manifest in dir records. Anything it
// cannot read or trust (no manifest, a bad one, a build under way) records
// none, never an error: the build then makes every unit, and the plan
// reports what is wrong.
func ReadUnits(dir string) *Recorded {
	t, err := openTree(dir)
	if err != nil {
		return nil
	}
	defer t.close()
	if e, err := t.lstat(JournalName); err != nil || e.exists {
		return nil
	}
	own, _, err := readManifest(t)
	if err != nil {
		return nil
	}
	return &Recorded{dir: dir, units: own.units, hashes: own.hashes}
}

// Reusable returns the recorded units with the keys a build gives them now
// (keys, by unit), whose every file is on disk holding the bytes recorded:
// those the build can keep rather than make again. A file edited or gone
// makes its unit not reusable.
func (r *Recorded) Reusable(keys map[string]string) map[string]Unit {
	out := map[string]Unit{}
	if r == nil {
		return out
	}
	// A file no unit claims is a unit's that the manifest lost (edited,
	// merged): which unit is unknown, so none is kept, or that file would
	// be neither made nor kept, and pruned.
	claimed := map[string]bool{}
	for _, u := range r.units {
		for _, f := range u.Files {
			claimed[f] = true
		}
	}
	for f := range r.hashes {
		if !claimed[f] {
			return out
		}
	}
	var paths []string
	for name, u := range r.units {
		if k, ok := keys[name]; ok && k == u.Key {
			out[name] = u
			paths = append(paths, u.Files...)
		}
	}
	t, err := openTree(r.dir)
	if err != nil {
		return map[string]Unit{}
	}
	defer t.close()
	// A file holding a private key is made again, for the sink's checks
	// to refuse it.
	bad := map[string]bool{}
	intact := func(p string, b []byte) bool {
		return r.hashes[p] != "" && fileHash(b) == r.hashes[p] && !bytes.Contains(b, ageKeyMarker)
	}
	all := t.readEach(paths, func(p string, b []byte) bool {
		bad[p] = !intact(p, b)
		return true
	})
	for name, u := range out {
		// A file missing stops readEach: each unit is then read alone.
		if slices.ContainsFunc(u.Files, func(f string) bool { return bad[f] }) || !all && !t.readEach(u.Files, intact) {
			delete(out, name)
		}
	}
	return out
}

// keep adds the files of the units kept from the last build to the plan's
// items, as they are on disk, after checking that the manifest still
// records each unit with the same key and that its files still hold the
// bytes recorded: another build, or an editor, may have changed them since
// Reusable looked.
func keep(t *tree, own owned, kept map[string]Unit) ([]item, error) {
	var items []item
	var changed []string
	for _, name := range slices.Sorted(maps.Keys(kept)) {
		u := kept[name]
		if rec, ok := own.units[name]; !ok || rec.Key != u.Key || !slices.Equal(rec.Files, u.Files) {
			changed = append(changed, ManifestName+" (unit "+clip(name, 80)+")")
			continue
		}
		for _, p := range u.Files {
			items = append(items, item{f: emitters.File{Path: p, Unit: name}, kept: true})
		}
	}
	// Read as Reusable did, each directory opened once: a kept file is
	// neither compared nor rewritten, so its bytes are not kept.
	var paths []string
	for _, it := range items {
		paths = append(paths, it.f.Path)
	}
	if !t.readEach(paths, func(p string, b []byte) bool { return fileHash(b) == own.hashes[p] }) {
		for _, p := range paths {
			if old, _, err := t.read(p); err != nil || old == nil || fileHash(old) != own.hashes[p] {
				changed = append(changed, p)
			}
		}
	}
	if len(changed) > 0 {
		return nil, fmt.Errorf("changed while hogen was building:\n\t%s\nbuild again", strings.Join(changed, "\n\t"))
	}
	return items, nil
}

// RecordUnits records in the manifest the units this build made, with
// their keys (unit name to key), beside those it kept. A unit with a file
// kept unverified (no key to make it) is recorded with no key, never to be
// kept: nothing checked that its files are what its key says, but every
// file stays claimed by a unit (Reusable).
func (p *Plan) RecordUnits(keys map[string]string) {
	files := map[string][]string{}
	bad := map[string]bool{}
	for _, it := range p.items {
		u := it.f.Unit
		if it.kept || keys[u] == "" {
			continue
		}
		files[u] = append(files[u], it.f.Path)
		bad[u] = bad[u] || it.unverified
	}
	for name, key := range keys {
		if _, kept := p.units[name]; kept {
			continue
		}
		if bad[name] {
			key = ""
		}
		p.units[name] = Unit{Key: key, Files: append([]string{}, slices.Sorted(slices.Values(files[name]))...)}
	}
	p.encode()
}
