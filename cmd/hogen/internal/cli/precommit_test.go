package cli

import (
	"bytes"
	"context"
	"os"
	"path"
	"path/filepath"
	"testing"

	"github.com/hogen-dev/hogen/compiler/sink"
	"github.com/hogen-dev/hogen/internal/exampletest"
)

// builtExample builds examples/homelab in a Git repository at sub ("" for
// the root) with the example's key, and returns the repository and the
// description directory.
func builtExample(t *testing.T, sub string) (repo, dir string) {
	t.Helper()
	repo = exampletest.GitRepo(t)
	dir = filepath.Join(repo, sub)
	exampletest.CopyInputs(t, filepath.Join("..", "..", "..", "..", "examples", "homelab"), dir)
	key, _ := filepath.Abs(filepath.Join("..", "..", "..", "..", "examples", "homelab", "test-only.agekey"))
	if code, out := runEnv(t, map[string]string{"SOPS_AGE_KEY_FILE": key}, "build", dir); code != ExitOK {
		t.Fatalf("build: exit %d\n%s", code, out)
	}
	return repo, dir
}

// TestPrecommitConcerns checks, in both layouts the README offers, that
// every file the build generated (as its manifest lists) and every input
// makes the hooks run, and that nothing else does.
func TestPrecommitConcerns(t *testing.T) {
	for _, sub := range []string{"", "cluster"} {
		t.Run("layout "+sub, func(t *testing.T) {
			repo, dir := builtExample(t, sub)
			generated, err := sink.Generated(dir)
			if err != nil || len(generated) < 50 {
				t.Fatalf("manifest lists %d files: %v", len(generated), err)
			}
			yes := append([]string{sink.ManifestName, "cluster.cue", "apps.cue", "emitters/homepage.jsonnet", "secrets.sops.yaml", "talos/secrets.sops.yaml", "talos/client.sops.yaml"}, generated...)
			for _, rel := range yes {
				if ok, err := anyConcerns(dir, []string{filepath.Join(dir, rel)}); !ok || err != nil {
					t.Errorf("%s: concerns = %v, %v; want true", path.Join(sub, rel), ok, err)
				}
			}
			no := []string{"README.md", "other/kubernetes/apps/default/x/app/helmrelease.yaml", path.Join(sub, "notes.md"), path.Join(sub, "docs/old.cue"),
				path.Join(sub, ".hidden/x.jsonnet"), sub + "2/cluster.cue", ".github/workflows/hogen-check.yaml"}
			for _, rel := range no {
				if ok, err := anyConcerns(dir, []string{filepath.Join(repo, rel)}); ok || err != nil {
					t.Errorf("%s: concerns = %v, %v; want false", rel, ok, err)
				}
			}
		})
	}
}

// TestPrecommitRuns checks the hook's exit status: a hand edit of a
// generated file fails the commit that stages it, while a commit of
// unrelated files passes without looking.
func TestPrecommitRuns(t *testing.T) {
	repo, dir := builtExample(t, "cluster")
	edited := filepath.Join(dir, "kubernetes", "apps", "network", "cloudflared", "app", "helmrelease.yaml")
	if err := os.WriteFile(edited, []byte("hand edit\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	readme := filepath.Join(repo, "README.md")
	tests := []struct {
		name  string
		args  []string
		want  int
		quiet bool
	}{
		{"edited generated file", []string{"precommit", "check", "--dir", dir, readme, edited}, ExitBadInput, false},
		{"unrelated file", []string{"precommit", "check", "--dir", dir, readme}, ExitOK, true},
		{"vet on an input", []string{"precommit", "vet", "--dir", dir, filepath.Join(dir, "apps.cue")}, ExitOK, false},
		{"no files: always runs", []string{"precommit", "check", "--dir", dir}, ExitBadInput, false},
		{"unknown hook", []string{"precommit", "lint", "--dir", dir}, ExitUsage, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out := runEnv(t, nil, tt.args...)
			if code != tt.want || tt.quiet != (out == "") {
				t.Errorf("exit %d, want %d; output %q (want quiet: %v)", code, tt.want, out, tt.quiet)
			}
		})
	}
}

// runEnv runs hogen with only the given environment variables set, and
// returns its exit status and everything it printed.
func runEnv(t *testing.T, vars map[string]string, args ...string) (int, string) {
	t.Helper()
	var out bytes.Buffer
	env := &Env{Stdin: &bytes.Buffer{}, Stdout: &out, Stderr: &out, Getenv: func(k string) string {
		if k == "SOPS_AGE_KEY_FILE" && vars[k] == "" {
			return filepath.Join(t.TempDir(), "none.txt") // never the developer's key
		}
		return vars[k]
	}}
	return run(context.Background(), env, args), out.String()
}
