package testschemas

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// freshCloneTests are the tests that validate generated manifests: on a
// clone alone they must pass, not skip.
const freshCloneTests = "^(TestSchemas|TestExampleSchemas|TestSchemasCatch|TestSchemasAreStrict|TestExampleOutput|TestCatches)$"

// TestFreshClone copies the files Git tracks (and new ones it does not
// ignore) to a directory with no ../shared beside it, as a user's clone
// is, and runs the schema tests there with HOGEN_REQUIRE_FIXTURES=1: they
// must find everything they need inside the repository.
func TestFreshClone(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles the schema tests anew in a copy of the repository")
	}
	root := ModuleRoot(t)
	list, err := exec.Command("git", "-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard").Output()
	if err != nil {
		if os.Getenv("HOGEN_REQUIRE_FIXTURES") == "1" {
			t.Fatalf("git ls-files in %s: %v", root, err)
		}
		t.Skipf("not a Git checkout (%v): no tracked files to copy", err)
	}
	clone := filepath.Join(t.TempDir(), "hogen")
	n := 0
	for _, rel := range strings.Split(strings.TrimRight(string(list), "\x00"), "\x00") {
		if copyTracked(t, root, clone, rel) {
			n++
		}
	}
	if _, err := os.Stat(filepath.Join(clone, "..", "shared")); err == nil {
		t.Fatal("the copy has a shared/ beside it")
	}
	cmd := exec.Command("go", "test", "-count=1", "-run", freshCloneTests, "./internal/testschemas/", "./emitters/flux/")
	cmd.Dir = clone
	cmd.Env = append(os.Environ(), "HOGEN_REQUIRE_FIXTURES=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go test in a copy of %d tracked files without ../shared: %v\n%s", n, err, out)
	}
	for _, pkg := range []string{"internal/testschemas", "emitters/flux"} {
		if !strings.Contains(string(out), "ok  \tgithub.com/hogen-dev/hogen/"+pkg) || strings.Contains(string(out), "no tests to run") {
			t.Errorf("the schema tests of %s did not run in the copy:\n%s", pkg, out)
		}
	}
}

// copyTracked copies one file from root to clone; a file deleted but not
// yet committed is left out.
func copyTracked(t *testing.T, root, clone, rel string) bool {
	t.Helper()
	src, dst := filepath.Join(root, rel), filepath.Join(clone, rel)
	fi, err := os.Lstat(src)
	if os.IsNotExist(err) {
		return false
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if fi.Mode()&os.ModeSymlink != 0 {
		target, err := os.Readlink(src)
		if err == nil {
			err = os.Symlink(target, dst)
		}
		if err != nil {
			t.Fatal(err)
		}
		return true
	}
	b, err := os.ReadFile(src)
	if err == nil {
		err = os.WriteFile(dst, b, fi.Mode().Perm())
	}
	if err != nil {
		t.Fatal(err)
	}
	return true
}
