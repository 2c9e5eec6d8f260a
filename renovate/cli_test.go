package renovate

import (
	"encoding/json"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hogen-dev/hogen/compiler"
	"github.com/hogen-dev/hogen/emitters/builtin"
	erenovate "github.com/hogen-dev/hogen/emitters/renovate"
	"github.com/hogen-dev/hogen/internal/exampletest"
)

// TestRenovate runs Renovate itself, from npm, over examples/homelab laid
// out both ways the README offers: its config validator over the preset
// and the generated rules, its extractor over the repository (with the
// flux, helm-values, helmfile and kubernetes managers pointed at every YAML
// file, as home-ops repositories do), and its packageRules code over every
// dependency found. Every version in a .cue file must stay enabled, and
// every dependency in a generated file must be disabled.
//
// Renovate is large and slow to install, so this runs only when
// HOGEN_RENOVATE lists installed renovate packages (node_modules/renovate
// directories), which `task renovate:check` does for Renovate 39 and 41.
func TestRenovate(t *testing.T) {
	dirs := strings.Fields(os.Getenv("HOGEN_RENOVATE"))
	if len(dirs) == 0 {
		t.Skip("set HOGEN_RENOVATE to installed renovate packages, or run: task renovate:check")
	}
	for _, rv := range dirs {
		t.Run(filepath.Base(filepath.Dir(filepath.Dir(rv))), func(t *testing.T) {
			validate(t, rv, "default.json")
			for _, sub := range []string{"", "cluster"} {
				t.Run("layout "+sub, func(t *testing.T) { checkLayout(t, rv, sub) })
			}
		})
	}
}

// checkLayout builds the repository, runs Renovate over it and checks
// what each dependency became.
func checkLayout(t *testing.T, rv, sub string) {
	repo := t.TempDir()
	git(t, repo, "init", "-q")
	dir := filepath.Join(repo, sub)
	exampletest.CopyInputs(t, filepath.Join("..", "examples", "homelab"), dir)
	res, err := compiler.Generate(t.Context(), compiler.Options{Dir: dir}, builtin.All())
	if err != nil {
		t.Fatal(err)
	}
	generated := map[string]bool{}
	for _, f := range res.Files {
		src := filepath.Join("..", "examples", "homelab", filepath.FromSlash(f.Path))
		data := f.Data
		if f.Path != erenovate.File {
			if data, err = os.ReadFile(src); err != nil {
				t.Fatal(err) // the committed output, as in a user's repository
			}
		}
		writeFile(t, filepath.Join(dir, f.Path), data)
		generated[path.Join(sub, f.Path)] = true
	}
	validate(t, rv, filepath.Join(dir, erenovate.File))
	writeFile(t, filepath.Join(repo, "renovate.json"), repoConfig(t, filepath.Join(dir, erenovate.File)))
	git(t, repo, "add", "-A")
	git(t, repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x")
	deps := extractAndApply(t, rv, repo)
	cue := 0
	for _, d := range deps {
		switch {
		case generated[d.file] && d.enabled:
			t.Errorf("%s: %s dependency %s stays enabled in a generated file", d.file, d.manager, d.name)
		case strings.HasSuffix(d.file, ".cue"):
			cue++
			if !d.enabled {
				t.Errorf("%s: %s is disabled", d.file, d.name)
			}
		}
	}
	want, _ := checkDir(t, loadPreset(t), "../examples/homelab")
	if cue != len(want) {
		t.Errorf("Renovate found %d versions in .cue files, the preset test %d", cue, len(want))
	}
	if len(deps)-cue < 50 {
		t.Errorf("only %d dependencies in generated files: the managers did not look at them", len(deps)-cue)
	}
}

// repoConfig is the repository's renovate.json with the presets merged in
// (Renovate's local platform cannot fetch presets): the hogen preset, the
// generated rules, and managers that look at every YAML file.
func repoConfig(t *testing.T, fragment string) []byte {
	t.Helper()
	var c, f map[string]any
	for p, v := range map[string]*map[string]any{"default.json": &c, fragment: &f} {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatal(err)
		}
	}
	c["packageRules"] = f["packageRules"]
	for _, m := range []string{"flux", "helm-values", "helmfile", "kubernetes"} {
		c[m] = map[string]any{"fileMatch": []string{`\.ya?ml$`}}
	}
	b, _ := json.MarshalIndent(c, "", "  ")
	return b
}

