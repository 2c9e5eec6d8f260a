package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"filippo.io/age"
	"gopkg.in/yaml.v3"

	"github.com/hogen-dev/hogen/cmd/hogen/internal/cli"
)

// hook is the part of a .pre-commit-hooks.yaml entry the tests read.
type hook struct {
	ID            string `yaml:"id"`
	Entry         string `yaml:"entry"`
	Language      string `yaml:"language"`
	Files         string `yaml:"files"`
	PassFilenames *bool  `yaml:"pass_filenames"`
}

// workflows are the GitHub workflows hogen ships: for users' repositories
// and for its own.
func workflows(t *testing.T) []string {
	t.Helper()
	var all []string
	for _, g := range []string{"../../examples/ci/hogen-*.yaml", "../../.github/workflows/*.yaml"} {
		m, _ := filepath.Glob(g)
		all = append(all, m...)
	}
	if len(all) < 4 {
		t.Fatalf("found workflows %q; want the two in examples/ci, ci and release", all)
	}
	return all
}

// TestHooks checks the pre-commit hooks' contract: every hook gets the
// staged files and sees all of them (hogen decides what concerns it), and
// each golang hook has a language: system twin with the same entry.
func TestHooks(t *testing.T) {
	var hooks []hook
	readYAML(t, "../../.pre-commit-hooks.yaml", &hooks)
	byID := map[string]hook{}
	for _, h := range hooks {
		byID[h.ID] = h
		if h.PassFilenames == nil || !*h.PassFilenames || h.Files != "" {
			t.Errorf("hook %s: pass_filenames %v, files %q; want every staged file passed", h.ID, h.PassFilenames, h.Files)
		}
	}
	golang := 0
	for _, h := range hooks {
		switch h.Language {
		case "golang":
			golang++
			if twin, ok := byID[h.ID+"-system"]; !ok || twin.Language != "system" || twin.Entry != h.Entry {
				t.Errorf("hook %s has no language: system twin %s-system with entry %q", h.ID, h.ID, h.Entry)
			}
		case "system":
		default:
			t.Errorf("hook %s: language %q, want golang or system", h.ID, h.Language)
		}
	}
	if golang < 2 {
		t.Errorf("%d golang hooks, want vet and build --check", golang)
	}
}

// TestWorkflowCommandsExist checks every hogen command line that the
// pre-commit hooks and the CI workflows run against the real CLI, so
// renaming a command or a flag cannot break users' hooks silently.
func TestWorkflowCommandsExist(t *testing.T) {
	var lines []string
	var hooks []hook
	readYAML(t, "../../.pre-commit-hooks.yaml", &hooks)
	for _, h := range hooks {
		lines = append(lines, h.Entry)
	}
	run := regexp.MustCompile(`(?m)^\s*(?:run:\s*)?(hogen\s+[^>|&\n]*)`)
	for _, w := range workflows(t) {
		b, err := os.ReadFile(w)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range run.FindAllStringSubmatch(string(b), -1) {
			lines = append(lines, m[1])
		}
	}
	if len(lines) < 8 {
		t.Fatalf("found %d hogen command lines, want the hooks' and the workflows'", len(lines))
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

// actionlint is the linter's version: run with `go run`, in its own
// module, because it needs another go.yaml.in/yaml/v4 than Talos'
// machinery does.
const actionlint = "github.com/rhysd/actionlint/cmd/actionlint@v1.7.12"

// TestActionlint lints every shipped workflow with actionlint (syntax,
// expressions, contexts, action inputs; the shell scripts too where
// shellcheck is installed).
func TestActionlint(t *testing.T) {
	cmd := exec.Command("go", append([]string{"run", actionlint, "-no-color"}, workflows(t)...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("actionlint: %v\n%s", err, out)
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

// TestCheckWithAnotherKey is CI with the wrong age key (another cluster's,
// in sops' default key file or SOPS_AGE_KEY): build --check must pass on
// the up-to-date example as it does with no key, and warn with the
// recipients a key must match.
func TestCheckWithAnotherKey(t *testing.T) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("HOME", t.TempDir())
	t.Setenv("XDG_CONFIG_HOME", "")
	t.Setenv("SOPS_AGE_KEY_FILE", "")
	t.Setenv("SOPS_AGE_KEY", id.String())
	var stdout, stderr strings.Builder
	if code := cli.Main([]string{"build", "--check", "../../examples/homelab"}, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("build --check with another key: exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	for _, want := range []string{"warning: the age keys found (public keys: " + id.Recipient().String(), "age1pf2mc2fwx4q0an9f3y7l0equ5gts45rts3ywq3p0czh50nu38pmqwcyad3", "up to date"} {
		if !strings.Contains(stderr.String()+stdout.String(), want) {
			t.Errorf("output lacks %q:\n%s%s", want, stdout.String(), stderr.String())
		}
	}
}
