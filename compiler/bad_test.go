package compiler

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rogpeppe/go-internal/txtar"

	"github.com/hogen-dev/hogen/emitters/builtin"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestBadDescriptions runs every case in testdata/bad: the files of
// base.txtar, with the case's own files replacing or adding to them, must
// fail (or warn) with exactly the diagnostics in the case's "stderr"
// section, as hogen vet prints them (the emitters' checks included).
// -update rewrites that section.
func TestBadDescriptions(t *testing.T) {
	dir := filepath.Join("..", "testdata", "bad")
	base, err := txtar.ParseFile(filepath.Join(dir, "base.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	cases, _ := filepath.Glob(filepath.Join(dir, "*.txtar"))
	if len(cases) < 26 {
		t.Fatalf("found %d cases in %s; the suite promises at least 25 bad descriptions", len(cases)-1, dir)
	}
	for _, file := range cases {
		name := strings.TrimSuffix(filepath.Base(file), ".txtar")
		if name == "base" {
			continue
		}
		t.Run(name, func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			files := map[string][]byte{}
			for _, f := range base.Files {
				files[f.Name] = f.Data
			}
			var want []byte
			wantErr := true
			for _, f := range ar.Files {
				switch f.Name {
				case "stderr":
					want = f.Data
				case "ok":
					wantErr = false // only warnings expected
				default:
					files[f.Name] = f.Data
				}
			}
			d, diags, err := LoadFiles(context.Background(), Options{Dir: ".", checks: builtin.All()}, files)
			if err == nil {
				// What the emitters refuse before emitting, as vet does.
				diags = append(diags, CheckEmitters(d, builtin.All())...).Sorted()
				if len(diags.Errors()) > 0 {
					err = diags
				}
			}
			if (err != nil) != wantErr {
				t.Fatalf("error = %v, want error: %v", err, wantErr)
			}
			var got bytes.Buffer
			diags.Print(&got)
			if *update {
				setSection(ar, "stderr", got.Bytes())
				if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if diff := cmp.Diff(string(want), got.String()); diff != "" {
				t.Errorf("diagnostics differ (-want +got):\n%s", diff)
			}
		})
	}
}

func setSection(ar *txtar.Archive, name string, data []byte) {
	for i := range ar.Files {
		if ar.Files[i].Name == name {
			ar.Files[i].Data = data
			return
		}
	}
	ar.Files = append(ar.Files, txtar.File{Name: name, Data: data})
}
