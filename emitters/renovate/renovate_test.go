package renovate_test

import (
	"encoding/json"
	"path"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hogen-dev/hogen/compiler"
	"github.com/hogen-dev/hogen/emitters/builtin"
	"github.com/hogen-dev/hogen/emitters/renovate"
	"github.com/hogen-dev/hogen/internal/exampletest"
)

// TestFragmentListsEveryGeneratedFile builds examples/homelab in a Git
// repository laid out both ways the README offers, and checks the rules
// disable exactly the files of the build (what the manifest lists), with
// repository-relative paths.
func TestFragmentListsEveryGeneratedFile(t *testing.T) {
	for _, tc := range []struct{ name, sub string }{{"description at the root", ""}, {"description in cluster/", "cluster"}} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(exampletest.GitRepo(t), tc.sub)
			exampletest.CopyInputs(t, filepath.Join("..", "..", "examples", "homelab"), dir)
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
