package flux

import (
	"context"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hogen-dev/hogen/compiler"
	"github.com/hogen-dev/hogen/compiler/model"
	"github.com/hogen-dev/hogen/emitters"
	"github.com/hogen-dev/hogen/emitters/namespaces"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// goldenCases are whole trees kept under testdata/<name>/want: what the
// flux and namespaces emitters write together. Cases from a model built in
// Go, then one per feature, each a description (testdata/<name>/*.cue)
// loaded as `hogen build` loads it.
var goldenCases = []struct {
	name  string
	model func(t *testing.T) *model.Description
}{
	{name: "homelab", model: func(*testing.T) *model.Description { return homelab() }},
	{name: "homelab-operator", model: func(*testing.T) *model.Description { return homelabOperator() }},
	{name: "releases-policy", model: loadCase("releases-policy")},
	{name: "kustomizations", model: loadCase("kustomizations")},
	{name: "components-namespaced", model: loadCase("components-namespaced")},
	{name: "substitution", model: loadCase("substitution")},
	{name: "platform", model: loadCase("platform")},
	{name: "health-checks", model: loadCase("health-checks")},
}

// loadCase loads testdata/<name> as a description, with the files its
// ConfigMaps read.
func loadCase(name string) func(t *testing.T) *model.Description {
	return func(t *testing.T) *model.Description {
		t.Helper()
		d, diags, err := compiler.Load(t.Context(), compiler.Options{Dir: filepath.Join("testdata", name)})
		if err != nil {
			t.Fatalf("loading testdata/%s:\n%v", name, err)
		}
		for _, w := range diags {
			t.Logf("testdata/%s: %s", name, w)
		}
		d.Emitters.Talos.Enabled = false
		// Each case is a repository of its own: its Flux paths start at
		// its root (TestRepoLayouts covers a description in a sub-folder).
		d.Inputs.RepoPath = ""
		return d
	}
}

// homelabOperator is the homelab installed by the Flux Operator, whose
// chart is a bootstrap app.
func homelabOperator() *model.Description {
	d := homelabDesc()
	d.Cluster.Flux.Install = InstallOperator
	d.Cluster.Flux.Version = "2.6.x"
	d.Cluster.Flux.Source.URL = "https://github.com/geoffdavis/talos-gitops"
	d.Apps = append(d.Apps, app("flux-operator", "flux-system", "oci://ghcr.io/controlplaneio-fluxcd/charts", "flux-operator", "0.28.0", func(a *testApp) {
		a.Bootstrap = true
		a.DependsOn = []string{"cert-manager"}
		a.Values = raw(`{"serviceMonitor":{"create":false}}`)
	}))
	return d.build()
}

func TestGolden(t *testing.T) {
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			got := emitTree(t, tc.model(t))
			dir := filepath.Join("testdata", tc.name, "want")
			if *update {
				writeTree(t, dir, got)
			}
			if diff := cmp.Diff(readTree(t, dir), got); diff != "" {
				t.Errorf("tree differs from %s (-want +got); run go test -update to accept:\n%s", dir, diff)
			}
		})
	}
}

// emitTree runs the namespaces and flux emitters and returns path ->
// contents, checking on the way that exactly the .sops.yaml files are
// secret.
func emitTree(t *testing.T, d *model.Description) map[string]string {
	t.Helper()
	files, err := Emit(context.Background(), d)
	if err != nil {
		t.Fatalf("Emit: %v", err)
	}
	nsFiles, err := namespaces.Emit(context.Background(), d)
	if err != nil {
		t.Fatalf("namespaces.Emit: %v", err)
	}
	out := map[string]string{}
	for _, f := range append(files, nsFiles...) {
		if _, dup := out[f.Path]; dup {
			t.Errorf("%s emitted twice", f.Path)
		}
		checkSecretFlag(t, f)
		out[f.Path] = string(f.Data)
	}
	return out
}

func checkSecretFlag(t *testing.T, f emitters.File) {
	t.Helper()
	wantSecret := strings.HasSuffix(f.Path, ".sops.yaml")
	if f.Secret != wantSecret {
		t.Errorf("%s: Secret = %v, want %v", f.Path, f.Secret, wantSecret)
	}
	if wantSecret && f.EncryptedRegex != secretRegex {
		t.Errorf("%s: EncryptedRegex = %q, want %q", f.Path, f.EncryptedRegex, secretRegex)
	}
}

func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = string(b)
		return nil
	})
	if err != nil {
		t.Fatalf("reading golden tree (run go test -update to create it): %v", err)
	}
	return out
}

func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	for p, data := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
