package renovate

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// preset is the part of Renovate's configuration the test reads.
type preset struct {
	CustomManagers []struct {
		CustomType         string   `json:"customType"`
		FileMatch          []string `json:"fileMatch"`
		MatchStrings       []string `json:"matchStrings"`
		DepNameTemplate    string   `json:"depNameTemplate"`
		DatasourceTemplate string   `json:"datasourceTemplate"`
	} `json:"customManagers"`
	PackageRules []struct {
		MatchFileNames []string `json:"matchFileNames"`
	} `json:"packageRules"`
}

// dep is one version Renovate would track, and where its value is.
type dep struct {
	File, Datasource, DepName, RegistryURL, Versioning, ExtractVersion, Value string
	Line                                                                      int
}

// manager is one of the preset's regex managers, compiled.
type manager struct {
	files               []*regexp.Regexp
	matches             []*regexp.Regexp
	depName, datasource string // the templates, for managers that set them
}

// managers are the preset's regex managers.
type managers []manager

func loadPreset(t *testing.T) managers {
	t.Helper()
	b, err := os.ReadFile("default.json")
	if err != nil {
		t.Fatal(err)
	}
	var p preset
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatalf("default.json is not valid JSON: %v", err)
	}
	var ms managers
	for _, cm := range p.CustomManagers {
		if cm.CustomType != "regex" {
			continue
		}
		m := manager{depName: cm.DepNameTemplate, datasource: cm.DatasourceTemplate}
		// fileMatch is what Renovate 39 knows; from 40.3 Renovate migrates
		// it to managerFilePatterns by itself (see doc.go).
		for _, fp := range cm.FileMatch {
			m.files = append(m.files, regexp.MustCompile(fp))
		}
		for _, s := range cm.MatchStrings {
			re, err := regexp.Compile(s)
			if err != nil {
				t.Fatalf("matchString %q does not compile: %v", s, err)
			}
			m.matches = append(m.matches, re)
		}
		ms = append(ms, m)
	}
	if len(ms) == 0 || len(ms[0].files) == 0 || len(ms[0].matches) == 0 {
		t.Fatal("default.json has no regex manager for .cue files")
	}
	return ms
}

// extract runs the managers over one file as Renovate does: every
// matchString of a manager whose fileMatch takes the path over the whole
// content, every match a dependency.
func (ms managers) extract(name, content string) []dep {
	var deps []dep
	for _, m := range ms {
		if !slices.ContainsFunc(m.files, func(re *regexp.Regexp) bool { return re.MatchString(name) }) {
			continue
		}
		for _, re := range m.matches {
			for _, idx := range re.FindAllStringSubmatchIndex(content, -1) {
				deps = append(deps, m.dep(re, name, content, idx))
			}
		}
	}
	return deps
}

func (m manager) dep(re *regexp.Regexp, name, content string, idx []int) dep {
	d := dep{File: name, DepName: m.depName, Datasource: m.datasource}
	for i, g := range re.SubexpNames() {
		if g == "" || idx[2*i] < 0 {
			continue
		}
		v := content[idx[2*i]:idx[2*i+1]]
		switch g {
		case "datasource":
			d.Datasource = v
		case "depName":
			d.DepName = v
		case "registryUrl":
			d.RegistryURL = v
		case "versioning":
			d.Versioning = v
		case "extractVersion":
			d.ExtractVersion = v
		case "currentValue":
			d.Value = v
			d.Line = strings.Count(content[:idx[2*i]], "\n") + 1
		}
	}
	return d
}

func TestPresetFilePatterns(t *testing.T) {
	m := loadPreset(t)
	tests := []struct {
		name string
		path string
		want bool
	}{
		{name: "cue at root", path: "cluster.cue", want: true},
		{name: "cue in a directory", path: "cluster/apps.cue", want: true},
		{name: "generated yaml", path: "kubernetes/apps/default/podinfo/app/helmrelease.yaml", want: false},
		{name: "cue-like suffix", path: "notes.cue.md", want: false},
		{name: "generated talos config", path: "cluster/talos/mini01.yaml", want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := m.extract(tt.path, "// renovate: datasource=helm depName=x\nversion: \"1.0.0\"\n") != nil
			if got != tt.want {
				t.Errorf("manager applies to %s = %v, want %v", tt.path, got, tt.want)
			}
		})
	}
}

