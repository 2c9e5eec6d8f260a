package sink

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hogen-dev/hogen/emitters"
)

// failAt makes the sink's next op (fsync, rename, unlink) on target, or on
// one of hogen's temp names beside it, fail once.
func failAt(t *testing.T, op, target string) { failAtNth(t, op, target, 1) }

// failAtNth makes the n-th such op fail, once.
func failAtNth(t *testing.T, op, target string, n int) {
	t.Helper()
	seen := 0
	stepHook = func(o, p string) error {
		if o == op && (p == target || path.Dir(p) == path.Dir(target) && isTempOf(path.Base(p), path.Base(target))) {
			if seen++; seen == n {
				return errors.New("injected failure")
			}
		}
		return nil
	}
	t.Cleanup(func() { stepHook = nil })
}

// entryInfo is what a test compares of one path: contents or link target,
// and mode.
type entryInfo struct {
	Data string
	Mode fs.FileMode
}

// fullSnapshot records every file, directory and link under dir (but
// .git's insides, which it records like any other tree), with modes.
func fullSnapshot(t *testing.T, dir string) map[string]entryInfo {
	t.Helper()
	out := map[string]entryInfo{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel == "." {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		e := entryInfo{Mode: info.Mode()}
		switch {
		case info.Mode()&fs.ModeSymlink != 0:
			e.Data, err = os.Readlink(p)
		case info.Mode().IsRegular():
			var b []byte
			b, err = os.ReadFile(p)
			e.Data = string(b)
		}
		out[filepath.ToSlash(rel)] = e
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// locked runs a whole build as the CLI does: lock, plan, apply.
func locked(dir string, fs []emitters.File, scope Scope) (*Plan, error) {
	l, err := Acquire(dir, scope)
	if err != nil {
		return nil, err
	}
	defer l.Unlock()
	p, err := NewPlan(dir, fs, nil, scope)
	if err != nil {
		return nil, err
	}
	return p, p.Apply(context.Background())
}

func write(t *testing.T, dir, rel, data string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func mustContain(t *testing.T, err error, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one containing %q", want)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Fatalf("error %q does not contain %q", err, w)
		}
	}
}
