package jsonnet

import (
	"errors"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/hogen-dev/hogen/compiler/model"
	"github.com/hogen-dev/hogen/emitters"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// homelab is a small model like examples/homelab's.
func homelab() *model.Description {
	app := func(name, ns, chart, version string, bootstrap bool) model.App {
		return model.App{Name: name, Namespace: ns, Bootstrap: bootstrap, Kustomizations: []model.Kustomization{{
			Name: name, Dir: model.MainDir,
			Releases: []model.Release{{Name: name, Chart: model.Chart{Repo: "https://charts.example.com", Name: chart, Version: version}}},
		}}}
	}
	return &model.Description{
		Cluster: model.Cluster{Name: "home", Substitutions: model.Substitutions{
			Secrets: map[string]string{"SECRET_DOMAIN": "domain"},
		}},
		Apps: []model.App{
			app("cert-manager", "cert-manager", "cert-manager", "v1.18.2", false),
			app("cilium", "kube-system", "cilium", "1.17.6", true),
			app("grafana", "observability", "grafana", "9.2.10", false),
			app("podinfo", "default", "podinfo", "6.9.1", false),
		},
	}
}

// readTree reads the files under dir, keyed by prefix + relative slash path,
// as the compiler fills model.Inputs.Jsonnet.
func readTree(t *testing.T, dir, prefix string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		b, err := os.ReadFile(p)
		files[prefix+filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestHomepageExampleGolden(t *testing.T) {
	d := homelab()
	d.Inputs.Jsonnet = readTree(t, "../../examples/homelab/emitters", "emitters/")
	d.Emitters.Jsonnet = []model.JsonnetEmitter{{File: "emitters/homepage.jsonnet", Out: "kubernetes/apps/default/homepage/app"}}
	got, err := Emitter.Emit(t.Context(), d)
	if err != nil {
		t.Fatal(err)
	}
	again, err := Emitter.Emit(t.Context(), d)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(got, again); diff != "" {
		t.Fatalf("two runs differ (-first +second):\n%s", diff)
	}
	compareGolden(t, filepath.Join("testdata", "homepage", "want"), got)
}

// compareGolden compares files with the tree under dir, or rewrites it.
func compareGolden(t *testing.T, dir string, files []emitters.File) {
	t.Helper()
	if *update {
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			p := filepath.Join(dir, filepath.FromSlash(f.Path))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, f.Data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	want := readTree(t, dir, "")
	gotMap := map[string]string{}
	for _, f := range files {
		gotMap[f.Path] = string(f.Data)
	}
	wantMap := map[string]string{}
	for p, b := range want {
		wantMap[p] = string(b)
	}
	if diff := cmp.Diff(wantMap, gotMap); diff != "" {
		t.Errorf("files (-want +got), rerun with -update if intended:\n%s", diff)
	}
}

func TestEmit(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string
		out     string
		want    []emitters.File
		wantErr string // substring of the error
	}{
		{
			name: "objects as YAML or JSON, strings as is, secrets marked",
			files: map[string]string{"e/a.jsonnet": `function(model) {
  'cm.yaml': {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: model.cluster.name}},
  'x.json': {b: 1, a: [true]},
  'notes.txt': 'hello\n',
  's.sops.yaml': {stringData: {k: 'v'}},
}`},
			out: "out/dir",
			want: []emitters.File{
				{Path: "out/dir/cm.yaml", Data: []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: home\n")},
				{Path: "out/dir/notes.txt", Data: []byte("hello\n")},
				{Path: "out/dir/s.sops.yaml", Data: []byte("stringData:\n  k: v\n"), Secret: true},
				{Path: "out/dir/x.json", Data: []byte("{\n  \"a\": [\n    true\n  ],\n  \"b\": 1\n}\n")},
			},
		},
		{
			name: "imports relative to the importing file",
			files: map[string]string{
				"e/a.jsonnet":          `local l = import 'lib/l.libsonnet'; function(model) { 'f.txt': l.greet(model.cluster.name) }`,
				"e/lib/l.libsonnet":    `local m = import 'more.libsonnet'; { greet(n):: m.prefix + n }`,
				"e/lib/more.libsonnet": `{ prefix: 'hi ' }`,
			},
			want: []emitters.File{{Path: "f.txt", Data: []byte("hi home")}},
		},
		{
			name:    "runtime error points at file:line:col",
			files:   map[string]string{"e/a.jsonnet": "function(model)\n  {\n    'a.yaml': error 'no such app',\n  }\n"},
			wantErr: "e/a.jsonnet:3:15",
		},
		{
			name:    "syntax error points at file:line:col",
			files:   map[string]string{"e/a.jsonnet": "function(model) {\n  'a.yaml': {,\n}\n"},
			wantErr: "e/a.jsonnet:2:",
		},
		{name: "path with ..", files: returns(`'../escape.yaml'`), wantErr: `path "../escape.yaml" has an empty, "." or ".." segment`},
		{name: "path inside with ..", files: returns(`'a/../../b.yaml'`), wantErr: `".." segment`},
		{name: "absolute path", files: returns(`'/etc/passwd'`), wantErr: "is absolute"},
		{name: "backslash", files: returns(`'a\\b.yaml'`), wantErr: "has a backslash"},
		{name: "empty path", files: returns(`''`), wantErr: "empty path"},
		{name: "out with ..", files: returns(`'a.yaml'`), out: "kubernetes/../..", wantErr: "out: path"},
		{
			name:    "import leaving the description directory",
			files:   map[string]string{"e/a.jsonnet": `local x = import '../../secret.libsonnet'; function(model) {'a.txt': x}`},
			wantErr: "leaves the description directory",
		},
		{
			name:    "import of a file hogen did not read",
			files:   map[string]string{"e/a.jsonnet": `local x = import 'missing.libsonnet'; function(model) {'a.txt': x}`},
			wantErr: "no file e/missing.libsonnet",
		},
		{name: "not an object", files: map[string]string{"e/a.jsonnet": `function(model) [1]`}, wantErr: "must return an object"},
		{name: "number value", files: returns(`'a.yaml'`, "3"), wantErr: "must be an object or a string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := homelab()
			d.Inputs.Jsonnet = map[string][]byte{}
			for p, s := range tt.files {
				d.Inputs.Jsonnet[p] = []byte(s)
			}
			d.Emitters.Jsonnet = []model.JsonnetEmitter{{File: "e/a.jsonnet", Out: tt.out}}
			got, err := Emit(t.Context(), d)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreFields(emitters.File{}, "Origin")); diff != "" {
				t.Errorf("files (-want +got):\n%s", diff)
			}
		})
	}
}

// returns is an emitter whose object has one field, key, valued value.
func returns(key string, value ...string) map[string]string {
	v := "{}"
	if len(value) > 0 {
		v = value[0]
	}
	return map[string]string{"e/a.jsonnet": "function(model) {" + key + ": " + v + "}"}
}

func TestEmitSamePathTwice(t *testing.T) {
	d := homelab()
	d.Inputs.Jsonnet = map[string][]byte{
		"a.jsonnet": []byte(`function(model) {'x.yaml': {}}`),
		"b.jsonnet": []byte(`function(model) {'x.yaml': {}}`),
	}
	d.Emitters.Jsonnet = []model.JsonnetEmitter{{File: "a.jsonnet"}, {File: "b.jsonnet"}}
	_, err := Emit(t.Context(), d)
	if err == nil || !strings.Contains(err.Error(), "x.yaml is also written by a.jsonnet") || !strings.Contains(err.Error(), "emitters.jsonnet.1") {
		t.Fatalf("error = %v, want a duplicate path error", err)
	}
}

func TestModelHasNoSecrets(t *testing.T) {
	d := homelab()
	d.Inputs.Secrets = map[string]string{"domain": "example.org"}
	d.Inputs.Jsonnet = map[string][]byte{"a.jsonnet": []byte(`function(model) {'m.txt': std.manifestJson(model)}`)}
	d.Emitters.Jsonnet = []model.JsonnetEmitter{{File: "a.jsonnet"}}
	got, err := Emit(t.Context(), d)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(got[0].Data), "example.org") {
		t.Errorf("the model a Jsonnet emitter sees holds a secret value:\n%s", got[0].Data)
	}
}

// TestProblemsArePositioned: what is wrong with a Jsonnet emitter is a
// problem at the Jsonnet line that made it, or at the emitter's entry in
// the description; never a go-jsonnet banner.
func TestProblemsArePositioned(t *testing.T) {
	entry := model.Pos{File: "desc/cluster.cue", Line: 9, Col: 3}
	tests := []struct {
		name  string
		files map[string]string
		want  string // the first problem, as "pos: path: msg"
	}{
		{name: "escaping path", files: map[string]string{"e/a.jsonnet": "function(model) {\n  'ok.yaml': {},\n    '../x.yaml': {},\n}\n"},
			want: `desc/e/a.jsonnet:3:5: emitters.jsonnet.0: output "../x.yaml": path "../x.yaml" has an empty, "." or ".." segment`},
		{name: "absolute path, an identifier key", files: map[string]string{"e/a.jsonnet": "function(model) {\n  '/etc/passwd': 'x',\n}\n"},
			want: `desc/e/a.jsonnet:2:3: emitters.jsonnet.0: output "/etc/passwd": path "/etc/passwd" is absolute`},
		{name: "computed key: at the entry", files: map[string]string{"e/a.jsonnet": "function(model) {\n  ['..' + '/x']: 'x',\n}\n"},
			want: `desc/cluster.cue:9:3: emitters.jsonnet.0: output "../x"`},
		{name: "missing file", files: map[string]string{},
			want: `desc/cluster.cue:9:3: emitters.jsonnet.0.file: there is no file e/a.jsonnet in the description directory`},
		{name: "not UTF-8", files: map[string]string{"e/a.jsonnet": "function(model) {\n  'a.txt': 'caf\xe9',\n}\n"},
			want: `desc/e/a.jsonnet:2:16: emitters.jsonnet.0.file: e/a.jsonnet is not UTF-8 text (byte 0xe9)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := homelab()
			d.Pos = model.Positions{"emitters.jsonnet.0": entry}
			d.Inputs.Jsonnet = map[string][]byte{}
			for p, s := range tt.files {
				d.Inputs.Jsonnet[p] = []byte(s)
			}
			d.Emitters.Jsonnet = []model.JsonnetEmitter{{File: "e/a.jsonnet"}}
			_, err := Emit(t.Context(), d)
			var ps emitters.Problems
			if !errors.As(err, &ps) {
				t.Fatalf("err = %v, want problems", err)
			}
			pos := ps[0].Pos
			if !pos.IsValid() {
				pos = d.Pos.Of(ps[0].Path)
			}
			if got := pos.String() + ": " + ps[0].Path + ": " + ps[0].Msg; !strings.HasPrefix(got, tt.want) {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

// TestImportNotUTF8: an imported file that is not UTF-8 fails at its bad
// byte rather than writing U+FFFD.
func TestImportNotUTF8(t *testing.T) {
	d := homelab()
	d.Inputs.Jsonnet = map[string][]byte{
		"a.jsonnet":   []byte(`local l = import 'l.libsonnet'; function(model) {'a.txt': l}`),
		"l.libsonnet": []byte("// ok\n  'caf\xe9'\n"),
	}
	d.Emitters.Jsonnet = []model.JsonnetEmitter{{File: "a.jsonnet"}}
	_, err := Emit(t.Context(), d)
	if err == nil || !strings.Contains(err.Error(), "l.libsonnet:2:7: not UTF-8 text (byte 0xe9)") {
		t.Fatalf("err = %v", err)
	}
}