type renovateDep struct {
	file, manager, name string
	enabled             bool
}

// applyJS applies a config's packageRules to every dependency of an
// extract report with Renovate's own code.
const applyJS = `const [,, rv, configPath, reportPath] = process.argv;
const { applyPackageRules } = require(rv + '/dist/util/package-rules/index.js');
const cfg = require(configPath), report = require(reportPath);
(async () => {
  for (const repo of Object.values(report.repositories))
    for (const [manager, pfs] of Object.entries(repo.packageFiles))
      for (const pf of pfs)
        for (const dep of pf.deps) {
          const out = await applyPackageRules({ ...cfg, ...dep, manager, packageFile: pf.packageFile });
          console.log([pf.packageFile, manager, dep.depName, out.enabled !== false].join('\t'));
        }
})();
`

func extractAndApply(t *testing.T, rv, repo string) []renovateDep {
	t.Helper()
	tmp := t.TempDir()
	writeFile(t, filepath.Join(tmp, "global.json"), []byte("{}"))
	writeFile(t, filepath.Join(tmp, "apply.js"), []byte(applyJS))
	report := filepath.Join(tmp, "report.json")
	cmd := exec.Command(filepath.Join(rv, "..", ".bin", "renovate"), "--platform=local", "--dry-run=extract", "--report-type=file",
		"--report-path="+report, "--onboarding=false", "--require-config=optional")
	cmd.Dir = repo
	cmd.Env = append(os.Environ(), "RENOVATE_CONFIG_FILE="+filepath.Join(tmp, "global.json"), "LOG_LEVEL=warn")
	if out, err := cmd.CombinedOutput(); err != nil && !onlyNodeError(string(out)) {
		t.Fatalf("renovate: %v\n%s", err, out)
	}
	out, err := exec.Command("node", filepath.Join(tmp, "apply.js"), rv, filepath.Join(repo, "renovate.json"), report).Output()
	if err != nil {
		t.Fatalf("applying packageRules: %v", err)
	}
	var deps []renovateDep
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Split(line, "\t")
		if len(f) == 4 {
			deps = append(deps, renovateDep{file: f[0], manager: f[1], name: f[2], enabled: f[3] == "true"})
		}
	}
	return deps
}

// validate runs renovate-config-validator over a config file.
func validate(t *testing.T, rv, file string) {
	t.Helper()
	out, err := exec.Command(filepath.Join(rv, "..", ".bin", "renovate-config-validator"), file).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Config validated successfully") {
		t.Errorf("renovate-config-validator %s: %v\n%s", filepath.Base(file), err, out)
	}
}

func writeFile(t *testing.T, p string, b []byte) {
	t.Helper()
	err := os.MkdirAll(filepath.Dir(p), 0o755)
	if err == nil {
		err = os.WriteFile(p, b, 0o644)
	}
	if err != nil {
		t.Fatal(err)
	}
}

func git(t *testing.T, repo string, args ...string) {
	t.Helper()
	if out, err := exec.Command("git", append([]string{"-C", repo}, args...)...).CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

// onlyNodeError tells whether the one error Renovate logged is that it
// wants a newer Node than it runs on (Renovate 40 and later want Node 22;
// Node 20 runs them all the same), which makes it exit 1.
func onlyNodeError(out string) bool {
	n := 0
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "ERROR:") || strings.HasPrefix(line, "FATAL:") {
			if !strings.Contains(line, "Unsupported node environment") {
				return false
			}
			n++
		}
	}
	return n == 1
}
