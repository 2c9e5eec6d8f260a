package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/hogen-dev/hogen/cmd/hogen/internal/cli"
)

// TestWorkflowCommandsExist checks every hogen command line that the
// pre-commit hooks and the example CI workflows run against the real CLI,
// so renaming a command or a flag cannot break users' hooks silently.
func TestWorkflowCommandsExist(t *testing.T) {
	var lines []string
	var hooks []struct {
		ID       string `yaml:"id"`
		Entry    string `yaml:"entry"`
		Language string `yaml:"language"`
	}
	readYAML(t, "../../.pre-commit-hooks.yaml", &hooks)
	if len(hooks) < 2 {
		t.Fatalf("found %d pre-commit hooks, want vet and build --check", len(hooks))
	}
	for _, h := range hooks {
		if h.Language != "golang" {
			t.Errorf("hook %s: language %q; golang lets pre-commit build hogen from this repository", h.ID, h.Language)
		}
		lines = append(lines, h.Entry)
	}
	workflows, _ := filepath.Glob("../../examples/ci/*.yaml")
	if len(workflows) == 0 {
		t.Fatal("no workflows in examples/ci")
	}
	run := regexp.MustCompile(`(?m)^\s*(?:run:\s*)?(hogen\s+[^>|&\n]*)`)
	for _, w := range workflows {
		var doc map[string]any
		readYAML(t, w, &doc) // the workflow must at least be YAML
		b, _ := os.ReadFile(w)
		for _, m := range run.FindAllStringSubmatch(string(b), -1) {
			lines = append(lines, m[1])
		}
	}
	for _, line := range lines {
		args := strings.Fields(strings.ReplaceAll(line, `"$HOGEN_DIR"`, "."))[1:]
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			var out, errb strings.Builder
			if code := cli.Main(append(args, "--help"), nil, &out, &errb); code != 0 {
				t.Errorf("hogen %s: exit %d: %s", strings.Join(args, " "), code, errb.String())
			}
		})
	}
}

func readYAML(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
