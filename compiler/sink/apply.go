package sink

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strconv"
)

// Apply carries the plan out: every new file is first written to a temp
// file beside its target; only when all are on disk are they renamed into
// place, then stale files pruned, then the manifest replaced. A failure
// while writing temp files removes them and leaves the tree as it was.
func (p *Plan) Apply() error {
	if p.Clean() {
		return nil
	}
	root, err := os.OpenRoot(p.root)
	if err != nil {
		return fmt.Errorf("opening output directory: %w", err)
	}
	defer root.Close()
	writes := p.Writes
	if p.manifest != nil {
		writes = append(writes[:len(writes):len(writes)], Change{Path: ManifestName, New: p.manifest})
	}
	st := &staging{root: root}
	for _, w := range writes {
		if err := st.stage(w.Path, w.New); err != nil {
			st.rollback()
			return err
		}
	}
	// Renames are atomic per file; the manifest goes last, so an
	// interrupted apply leaves at worst new files the old manifest does
	// not own, which the next build adopts (their bytes match).
	for _, s := range st.staged {
		if err := root.Rename(s.tmp, s.target); err != nil {
			st.rollback()
			return fmt.Errorf("writing %s: %w", s.target, err)
		}
	}
	for _, c := range p.Prunes {
		if err := root.Remove(c.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("pruning %s: %w", c.Path, err)
		}
		removeEmptyParents(root, c.Path)
	}
	return nil
}

type stagedFile struct{ tmp, target string }

// staging tracks temp files and the directories made for them.
type staging struct {
	root   *os.Root
	staged []stagedFile
	dirs   []string // directories this apply created, deepest last
}

func (s *staging) stage(target string, data []byte) error {
	if err := s.mkdirs(path.Dir(target)); err != nil {
		return err
	}
	for i := 0; ; i++ {
		tmp := path.Join(path.Dir(target), "."+path.Base(target)+".hogen-tmp"+strconv.Itoa(os.Getpid())+"-"+strconv.Itoa(i))
		f, err := s.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, fs.ErrExist) && i < 100 {
			continue
		}
		if err != nil {
			return fmt.Errorf("writing %s: %w", target, err)
		}
		s.staged = append(s.staged, stagedFile{tmp: tmp, target: target})
		_, werr := f.Write(data)
		serr := f.Sync()
		if cerr := f.Close(); werr == nil {
			werr = errors.Join(serr, cerr)
		}
		if werr != nil {
			return fmt.Errorf("writing %s: %w", target, werr)
		}
		return nil
	}
}

func (s *staging) mkdirs(dir string) error {
	if dir == "." {
		return nil
	}
	if _, err := s.root.Stat(dir); err == nil {
		return nil
	}
	if err := s.mkdirs(path.Dir(dir)); err != nil {
		return err
	}
	if err := s.root.Mkdir(dir, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("creating directory %s: %w", dir, err)
	}
	s.dirs = append(s.dirs, dir)
	return nil
}

// rollback removes temp files not yet renamed and the directories made.
func (s *staging) rollback() {
	for _, f := range s.staged {
		_ = s.root.Remove(f.tmp)
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
