// Package importertest checks importer output in tests: golden files, and
// that the written description satisfies hogen's schema.
package importertest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hogen-dev/hogen/compiler"
	"github.com/hogen-dev/hogen/compiler/importer"
)

// Golden compares r with dir/want (the .cue files and warnings.txt), or
// rewrites them when update is set.
func Golden(t *testing.T, dir string, r *importer.Result, update bool) {
	t.Helper()
	want := filepath.Join(dir, "want")
	got := map[string]string{}
	for name, b := range r.Files {
		got[name] = string(b)
	}
	var ws []string
	for _, w := range r.Warnings {
		ws = append(ws, w.String())
	}
	got["warnings.txt"] = strings.Join(ws, "\n") + "\n"
	if update {
		if err := os.MkdirAll(want, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, s := range got {
			if err := os.WriteFile(filepath.Join(want, name), []byte(s), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	entries, err := os.ReadDir(want)
	if err != nil {
		t.Fatal(err)
	}
	wantFiles := map[string]string{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(want, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		wantFiles[e.Name()] = string(b)
	}
	if diff := cmp.Diff(wantFiles, got); diff != "" {
		t.Errorf("output (-want +got), rerun with -update if intended:\n%s", diff)
	}
}

// Validate loads the files as hogen vet does (schema, then the cross-file
// checks) and fails on any error; warnings are allowed.
func Validate(t *testing.T, files map[string][]byte) {
	t.Helper()
	_, diags, err := compiler.LoadFiles(t.Context(), compiler.Options{Dir: "out"}, files)
	if err != nil {
		t.Errorf("output does not load: %v\n%v", err, diags)
	}
}
