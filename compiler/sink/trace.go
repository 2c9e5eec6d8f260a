package sink

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
)

// Trace is what a complete build read, kept in the manifest so that the
// next build can tell, without evaluating anything, that nothing its
// files depend on changed. Like the rest of the manifest it is a claim:
// the compiler hashes what it reads now and compares, and Fresh hashes the
// files on disk; a trace counts only for the files it was recorded with.
type Trace struct {
	// Inputs maps each thing the build depended on, named by the compiler
	// (a file read, hogen's version, the emitters), to its sha256; ""
	// records a file that was absent.
	Inputs map[string]string `json:"inputs"`
	// Files is the sha256 of the manifest's files and digests as the build
	// that recorded the trace left them, and of Inputs: any later change
	// to the manifest (a merge, a hand edit) voids the trace.
	Files string `json:"files"`
	// Warnings is how many warnings the build printed: an unchanged build
	// says how many there are (hogen vet shows them) rather than go quiet,
	// or print text read from a file anyone can edit.
	Warnings int `json:"warnings,omitempty"`
}

// bind is the digest that binds a trace's inputs to the files it was
// recorded with.
func bind(inputs, hashes map[string]string, digests map[string]recorded, units map[string]Unit, warnings int) string {
	b, _ := json.Marshal(struct {
		I map[string]string   `json:"i"`
		F map[string]string   `json:"f"`
		D map[string]recorded `json:"d"`
		U map[string]Unit     `json:"u,omitempty"`
		W int                 `json:"w,omitempty"`
	}{inputs, hashes, digests, keptUnits(units, hashes), warnings})
	return fileHash(b)
}

// check says what is wrong with a trace read from a manifest.
func (tr *Trace) check() error {
	if tr.Warnings < 0 {
		return errors.New(`the trace's "warnings" is negative`)
	}
	if !hashPattern.MatchString(tr.Files) {
		return errors.New(`the trace's "files" is not a sha256`)
	}
	for _, k := range slices.Sorted(maps.Keys(tr.Inputs)) {
		if h := tr.Inputs[k]; h != "" && !hashPattern.MatchString(h) {
			return fmt.Errorf("the trace's hash of %s is %s, not sha256: and 64 hex digits", clip(k, 80), clip(h, 80))
		}
	}
	return nil
}

// Record keeps inputs in the manifest as the trace of this build, when the
// plan checked every file: a build that kept secret files unverified made
// no tree a later build may trust unseen, and keeps the trace it found,
// which its files digest binds to the files it was made with.
func (p *Plan) Record(inputs map[string]string, warnings int) {
	if len(p.Unverified) > 0 || inputs == nil {
		return
	}
	p.trace, p.newTrace = &Trace{Inputs: inputs, Warnings: warnings}, true
	p.encode()
}

// Hash is how a trace records bytes read.
func Hash(b []byte) string { return fileHash(b) }

// HashString is Hash of a string, for inputs that are no file (a version).
func HashString(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// Fresh tells whether the tree under dir is exactly as the last complete
// build left it, and that build's inputs are unchanged: the manifest has a
// trace that current accepts (the compiler hashes what it would read now),
// no build is under way, and every file the manifest lists holds the
// bytes recorded for it, and no temp file of a killed build lies beside
// them (only a full build removes those). It returns how many files there
// are, and how many warnings that build printed. Anything it
// cannot read or trust is simply not fresh: a full build then finds and
// reports it. A build that will write passes lock, so that no other
// build is writing while it looks.
func Fresh(dir string, lock bool, current func(recorded map[string]string) bool) (n, warnings int, fresh bool) {
	t, err := openTree(dir)
	if err != nil {
		return 0, 0, false
	}
	defer t.close()
	if lock {
		lt, err := openTree(dir)
		if err != nil {
			return 0, 0, false
		}
		l, err := lockTree(lt) // Unlock closes lt
		if err != nil {
			lt.close()
			return 0, 0, false
		}
		defer l.Unlock()
	}
	if e, err := t.lstat(JournalName); err != nil || e.exists {
		return 0, 0, false
	}
	own, _, err := readManifest(t)
	if err != nil || own.trace == nil || own.trace.Files != bind(own.trace.Inputs, own.hashes, own.digests, own.units, own.trace.Warnings) {
		return 0, 0, false
	}
	if !current(own.trace.Inputs) {
		return 0, 0, false
	}
	// A temp file of a killed build in the top directory or beside a
	// generated file makes the tree not fresh: the full build removes it.
	ok := t.readEachIn(slices.Collect(maps.Keys(own.hashes)), func(p string, b []byte) bool {
		return own.hashes[p] != "" && fileHash(b) == own.hashes[p]
	}, func(_ string, names []string) bool {
		return !slices.ContainsFunc(names, tempPattern.MatchString)
	})
	if !ok {
		return 0, 0, false
	}
	return len(own.hashes), own.trace.Warnings, true
}
