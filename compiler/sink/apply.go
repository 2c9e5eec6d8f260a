package sink

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path"
	"slices"

	"golang.org/x/sync/errgroup"
)

// Apply carries the plan out so that the tree is always the old one or the
// new one, even when the build is killed:
//  1. a journal records every move to come and every directory to make
//     (see JournalName);
//  2. the new bytes of every file go to a temp file beside it, synced;
//  3. every file is checked to be still what the plan read, and every
//     directory to be writable;
//  4. each old file is moved aside and its new one into place, the
//     manifest last;
//  5. marking the journal committed commits; then the old files go.
//
// A failure, or ctx being cancelled, before step 5 puts everything back
// from the journal: nothing is changed. The caller holds the Lock
// (Acquire).
func (p *Plan) Apply(ctx context.Context) error {
	if m, _ := p.newManifest(); len(p.Writes) == 0 && len(p.Prunes) == 0 && m == nil {
		return nil
	}
	t, err := openTree(p.root)
	if err != nil {
		return err
	}
	defer t.close()
	j, staged, err := p.journal(t)
	if err == nil {
		err = writeJournal(t, j)
	}
	if err != nil {
		return fmt.Errorf("%w (nothing was changed)", err)
	}
	err = stage(ctx, t, j, staged)
	if err == nil {
		err = errors.Join(p.preflight(t), ctx.Err())
	}
	if err == nil {
		err = swap(t, j)
	}
	if err != nil {
		return undo(t, j, err)
	}
	// The commit: from here on, a killed build is finished, not undone.
	j.Committed = true
	if err := writeJournal(t, j); err != nil {
		j.Committed = false
		return undo(t, j, err)
	}
	if err := tidy(t, j); err != nil {
		return fmt.Errorf("every file is written, but tidying up failed: %w (the next build finishes it)", err)
	}
	return nil
}

// content is what one op writes: its bytes, and the permissions of the
// file it replaces (0 for a new one, which gets the usual 0644 and umask).
type content struct {
	data []byte
	mode os.FileMode
}

// journal plans the moves: every write, prune and the manifest, each with
// free names for its temp file and for the old file to move aside, and the
// directories to make. staged[i] is what Ops[i] writes.
func (p *Plan) journal(t *tree) (*journal, []content, error) {
	j := &journal{}
	var staged []content
	for _, c := range p.Writes {
		j.Ops = append(j.Ops, op{Path: c.Path, New: fileHash(c.New)})
		staged = append(staged, content{c.New, c.mode})
	}
	for _, c := range p.Prunes {
		j.Ops = append(j.Ops, op{Path: c.Path})
		staged = append(staged, content{})
	}
	if m, _ := p.newManifest(); m != nil {
		j.Ops = append(j.Ops, op{Path: ManifestName, New: fileHash(m)})
		staged = append(staged, content{m, 0})
	}
	made := map[string]bool{}
	for i := range j.Ops {
		o := &j.Ops[i]
		e, err := t.lstat(o.Path)
		if err != nil {
			return nil, nil, err
		}
		if e.exists {
			if o.Aside, err = freeName(t, o.Path, "old"); err != nil {
				return nil, nil, err
			}
		}
		if o.New == "" {
			continue
		}
		if o.Temp, err = freeName(t, o.Path, "tmp"); err != nil {
			return nil, nil, err
		}
		if err := missingDirs(t, path.Dir(o.Path), made, &j.Dirs); err != nil {
			return nil, nil, err
		}
	}
	return j, staged, nil
}

// freeName is a temp name of kind for rel that nothing has.
func freeName(t *tree, rel, kind string) (string, error) {
	for n := 0; ; n++ {
		name := tempName(path.Base(rel), kind, n)
		e, err := t.lstat(path.Join(path.Dir(rel), name))
		if err != nil || !e.exists {
			return name, err
		}
	}
}

