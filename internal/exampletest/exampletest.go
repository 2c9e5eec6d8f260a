// Package exampletest lays out a shipped example's description in a test's
// own directory, as a user's repository would hold it.
package exampletest

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/hogen-dev/hogen/compiler/sink"
)

// CopyInputs copies the description in src (an examples/ directory) to dst
// without what hogen generated there (what its manifest lists), the
// manifest, or the example's test-only key.
func CopyInputs(t testing.TB, src, dst string) {
	t.Helper()
	generated, err := sink.Generated(src)
	if err != nil {
		t.Fatal(err)
	}
	err = filepath.WalkDir(src, func(p string, e fs.DirEntry, err error) error {
		rel, _ := filepath.Rel(src, p)
		rel = filepath.ToSlash(rel)
		if err != nil || e.IsDir() || slices.Contains(generated, rel) || rel == sink.ManifestName || rel == "test-only.agekey" {
			return err
		}
		b, err := os.ReadFile(p)
		if err == nil {
			err = os.MkdirAll(filepath.Dir(filepath.Join(dst, rel)), 0o755)
		}
		if err == nil {
			err = os.WriteFile(filepath.Join(dst, rel), b, 0o644)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// GitRepo makes an empty directory that hogen takes for the root of a Git
// repository (it holds a .git), and returns it.
func GitRepo(t testing.TB) string {
	t.Helper()
	repo := t.TempDir()
	if err := os.Mkdir(filepath.Join(repo, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	return repo
}

// KeyFile is the test-only age key that opens the example in dir (an
// examples/ directory): every example is encrypted to the one key that
// ships beside examples/homelab, so that only one private key is ever
// committed.
func KeyFile(dir string) string {
	return filepath.Join(filepath.Dir(filepath.Clean(dir)), "homelab", "test-only.agekey")
}
