package sink

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
)

// JournalName is the file a build writes before it moves any file into or
// out of place: every rename it is about to make. Until it says committed,
// the tree may be half changed, and the next build puts every file back
// from it before anything else; once committed, the next build finishes
// tidying up. A build killed at any point leaves the old tree or the new
// one, never a mix.
const JournalName = ".hogen-journal.json"

// journal is the on-disk form of JournalName.
type journal struct {
	// Committed is set once every file is in place: the build is then
	// finished, not undone.
	Committed bool `json:"committed,omitempty"`
	Ops       []op `json:"ops"`
	// Dirs are the directories the build made, in the order it made them.
	Dirs []string `json:"dirs,omitempty"`
}

// op is one file a build replaces, adds or removes.
type op struct {
	Path  string `json:"path"`
	Temp  string `json:"temp,omitempty"`  // base name of the new bytes, staged beside Path
	Aside string `json:"aside,omitempty"` // base name the old file is moved to
	New   string `json:"new,omitempty"`   // hash of the new bytes
}

// tempPattern matches the names of hogen's own temp files: the new bytes
// of a file (tmp) and an old file moved aside (old), beside the file.
var tempPattern = regexp.MustCompile(`^\.(.+)\.hogen-(tmp|old)[0-9]+-[0-9]+$`)

// tempName is the i-th name of kind ("tmp" or "old") for the file base.
func tempName(base, kind string, i int) string {
	return "." + base + ".hogen-" + kind + strconv.Itoa(os.Getpid()) + "-" + strconv.Itoa(i)
}

// isTempOf tells whether name is one of hogen's temp names for base.
func isTempOf(name, base string) bool {
	m := tempPattern.FindStringSubmatch(name)
	return m != nil && m[1] == base
}

// Acquire takes the build lock of dir, puts back whatever an interrupted
// build left half done (Lock.Recovered says so), and removes the temp files
// a killed build left. Hold it from before NewPlan until after Apply, then
// Unlock it.
func Acquire(dir string, scope Scope) (*Lock, error) {
	t, err := openTree(dir)
	if err != nil {
		return nil, err
	}
	l, err := lockTree(t)
	if err != nil {
		t.close()
		return nil, err
	}
	if l.Recovered, err = recoverJournal(t, scope); err != nil {
		l.Unlock()
		return nil, err
	}
	found, err := leftovers(t, scope)
	if err != nil {
		l.Unlock()
		return nil, err
	}
	for _, f := range found {
		if t.remove(f, false) == nil {
			removeEmptyParents(t, f)
		}
	}
	return l, nil
}

// errInterrupted is what a read-only plan says while a journal exists.
func errInterrupted(dir string) error {
	return fmt.Errorf("a build of %s was interrupted (%s is there): run 'hogen build %s' to put the old files back, then try again",
		dir, filepath.Join(dir, JournalName), dir)
}

// recoverJournal rolls back the build a journal describes, if any.
func recoverJournal(t *tree, scope Scope) (bool, error) {
	b, _, err := t.read(JournalName)
	if err != nil || b == nil {
		return false, err
	}
	name := filepath.Join(t.dir, JournalName)
	var j journal
	if err := json.Unmarshal(b, &j); err != nil {
		return false, fmt.Errorf("%s: %v: it is the record of an interrupted build, and hogen cannot read it; "+
			"nothing was changed; check 'git status' in %s, restore what the build changed, then delete %s", name, err, t.dir, name)
	}
	if err := j.check(scope); err != nil {
		return false, fmt.Errorf("%s: %w; nothing was changed: this is not a journal hogen wrote; check 'git status', then delete it", name, err)
	}
	if j.Committed {
		return false, tidy(t, &j)
	}
	if err := rollback(t, &j); err != nil {
		return false, fmt.Errorf("putting back what an interrupted build changed (from %s): %w", name, err)
	}
	return true, nil
}