// missingDirs appends dir and its ancestors that do not exist, shallowest
// first, to dirs.
func missingDirs(t *tree, dir string, seen map[string]bool, dirs *[]string) error {
	if dir == "." || seen[dir] {
		return nil
	}
	seen[dir] = true
	if err := missingDirs(t, path.Dir(dir), seen, dirs); err != nil {
		return err
	}
	e, err := t.lstat(dir)
	if err == nil && !e.exists {
		*dirs = append(*dirs, dir)
	}
	return err
}

func writeJournal(t *tree, j *journal) error {
	data, _ := json.MarshalIndent(j, "", "  ")
	return writeFile(t, JournalName, data)
}

// stage makes the journal's directories and writes the new bytes of every
// file to its temp file, several at once (writing waits on fsync more than
// on the CPU).
func stage(ctx context.Context, t *tree, j *journal, staged []content) error {
	for _, d := range j.Dirs {
		fd, err := t.openDir(d, new([]string))
		if err != nil {
			return fmt.Errorf("creating directory %s: %w", d, err)
		}
		closeFD(fd)
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(stageWorkers)
	for i, o := range j.Ops {
		if o.Temp == "" {
			continue
		}
		g.Go(func() error {
			if err := gctx.Err(); err != nil {
				return err
			}
			perm, exact := os.FileMode(0o644), staged[i].mode != 0
			if exact {
				perm = staged[i].mode
			}
			return writeTemp(t, o.Path, o.Temp, staged[i].data, perm, exact)
		})
	}
	return g.Wait()
}

// stageWorkers bounds the temp files written at once.
const stageWorkers = 16

// preflight checks, before anything moves, that every file is still what
// the plan read, and that hogen may change every directory involved.
func (p *Plan) preflight(t *tree) error {
	var errs []error
	dirs := map[string]bool{".": true}
	still := func(rel string, want []byte) {
		dirs[path.Dir(rel)] = true
		b, _, err := t.read(rel)
		switch {
		case err != nil:
			errs = append(errs, err)
		case (b == nil) != (want == nil) || string(b) != string(want):
			errs = append(errs, fmt.Errorf("%s changed while hogen was building", rel))
		}
	}
	for _, c := range slices.Concat(p.Writes, p.Prunes) {
		still(c.Path, c.Old)
	}
	still(ManifestName, p.oldManifest)
	for _, d := range slices.Sorted(maps.Keys(dirs)) {
		if err := t.writable(d); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("nothing was changed:\n\t%w\nfix that, then build again", joinLines(errs))
	}
	return nil
}

// swap moves each old file aside and its new one into place.
func swap(t *tree, j *journal) error {
	dirs := map[string]bool{}
	for _, o := range j.Ops {
		dir, base := path.Dir(o.Path), path.Base(o.Path)
		dirs[dir] = true
		if o.Aside != "" {
			if err := t.rename(dir, base, o.Aside); err != nil {
				return fmt.Errorf("moving %s aside: %w", o.Path, err)
			}
		}
		if o.Temp != "" {
			if err := t.rename(dir, o.Temp, base); err != nil {
				return fmt.Errorf("writing %s: %w", o.Path, err)
			}
		}
	}
	// The moves are durable before the commit makes them final.
	for _, d := range slices.Sorted(maps.Keys(dirs)) {
		if err := t.syncDir(d); err != nil {
			return err
		}
	}
	return nil
}

// undo puts back what a failed swap moved.
func undo(t *tree, j *journal, cause error) error {
	if err := rollback(t, j); err != nil {
		return fmt.Errorf("%w; putting the old files back failed too (%v): the next build tries again from %s", cause, err, JournalName)
	}
	return fmt.Errorf("%w (nothing was changed: every file was put back)", cause)
}

// removeEmptyParents removes directories a prune left empty, up to root.
func removeEmptyParents(t *tree, p string) {
	for dir := path.Dir(p); dir != "."; dir = path.Dir(dir) {
		if t.remove(dir, true) != nil {
			return
		}
	}
}
