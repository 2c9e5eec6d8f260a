package talhelper

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hogen-dev/hogen/compiler"
	"github.com/hogen-dev/hogen/compiler/importer"
	"github.com/hogen-dev/hogen/compiler/importer/importertest"
	"github.com/hogen-dev/hogen/compiler/inputs"
	"github.com/hogen-dev/hogen/emitters/talos"
	"github.com/hogen-dev/hogen/internal/testschemas"
)

// difference is a way hogen's machine config of an imported node may
// differ from the one talhelper generated, and why that is accepted. A
// difference the import must have warned about names the input field.
type difference struct {
	node   string // "" for every node
	why    string
	warned []string
	// apply removes the difference from the normalised configs.
	apply func(got, want config)
}

var schematicImage = regexp.MustCompile(`/([0-9a-f]{64}):(v[0-9.]+)$`)

// differences are all that may tell hogen's configs from talhelper's.
var differences = []difference{
	{
		why: "hogen puts the API server's SANs (cluster.api.certSANs) on every machine's certificate too",
		apply: func(got, _ config) {
			sans := at(got["v1alpha1"], "machine", "certSANs").([]any)
			got["v1alpha1"]["machine"].(map[string]any)["certSANs"] = slices.DeleteFunc(sans, func(s any) bool { return s == "home-cluster.local" })
		},
	},
	{
		why: "hogen pins the kubelet's node IP (and etcd's advertised subnet) to the node network",
		apply: func(got, _ config) {
			del(got["v1alpha1"], "machine", "kubelet", "nodeIP")
			del(got["v1alpha1"], "cluster", "etcd", "advertisedSubnets")
		},
	},
	{
		why: "the installer image's registry path differs (hogen: installer/, talhelper: metal-installer/); the schematic and version must not",
		apply: func(got, want config) {
			for _, c := range []config{got, want} {
				install := at(c["v1alpha1"], "machine", "install").(map[string]any)
				install["image"] = schematicImage.FindString(install["image"].(string))
			}
		},
	},
	{
		node:   "kmaster1",
		why:    "the board overlay and SecureBoot are not imported (hogen's schematic has neither), so the schematic differs",
		warned: []string{"nodes[0].schematic.overlay", "nodes[0].machineSpec.secureboot", "nodes[0].machineSpec.useUKI"},
		apply: func(got, want config) {
			del(got["v1alpha1"], "machine", "install", "image")
			del(want["v1alpha1"], "machine", "install", "image")
		},
	},
	{
		node:   "kmaster1",
		why:    "Go templates hogen cannot evaluate are left out",
		warned: []string{"nodes[0].nodeLabels.isSecureBootEnabled", "nodes[0].nodeAnnotations.installerUrl"},
		apply: func(_, want config) {
			del(want["v1alpha1"], "machine", "nodeLabels", "isSecureBootEnabled")
			del(want["v1alpha1"], "machine", "nodeAnnotations", "installerUrl")
		},
	},
}

// TestExampleMatchesTalhelper imports talhelper's own example with its
// talsecret, builds it with hogen, and compares each machine config with
// the one talhelper v3.1.16 generated, document by document and field by
// field, after normalising the network's two spellings; only the listed
// differences are accepted.
func TestExampleMatchesTalhelper(t *testing.T) {
	fx := importertest.Fixture(t, "talhelper-example")
	in := filepath.Join(fx, "input")
	getenv := func(k string) string {
		if k == "SOPS_AGE_KEY_FILE" {
			return filepath.Join(in, "key.txt")
		}
		return ""
	}
	src, err := os.ReadFile(filepath.Join(in, "talconfig.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := Import("talconfig.yaml", src, os.DirFS(in), importer.Options{
		Getenv: getenv, ClearVars: []string{"myDomainName"}, FluxURL: "https://github.com/me/home-ops",
	})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := importer.Write(t.Context(), r, importer.WriteOptions{Dir: dir, Getenv: getenv}); err != nil {
		t.Fatalf("the import does not vet: %v", err)
	}
	d, _, err := compiler.Load(t.Context(), compiler.Options{Dir: dir, Getenv: getenv})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := inputs.Unlock(d, dir, getenv); err != nil {
		t.Fatal(err)
	}
	for _, node := range []string{"kmaster1", "kworker1"} {
		t.Run(node, func(t *testing.T) {
			b, err := talos.NodeConfig(d, node)
			if err != nil {
				t.Fatal(err)
			}
			got, err := parseConfig(b)
			if err != nil {
				t.Fatal(err)
			}
			b, err = os.ReadFile(filepath.Join(fx, "talhelper-output", "home-cluster-"+node+".yaml"))
			if err != nil {
				t.Fatal(err)
			}
			want, err := parseConfig(b)
			if err != nil {
				t.Fatal(err)
			}
			for _, dif := range differences {
				if dif.node == "" || dif.node == node {
					requireWarned(t, r.Warnings, dif)
					dif.apply(got, want)
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("hogen's config of %s differs from talhelper's beyond the accepted differences (-talhelper +hogen):\n%s", node, diff)
			}
		})
	}
}

func requireWarned(t *testing.T, ws []importer.Warning, dif difference) {
	t.Helper()
	for _, field := range dif.warned {
		if !slices.ContainsFunc(ws, func(w importer.Warning) bool { return w.Field == field }) {
			t.Errorf("accepted difference %q: the import gave no warning about %s", dif.why, field)
		}
	}
}

// BenchmarkImportExample imports talhelper's example: decrypting its
// talenv and talsecret, mapping, and encrypting the bundle again.
func BenchmarkImportExample(b *testing.B) {
	in := filepath.Join(testschemas.SharedDir(b), "fixtures", "talhelper-example", "input")
	src, err := os.ReadFile(filepath.Join(in, "talconfig.yaml"))
	if err != nil {
		b.Skipf("fixture absent: %v", err)
	}
	opts := importer.Options{FluxURL: "https://github.com/me/home-ops", Getenv: func(k string) string {
		if k == "SOPS_AGE_KEY_FILE" {
			return filepath.Join(in, "key.txt")
		}
		return ""
	}}
	for b.Loop() {
		if _, err := Import("talconfig.yaml", src, os.DirFS(in), opts); err != nil {
			b.Fatal(err)
		}
	}
}