// TestPresetLeavesPathsToTheFragment keeps path rules out of the preset:
// it cannot know where a repository keeps its description, so the rules
// that keep Renovate off generated files come from the .hogen-renovate.json
// a build writes (emitters/renovate).
func TestPresetLeavesPathsToTheFragment(t *testing.T) {
	b, err := os.ReadFile("default.json")
	if err != nil {
		t.Fatal(err)
	}
	var p preset
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	for _, r := range p.PackageRules {
		if len(r.MatchFileNames) > 0 {
			t.Errorf("the preset matches file names %q; generated paths belong in .hogen-renovate.json", r.MatchFileNames)
		}
	}
}

func TestPresetFindsVersions(t *testing.T) {
	m := loadPreset(t)
	tests := []struct {
		name     string
		dir      string
		want     []dep
		problems []string
	}{
		{
			name: "every kind of version",
			dir:  "testdata/good",
			want: []dep{
				{File: "apps.cue", Line: 10, Datasource: "helm", DepName: "cert-manager", RegistryURL: "https://charts.jetstack.io", Value: "v1.18.2"},
				{File: "apps.cue", Line: 19, Datasource: "docker", DepName: "ghcr.io/home-operations/charts-mirror/cilium", Value: "1.17.6"},
				{File: "apps.cue", Line: 23, Datasource: "docker", DepName: "quay.io/cilium/cilium", Versioning: "semver", Value: "v1.17.6"},
				{File: "cluster.cue", Line: 7, Datasource: "github-releases", DepName: "siderolabs/talos", Value: "v1.10.5"},
				{File: "cluster.cue", Line: 10, Datasource: "github-releases", DepName: "kubernetes/kubernetes", Value: "v1.33.2"},
			},
		},
		{
			name:     "version without a comment",
			dir:      "testdata/missing-comment",
			problems: []string{"apps.cue:8: version \"6.9.1\" has no `// renovate:` comment on the line before"},
		},
		{
			name: "depName is not the chart",
			dir:  "testdata/wrong-name",
			want: []dep{
				{File: "apps.cue", Line: 9, Datasource: "helm", DepName: "pod-info", RegistryURL: "https://stefanprodan.github.io/podinfo", Value: "6.9.1"},
			},
			problems: []string{`apps.cue:9: helm depName "pod-info" is not the chart name "podinfo"`},
		},
		{
			name: "quoted keys",
			dir:  "testdata/quoted-key",
			want: []dep{
				{File: "apps.cue", Line: 7, Datasource: "helm", DepName: "my-chart", RegistryURL: "https://example.com/charts", Value: "1.0.0"},
				{File: "apps.cue", Line: 11, Datasource: "docker", DepName: "ghcr.io/example/my-app", Versioning: "semver", Value: "v2.0.0"},
			},
		},
		{
			name: "blank line between comment and value",
			dir:  "testdata/blank-line",
			problems: []string{
				"apps.cue:4: renovate comment is not on the line right before a value",
				"apps.cue:6: tag \"6.9.1\" has no `// renovate:` comment on the line before",
			},
		},
		{
			name: "Flux pin from v-prefixed tags",
			dir:  "testdata/flux-pin",
			want: []dep{
				{File: "cluster.cue", Line: 5, Datasource: "github-releases", DepName: "fluxcd/flux2", ExtractVersion: "^v(?<version>.*)$", Value: "2.6.4"},
			},
		},
		{
			name: "Flux pin without extractVersion",
			dir:  "testdata/flux-no-extract",
			want: []dep{
				{File: "cluster.cue", Line: 5, Datasource: "github-releases", DepName: "fluxcd/flux2", Value: "2.6.4"},
			},
			problems: []string{"cluster.cue:5: fluxcd/flux2 tags start with v, \"2.6.4\" does not: add extractVersion=^v(?<version>.*)$"},
		},
		{
			name: "versions in values without a comment",
			dir:  "testdata/untracked-values",
			problems: []string{
				"apps.cue:6: tag \"2.0.18\" has no `// renovate:` comment on the line before",
				"apps.cue:8: env \"1.4.2\" has no `// renovate:` comment on the line before",
			},
		},
		{
			name: "comment Renovate would not read",
			dir:  "testdata/malformed",
			problems: []string{
				"cluster.cue:5: renovate comment is not matched by the preset (found by the CUE parser, not by the regex)",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, problems := checkDir(t, m, tt.dir)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("deps (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.problems, problems); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

// checkDir extracts the deps of every .cue file in dir with the preset and
// compares them with what the CUE parser finds in the same files.
func checkDir(t *testing.T, m managers, dir string) ([]dep, []string) {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(dir, "*.cue"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no .cue files in %s: %v", dir, err)
	}
	var all []dep
	var problems []string
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(p)
		got := m.extract(name, string(b))
		want, ps := parseDeps(t, name, b)
		problems = append(problems, ps...)
		problems = append(problems, compareDeps(want, got)...)
		all = append(all, got...)
	}
	slices.SortFunc(all, func(a, b dep) int {
		return strings.Compare(a.File, b.File)*1000 + a.Line - b.Line
	})
	return all, problems
}

// compareDeps reports versions the parser found that the regex missed, or
// read differently, and matches the regex made where the parser saw none.
func compareDeps(want, got []dep) []string {
	var problems []string
	byLine := map[int]dep{}
	for _, g := range got {
		byLine[g.Line] = g
	}
	for _, w := range want {
		g, ok := byLine[w.Line]
		switch {
		case !ok:
			problems = append(problems, w.where()+": renovate comment is not matched by the preset (found by the CUE parser, not by the regex)")
		case g != w:
			problems = append(problems, w.where()+": the preset reads "+g.String()+", the CUE file says "+w.String())
		}
		delete(byLine, w.Line)
	}
	for _, g := range byLine {
		problems = append(problems, g.where()+": the preset matched "+g.String()+" where the CUE parser found no renovate comment")
	}
	return problems
}

func (d dep) where() string { return d.File + ":" + itoa(d.Line) }

func (d dep) String() string {
	return "datasource=" + d.Datasource + " depName=" + d.DepName + " registryUrl=" + d.RegistryURL +
		" versioning=" + d.Versioning + " extractVersion=" + d.ExtractVersion + " value=" + d.Value
}

// TestPresetFindsEveryExampleVersion runs the preset over the shipped
// example: every version in examples/homelab is found, with the datasource
// and name its comment gives, and every chart's comment names that chart.
func TestPresetFindsEveryExampleVersion(t *testing.T) {
	m := loadPreset(t)
	deps, problems := checkDir(t, m, "../examples/homelab")
	for _, p := range problems {
		t.Error(p)
	}
	if len(deps) < 3 {
		t.Errorf("found %d versions in examples/homelab, want at least Talos, Kubernetes and one chart", len(deps))
	}
}

// TestPresetTracksHogen runs the preset over what users copy from
// examples/ci and the README, under the names they copy them to: every pin
// of hogen is found, as a GitHub release of hogen-dev/hogen, and all pins
// name the same release.
func TestPresetTracksHogen(t *testing.T) {
	m := loadPreset(t)
	files := map[string]string{
		"../examples/ci/hogen-check.yaml":       ".github/workflows/hogen-check.yaml",
		"../examples/ci/hogen-renovate.yaml":    ".github/workflows/hogen-renovate.yaml",
		"../examples/ci/pre-commit-config.yaml": ".pre-commit-config.yaml",
		"../README.md":                          ".pre-commit-config.yaml", // its pre-commit snippet
	}
	versions := map[string]bool{}
	for src, as := range files {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		deps := m.extract(as, string(b))
		if len(deps) == 0 {
			t.Errorf("%s (as %s): no hogen pin found", src, as)
		}
		for _, d := range deps {
			if d.DepName != "hogen-dev/hogen" || d.Datasource != "github-releases" {
				t.Errorf("%s:%d: tracked as %s", src, d.Line, d)
			}
			versions[d.Value] = true
		}
	}
	if len(versions) != 1 {
		t.Errorf("the shipped files pin different hogen releases: %v", slices.Sorted(maps.Keys(versions)))
	}
}
