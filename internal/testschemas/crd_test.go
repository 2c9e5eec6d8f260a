package testschemas

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "regenerate testdata/schemas/crds from the CRDs")

// crdSource is a set of CRD files and the schemas kept from them.
type crdSource struct {
	name string
	// module@version is the Go module whose zip holds the CRDs under dir;
	// empty for the Flux CRDs in ../shared/schemas/crds.
	module, version, dir string
	// schemas maps a CRD file to the schema files kept from it.
	schemas map[string][]string
}

// crdSources are where every file in testdata/schemas/crds comes from.
var crdSources = []crdSource{
	{
		name: "flux",
		dir:  "schemas/crds", // in shared/
		schemas: map[string][]string{
			"helm.toolkit.fluxcd.io_helmreleases.yaml":        {"helmrelease-helm-v2.json"},
			"kustomize.toolkit.fluxcd.io_kustomizations.yaml": {"kustomization-kustomize-v1.json"},
			"source.toolkit.fluxcd.io_gitrepositories.yaml":   {"gitrepository-source-v1.json"},
			"source.toolkit.fluxcd.io_helmrepositories.yaml":  {"helmrepository-source-v1.json"},
			"source.toolkit.fluxcd.io_ocirepositories.yaml":   {"ocirepository-source-v1.json"},
			"notification.toolkit.fluxcd.io_receivers.yaml":   {"receiver-notification-v1.json"},
			"notification.toolkit.fluxcd.io_alerts.yaml":      {"alert-notification-v1beta3.json"},
			"notification.toolkit.fluxcd.io_providers.yaml":   {"provider-notification-v1beta3.json"},
		},
	},
	{
		name:    "external-secrets",
		module:  "github.com/external-secrets/external-secrets",
		version: "v0.16.2",
		dir:     "config/crds/bases",
		schemas: map[string][]string{
			"external-secrets.io_externalsecrets.yaml":     {"externalsecret-external-secrets-v1.json"},
			"external-secrets.io_secretstores.yaml":        {"secretstore-external-secrets-v1.json"},
			"external-secrets.io_clustersecretstores.yaml": {"clustersecretstore-external-secrets-v1.json"},
		},
	},
	{
		name:    "gateway-api",
		module:  "sigs.k8s.io/gateway-api",
		version: "v1.4.1",
		dir:     "config/crd/standard",
		schemas: map[string][]string{
			"gateway.networking.k8s.io_httproutes.yaml":     {"httproute-gateway-v1.json"},
			"gateway.networking.k8s.io_gateways.yaml":       {"gateway-gateway-v1.json"},
			"gateway.networking.k8s.io_gatewayclasses.yaml": {"gatewayclass-gateway-v1.json"},
		},
	},
}

// TestCRDSchemas regenerates every CRD schema from its source and compares
// it with the committed file; -update rewrites them. The Flux CRDs are in
// ../shared (the test skips without it, and fails when
// HOGEN_REQUIRE_FIXTURES=1); the External Secrets ones in the Go module's
// zip, which -update downloads and a plain run reads only from the module
// cache.
func TestCRDSchemas(t *testing.T) {
	out := filepath.Join(Dir(t), CRDDir)
	for _, src := range crdSources {
		t.Run(src.name, func(t *testing.T) {
			dir := src.locate(t)
			for file, keep := range src.schemas {
				crd, err := os.ReadFile(filepath.Join(dir, file))
				if err != nil {
					t.Fatal(err)
				}
				got, err := StrictSchemas(crd)
				if err != nil {
					t.Fatalf("%s: %v", file, err)
				}
				for _, name := range keep {
					compareOrWrite(t, filepath.Join(out, name), got[name])
				}
			}
		})
	}
}

// locate finds the directory holding the source's CRDs, or skips.
func (src crdSource) locate(t *testing.T) string {
	t.Helper()
	if src.module == "" {
		shared := SharedDir(t)
		dir := filepath.Join(shared, filepath.FromSlash(src.dir))
		if _, err := os.Stat(dir); shared == "" || err != nil {
			if os.Getenv("HOGEN_REQUIRE_FIXTURES") == "1" {
				t.Fatalf("shared/%s is missing beside the checkout and HOGEN_REQUIRE_FIXTURES=1", src.dir)
			}
			t.Skipf("shared/%s is missing beside the checkout: the Flux schemas are not compared with their CRDs", src.dir)
		}
		return dir
	}
	mod := src.module + "@" + src.version
	if *update {
		cmd := exec.Command("go", "mod", "download", "-json", mod)
		b, err := cmd.Output()
		if err != nil {
			t.Fatalf("go mod download %s: %v", mod, err)
		}
		var info struct{ Dir string }
		if err := json.Unmarshal(b, &info); err != nil {
			t.Fatal(err)
		}
		return filepath.Join(info.Dir, filepath.FromSlash(src.dir))
	}
	cache, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(strings.TrimSpace(string(cache)), src.module+"@"+src.version, filepath.FromSlash(src.dir))
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("%s is not in the module cache; compare with: go test ./internal/testschemas -run TestCRDSchemas -update (downloads it)", mod)
	}
	return dir
}

func compareOrWrite(t *testing.T, path string, got []byte) {
	t.Helper()
	if got == nil {
		t.Errorf("%s: the CRD gives no such schema", filepath.Base(path))
		return
	}
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (regenerate with -update)", err)
	}
	if !bytes.Equal(want, got) {
		t.Errorf("%s differs from what its CRD gives; regenerate with -update", filepath.Base(path))
	}
}

// TestSchemasAreStrict checks every committed CRD schema is closed wherever
// it lists properties: an open schema would pass misspelt fields.
func TestSchemasAreStrict(t *testing.T) {
	paths, _ := filepath.Glob(filepath.Join(Dir(t), CRDDir, "*.json"))
	want := 0
	for _, src := range crdSources {
		for _, keep := range src.schemas {
			want += len(keep)
		}
	}
	if len(paths) != want {
		t.Errorf("%d schemas in %s, crdSources names %d", len(paths), CRDDir, want)
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var s any
		if err := json.Unmarshal(b, &s); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if open := openObjects(s, "$"); len(open) > 0 {
			t.Errorf("%s: objects with properties but no additionalProperties: %v", filepath.Base(p), open)
		}
	}
}

func openObjects(v any, at string) []string {
	var open []string
	switch v := v.(type) {
	case map[string]any:
		_, props := v["properties"]
		if _, set := v["additionalProperties"]; props && !set {
			open = append(open, at)
		}
		for k, sub := range v {
			open = append(open, openObjects(sub, at+"."+k)...)
		}
	case []any:
		for _, sub := range v {
			open = append(open, openObjects(sub, at+"[]")...)
		}
	}
	return open
}
