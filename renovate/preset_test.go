package renovate

import (
	"encoding/json"
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
		CustomType          string   `json:"customType"`
		ManagerFilePatterns []string `json:"managerFilePatterns"`
		MatchStrings        []string `json:"matchStrings"`
	} `json:"customManagers"`
	PackageRules []struct {
		MatchFileNames []string `json:"matchFileNames"`
		MatchManagers  []string `json:"matchManagers"`
		Enabled        *bool    `json:"enabled"`
	} `json:"packageRules"`
}

// dep is one version Renovate would track, and where its value is.
type dep struct {
	File, Datasource, DepName, RegistryURL, Value string
	Line                                          int
}

// cueManager is the preset's regex manager for .cue files, compiled.
type cueManager struct {
	files   []*regexp.Regexp
	matches []*regexp.Regexp
}

func loadPreset(t *testing.T) cueManager {
	t.Helper()
	b, err := os.ReadFile("default.json")
	if err != nil {
		t.Fatal(err)
	}
	var p preset
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatalf("default.json is not valid JSON: %v", err)
	}
	var m cueManager
	for _, cm := range p.CustomManagers {
		if cm.CustomType != "regex" {
			continue
		}
		for _, fp := range cm.ManagerFilePatterns {
			// Renovate reads /.../ as a regular expression, anything else
			// as a glob; the preset uses the regex form only.
			if len(fp) < 2 || fp[0] != '/' || fp[len(fp)-1] != '/' {
				t.Fatalf("managerFilePatterns %q: want the /regex/ form", fp)
			}
			m.files = append(m.files, regexp.MustCompile(fp[1:len(fp)-1]))
		}
		for _, s := range cm.MatchStrings {
			re, err := regexp.Compile(s)
			if err != nil {
				t.Fatalf("matchString %q does not compile: %v", s, err)
			}
			m.matches = append(m.matches, re)
		}
	}
	if len(m.files) == 0 || len(m.matches) == 0 {
		t.Fatal("default.json has no regex manager for .cue files")
	}
	return m
}

// extract runs the manager over one file as Renovate does: every
// matchString over the whole content, every match a dependency.
func (m cueManager) extract(name, content string) []dep {
	if !slices.ContainsFunc(m.files, func(re *regexp.Regexp) bool { return re.MatchString(name) }) {
		return nil
	}
	var deps []dep
	for _, re := range m.matches {
		for _, idx := range re.FindAllStringSubmatchIndex(content, -1) {
			d := dep{File: name}
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
				case "currentValue":
					d.Value = v
					d.Line = strings.Count(content[:idx[2*i]], "\n") + 1
				}
			}
			deps = append(deps, d)
		}
	}
	return deps
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

func TestPresetKeepsManagersOffGeneratedFiles(t *testing.T) {
	b, err := os.ReadFile("default.json")
	if err != nil {
		t.Fatal(err)
	}
	var p preset
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	off := map[string]bool{}
	for _, r := range p.PackageRules {
		if r.Enabled != nil && !*r.Enabled {
			for _, mgr := range r.MatchManagers {
				for _, f := range r.MatchFileNames {
					off[mgr+" "+f] = true
				}
			}
		}
	}
	for _, mgr := range []string{"flux", "helm-values", "kustomize", "kubernetes"} {
		for _, dir := range []string{"kubernetes/**", "talos/**", "bootstrap/**"} {
			if !off[mgr+" "+dir] {
				t.Errorf("manager %s is not disabled for %s", mgr, dir)
			}
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
				{File: "apps.cue", Line: 23, Datasource: "docker", DepName: "quay.io/cilium/cilium", Value: "v1.17.6"},
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
func checkDir(t *testing.T, m cueManager, dir string) ([]dep, []string) {
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
	return "datasource=" + d.Datasource + " depName=" + d.DepName + " registryUrl=" + d.RegistryURL + " value=" + d.Value
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
