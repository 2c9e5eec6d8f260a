// Package importertest checks importer output in tests: golden files, and
// that the written description satisfies hogen's schema.
package importertest

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/build"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/parser"
	"github.com/google/go-cmp/cmp"

	"github.com/hogen-dev/hogen/compiler/importer"
	"github.com/hogen-dev/hogen/schema"
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

// Validate unifies the files with the embedded schema's #Description and
// reports every error, as hogen vet's schema stage does.
func Validate(t *testing.T, files map[string][]byte) {
	t.Helper()
	ctx := cuecontext.New()
	def := build.NewContext().NewInstance("hogen", nil)
	srcs, err := schema.Sources()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range srcs {
		f, err := parser.ParseFile(s.Name, s.Data)
		if err != nil {
			t.Fatal(err)
		}
		if err := def.AddSyntax(f); err != nil {
			t.Fatal(err)
		}
	}
	user := build.NewContext().NewInstance("", nil)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		f, err := parser.ParseFile(n, files[n], parser.ParseComments)
		if err != nil {
			t.Fatalf("output does not parse: %v", err)
		}
		if err := user.AddSyntax(f); err != nil {
			t.Fatal(err)
		}
	}
	d := ctx.BuildInstance(def).LookupPath(cue.ParsePath(schema.Root))
	v := d.Unify(ctx.BuildInstance(user)).FillPath(cue.ParsePath("secretNames"), []string{})
	if err := v.Validate(cue.Concrete(true), cue.All()); err != nil {
		t.Errorf("output does not satisfy the schema:\n%s", errors.Details(err, nil))
	}
}
