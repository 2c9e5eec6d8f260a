package sink

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"strconv"

	"golang.org/x/sync/errgroup"
)

// Apply carries the plan out in an order that keeps the tree whole:
//  1. every new file is written to a temp file beside its target (a
//     failure, or ctx being cancelled, removes them: nothing changed);
//  2. the temp files are renamed into place (a failed rename puts back
//     what the earlier renames replaced);
//  3. stale files are pruned;
//  4. the manifest is replaced last, listing every generated file plus
//     any stale one a failed prune left, so the next build prunes it.
func (p *Plan) Apply(ctx context.Context) error {
	if p.Clean() {
		return nil
	}
	root, err := os.OpenRoot(p.root)
	if err != nil {
		return fmt.Errorf("opening output directory: %w", err)
	}
	defer root.Close()
	st := &staging{root: root}
	if err := st.stageAll(ctx, p.Writes); err != nil {
		st.rollback()
		return err
	}
	for i, s := range st.staged {
		if err := root.Rename(s.tmp, s.target); err != nil {
			restore(root, p.Writes[:i])
			st.rollback()
			return fmt.Errorf("writing %s: %w (the files written before it were put back)", s.target, err)
		}
	}
	owned := slices.Clone(p.generated)
	var pruneErr error
	for i, c := range p.Prunes {
		if err := root.Remove(c.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			pruneErr = fmt.Errorf("pruning %s: %w", c.Path, err)
			for _, left := range p.Prunes[i:] {
				owned = append(owned, left.Path)
			}
			break
		}
		removeEmptyParents(root, c.Path)
	}
	manifest := p.manifest
	if pruneErr != nil {
		manifest = encodeManifest(owned, p.digests)
	}
	if manifest != nil {
		if err := writeAtomic(root, ManifestName, manifest); err != nil {
			return errors.Join(pruneErr, err)
		}
	}
	return pruneErr
}

// restore puts back what the given writes replaced: old bytes where there
// were some, nothing where the file was new.
func restore(root *os.Root, done []Change) {
	for _, c := range done {
		if c.Old == nil {
			_ = root.Remove(c.Path)
		} else {
			_ = writeAtomic(root, c.Path, c.Old)
		}
	}
}

// writeAtomic replaces one file through a temp file and a rename.
func writeAtomic(root *os.Root, target string, data []byte) error {
	st := &staging{root: root}
	if err := st.stageAll(context.Background(), []Change{{Path: target, New: data}}); err != nil {
		st.rollback()
		return err
	}
	if err := root.Rename(st.staged[0].tmp, target); err != nil {
		st.rollback()
		return fmt.Errorf("writing %s: %w", target, err)
	}
	return nil
}

type stagedFile struct{ tmp, target string }

// staging tracks temp files and the directories made for them.
type staging struct {
	root   *os.Root
	staged []stagedFile
	dirs   []string // directories this apply created, deepest last
	// exist are directories known to exist, so that siblings do not each
	// look their parents up again.
	exist map[string]bool
}

// stageWorkers bounds the temp files written at once: writing waits on
// fsync more than on the CPU, so more than the cores pays.
const stageWorkers = 16

// stageAll writes each change's bytes to a temp file beside its target,
// several at once; staged[i] is writes[i]'s. On an error, or ctx being
// cancelled, it stops and returns it: rollback removes what was made.
func (s *staging) stageAll(ctx context.Context, writes []Change) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	for _, w := range writes {
		if err := s.mkdirs(path.Dir(w.Path)); err != nil {
			return err
		}
	}
	s.staged = make([]stagedFile, len(writes))
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(stageWorkers)
	for i, w := range writes {
		g.Go(func() error {
			if err := ctx.Err(); err != nil {
				return err
			}
			tmp, err := s.writeTemp(w.Path, w.New)
			s.staged[i] = stagedFile{tmp: tmp, target: w.Path}
			return err
		})
	}
	return g.Wait()
}

// writeTemp writes data to a new temp file beside target and syncs it. It
// returns the temp file's name whenever it made one, even on an error.
func (s *staging) writeTemp(target string, data []byte) (string, error) {
	for i := 0; ; i++ {
		tmp := path.Join(path.Dir(target), "."+path.Base(target)+".hogen-tmp"+strconv.Itoa(os.Getpid())+"-"+strconv.Itoa(i))
		f, err := s.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, fs.ErrExist) && i < 100 {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("writing %s: %w", target, err)
		}
		_, werr := f.Write(data)
		serr := f.Sync()
		if cerr := f.Close(); werr == nil {
			werr = errors.Join(serr, cerr)
		}
		if werr != nil {
			return tmp, fmt.Errorf("writing %s: %w", target, werr)
		}
		return tmp, nil
	}
}

func (s *staging) mkdirs(dir string) error {
	if dir == "." || s.exist[dir] {
		return nil
	}
	if s.exist == nil {
		s.exist = map[string]bool{}
	}
	if _, err := s.root.Stat(dir); err == nil {
		s.exist[dir] = true
		return nil
	}
	if err := s.mkdirs(path.Dir(dir)); err != nil {
		return err
	}
	switch err := s.root.Mkdir(dir, 0o755); {
	case err == nil:
		s.dirs = append(s.dirs, dir)
	case !errors.Is(err, fs.ErrExist):
		return fmt.Errorf("creating directory %s: %w", dir, err)
	}
	// Made now, or by someone else meanwhile: then not ours to roll back.
	s.exist[dir] = true
	return nil
}

// rollback removes temp files not yet renamed and the directories made.
func (s *staging) rollback() {
	for _, f := range s.staged {
		if f.tmp != "" {
			_ = s.root.Remove(f.tmp)
		}
	}
	for i := len(s.dirs) - 1; i >= 0; i-- {
		_ = s.root.Remove(s.dirs[i]) // fails, harmlessly, if not empty
	}
}

// removeEmptyParents removes directories a prune left empty, up to root.
func removeEmptyParents(root *os.Root, p string) {
	for dir := path.Dir(p); dir != "."; dir = path.Dir(dir) {
		if root.Remove(dir) != nil {
			return
		}
	}
}
