// Package importertest checks importer output in tests: golden files, and
// that the written description satisfies hogen's schema.
package importertest

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hogen-dev/hogen/compiler"
	"github.com/hogen-dev/hogen/compiler/importer"
	"github.com/hogen-dev/hogen/emitters/talos"
	"github.com/hogen-dev/hogen/internal/testschemas"
)

// Golden compares r with dir/want (the files but the encrypted ones, and
// warnings.txt), or rewrites them when update is set.
func Golden(t *testing.T, dir string, r *importer.Result, update bool) {
	t.Helper()
	want := filepath.Join(dir, "want")
	got := map[string]string{}
	for name, b := range r.Files {
		// Encryption is random: secret files are checked apart.
		if !strings.HasSuffix(name, ".sops.yaml") {
			got[name] = string(b)
		}
	}
	var ws []string
	for _, w := range r.Warnings {
		ws = append(ws, w.String())
	}
	got["warnings.txt"] = strings.Join(ws, "\n") + "\n"
	if update {
		if err := os.RemoveAll(want); err != nil {
			t.Fatal(err)
		}
		for name, s := range got {
			p := filepath.Join(want, filepath.FromSlash(name))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	wantFiles := map[string]string{}
	err := filepath.WalkDir(want, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(want, p)
		wantFiles[filepath.ToSlash(rel)] = string(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantFiles, got); diff != "" {
		t.Errorf("output (-want +got), rerun with -update if intended:\n%s", diff)
	}
}

// Validate loads the files as hogen vet does (schema, then the cross-file
// checks) and fails on any error; warnings are allowed.
func Validate(t *testing.T, files map[string][]byte) {
	t.Helper()
	_, diags, err := compiler.LoadFiles(t.Context(), compiler.Options{Dir: "out"}, cueFiles(files))
	if err != nil {
		t.Errorf("output does not load: %v\n%v", err, diags)
	}
}

// Fixture is the path of dir under shared/fixtures (shared/ beside the
// checkout, found as testschemas.SharedDir does, or $HOGEN_SHARED). Those
// trees are third-party inputs kept out of the repository: a clone without
// them skips the test with a message, unless HOGEN_REQUIRE_FIXTURES=1 (as
// CI sets), which fails it.
func Fixture(t *testing.T, dir string) string {
	t.Helper()
	shared := os.Getenv("HOGEN_SHARED")
	if shared == "" {
		shared = testschemas.SharedDir(t)
	}
	p := filepath.Join(shared, "fixtures", dir)
	if _, err := os.Stat(p); shared == "" || err != nil {
		if os.Getenv("HOGEN_REQUIRE_FIXTURES") == "1" {
			t.Fatalf("fixture shared/fixtures/%s is missing (HOGEN_REQUIRE_FIXTURES=1)", dir)
		}
		t.Skipf("fixture shared/fixtures/%s is absent (a clone without shared/ beside it); set HOGEN_SHARED or HOGEN_REQUIRE_FIXTURES=1 to run it", dir)
	}
	return p
}

// Build builds every node's Talos machine config from the files, with a
// test secrets bundle, as hogen build would: Talos' own validation (metal
// mode, strict) must accept each, patches included.
func Build(t *testing.T, files map[string][]byte) {
	t.Helper()
	d, _, err := compiler.LoadFiles(t.Context(), compiler.Options{Dir: "out", AnySecret: true}, cueFiles(files))
	if err != nil {
		t.Fatalf("output does not load: %v", err)
	}
	bundle, err := os.ReadFile(filepath.Join(testschemas.ModuleRoot(t), "emitters", "talos", "testdata", "secrets.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	d.Inputs.TalosSecrets = bundle
	for _, n := range d.Nodes {
		if _, err := talos.NodeConfig(d, n.Name); err != nil {
			t.Errorf("node %s does not build: %v", n.Name, err)
		}
	}
}

func cueFiles(files map[string][]byte) map[string][]byte {
	out := map[string][]byte{}
	for name, b := range files {
		if strings.HasSuffix(name, ".cue") {
			out[name] = b
		}
	}
	return out
}