// check refuses a journal that would have hogen move anything but its own
// temp files into place, or touch an input.
func (j *journal) check(scope Scope) error {
	for _, o := range j.Ops {
		if o.Path != ManifestName {
			if err := CheckPath(o.Path); err != nil {
				return err
			}
			if why := scope.protected(o.Path, nil); why != "" {
				return fmt.Errorf("%s %s", o.Path, why)
			}
		}
		base := path.Base(o.Path)
		if o.Temp != "" && !isTempOf(o.Temp, base) || o.Aside != "" && !isTempOf(o.Aside, base) {
			return fmt.Errorf("%s: %q, %q are not hogen's temp names for it", o.Path, o.Temp, o.Aside)
		}
		if o.New != "" && !hashPattern.MatchString(o.New) {
			return fmt.Errorf("%s: bad hash %q", o.Path, clip(o.New, 80))
		}
	}
	for _, d := range j.Dirs {
		if err := CheckPath(d); err != nil {
			return err
		}
	}
	return nil
}

// rollback undoes the ops of j, last first, whatever point the build
// reached: an old file moved aside goes back; a new file (with no old one)
// goes if it holds the bytes the build put there; temp files go. Each step
// looks at the disk first, so running it again after a crash is safe. The
// journal goes last, so a failure keeps it for the next try.
func rollback(t *tree, j *journal) error {
	var errs []error
	for _, o := range slices.Backward(j.Ops) {
		dir, base := path.Dir(o.Path), path.Base(o.Path)
		if o.Aside != "" {
			if e, err := t.lstat(path.Join(dir, o.Aside)); err != nil {
				errs = append(errs, err)
			} else if e.exists {
				errs = append(errs, t.rename(dir, o.Aside, base))
			}
		} else if o.Temp != "" {
			if b, _, err := t.read(o.Path); err == nil && b != nil && fileHash(b) == o.New {
				errs = append(errs, t.remove(o.Path, false))
			}
		}
		if o.Temp != "" {
			errs = append(errs, removeIfThere(t, path.Join(dir, o.Temp)))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	for _, d := range slices.Backward(j.Dirs) {
		_ = t.remove(d, true) // fails, harmlessly, when not empty
	}
	return removeIfThere(t, JournalName)
}

// tidy finishes a committed build: the old files moved aside go, then
// the directories prunes left empty, then the journal.
func tidy(t *tree, j *journal) error {
	for _, o := range j.Ops {
		if o.Aside != "" {
			if err := removeIfThere(t, path.Join(path.Dir(o.Path), o.Aside)); err != nil {
				return err
			}
		}
	}
	for _, o := range j.Ops {
		if o.New == "" {
			removeEmptyParents(t, o.Path)
		}
	}
	return removeIfThere(t, JournalName)
}

func removeIfThere(t *tree, rel string) error {
	e, err := t.lstat(rel)
	if err != nil || !e.exists {
		return err
	}
	return t.remove(rel, false)
}

// writeFile writes data to rel through a temp file, synced, and a rename:
// rel holds the old bytes or the new ones, never a part.
func writeFile(t *tree, rel string, data []byte) error {
	tmp, err := stageFile(t, rel, data, 0o644, false)
	if err != nil {
		return err
	}
	if err := t.rename(path.Dir(rel), tmp, path.Base(rel)); err != nil {
		_ = t.remove(path.Join(path.Dir(rel), tmp), false)
		return err
	}
	return t.syncDir(path.Dir(rel))
}

// stageFile writes data to a new temp file beside rel, synced, and
// returns its base name. The directory must exist.
func stageFile(t *tree, rel string, data []byte, perm os.FileMode, exact bool) (string, error) {
	for i := 0; ; i++ {
		tmp := tempName(path.Base(rel), "tmp", i)
		err := writeTemp(t, rel, tmp, data, perm, exact)
		if errors.Is(err, os.ErrExist) && i < 100 {
			continue
		}
		return tmp, err
	}
}

// writeTemp writes data to the new file tmp beside rel, synced.
func writeTemp(t *tree, rel, tmp string, data []byte, perm os.FileMode, exact bool) error {
	p := path.Join(path.Dir(rel), tmp)
	f, err := t.create(p, perm, exact, nil)
	if err != nil {
		return fmt.Errorf("writing %s: %w", rel, err)
	}
	_, werr := f.Write(data)
	if werr == nil {
		if werr = step("fsync", rel); werr == nil {
			werr = f.Sync()
		}
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		_ = t.remove(p, false)
		return fmt.Errorf("writing %s: %w", rel, werr)
	}
	return nil
}
