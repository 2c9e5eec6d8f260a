package renovate_test

import (
	"encoding/json"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hogen-dev/hogen/compiler"
	"github.com/hogen-dev/hogen/emitters/builtin"
	"github.com/hogen-dev/hogen/emitters/renovate"
)

// TestFragmentListsEveryGeneratedFile builds examples/homelab in a Git
// repository laid out both ways the README offers, and checks the rules
// disable exactly the files of the build (what the manifest lists), with
// repository-relative paths.
func TestFragmentListsEveryGeneratedFile(t *testing.T) {
	for _, tc := range []struct{ name, sub string }{{"description at the root", ""}, {"description in cluster/", "cluster"}} {
		t.Run(tc.name, func(t *testing.T) {
			repo := t.TempDir()
			if err := os.Mkdir(filepath.Join(repo, ".git"), 0o755); err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join(repo, tc.sub)
			copyInputs(t, filepath.Join("..", "..", "examples", "homelab"), dir)
			res, err := compiler.Generate(t.Context(), compiler.Options{Dir: dir}, builtin.All())
			if err != nil {
				t.Fatal(err)
			}
			var generated []string
			var fragment []byte
			for _, f := range res.Files {
				generated = append(generated, path.Join(tc.sub, f.Path))
				if f.Path == renovate.File {
					fragment = f.Data
				}
			}
			if fragment == nil {
				t.Fatalf("no %s among %d files", renovate.File, len(res.Files))
			}
			var c struct {
				PackageRules []struct {
					MatchFileNames []string `json:"matchFileNames"`
					MatchManagers  []string `json:"matchManagers"`
					Enabled        *bool    `json:"enabled"`
				} `json:"packageRules"`
			}
			if err := json.Unmarshal(fragment, &c); err != nil {
				t.Fatal(err)
			}
			if len(c.PackageRules) != 1 || c.PackageRules[0].Enabled == nil || *c.PackageRules[0].Enabled || c.PackageRules[0].MatchManagers != nil {
				t.Fatalf("want one rule disabling every manager, got %s", fragment)
			}
			slices.Sort(generated)
			if diff := cmp.Diff(generated, c.PackageRules[0].MatchFileNames); diff != "" {
				t.Errorf("matchFileNames (-generated +rule):\n%s", diff)
			}
			if len(generated) < 50 {
				t.Errorf("%d files generated; the example makes far more", len(generated))
			}
		})
	}
}

func TestRepoPaths(t *testing.T) {
	tests := []struct {
		name, repo string
		paths      []string
		want       []string
	}{
		{"root", "", []string{".sops.yaml", "talos/a.yaml"}, []string{".sops.yaml", "talos/a.yaml"}},
		{"sub-folder", "cluster", []string{"talos/a.yaml"}, []string{"cluster/talos/a.yaml"}},
		{"glob characters match themselves", "ops", []string{"x/[a]*.yaml"}, []string{`ops/x/\[a\]\*.yaml`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, renovate.RepoPaths(tt.repo, tt.paths)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// copyInputs copies the description in src, without what hogen generated
// there (what its manifest lists) and without its key, to dst.
func copyInputs(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(src, ".hogen-manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct{ Files []string }
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	err = filepath.WalkDir(src, func(p string, e fs.DirEntry, err error) error {
		rel, _ := filepath.Rel(src, p)
		rel = filepath.ToSlash(rel)
		if err != nil || e.IsDir() || slices.Contains(m.Files, rel) || rel == ".hogen-manifest.json" || rel == "test-only.agekey" {
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
