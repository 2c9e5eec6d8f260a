package talos

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hogen-dev/hogen/compiler/model"
)

// goldenCases are the described clusters with committed output in
// testdata/<dir>/want, each at a Talos version whose contract picks a
// form: the legacy one (machine.network, systemDiskEncryption) before 1.11,
// volume documents from 1.11, network documents from 1.12.
var goldenCases = []struct {
	dir, desc, version string
}{
	{"minis", "minis", ""},              // v1.10.5: legacy form
	{"minis-v1.13", "minis", "v1.13.0"}, // the same machines as documents
	{"bonds-v1.11", "bonds", "v1.11.5"}, // legacy network, volume documents
	{"bonds", "bonds", ""},              // v1.13.0: bonds, bridges, VLANs, DHCP as documents
}

// described is testdata/<name>/description.json with the test inputs, at
// Talos version (when not "").
func described(t testing.TB, name, version string) *model.Description {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name, "description.json"))
	if err != nil {
		t.Fatal(err)
	}
	var d model.Description
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatal(err)
	}
	d.Inputs = testInputs(t)
	if version != "" {
		d.Cluster.Talos.Version = version
	}
	return &d
}

// TestGolden compares the plaintext output of each golden case with its
// testdata/<dir>/want (rewrite with -update).
func TestGolden(t *testing.T) {
	for _, tc := range goldenCases {
		t.Run(tc.dir, func(t *testing.T) {
			d := described(t, tc.desc, tc.version)
			files, err := Emit(t.Context(), d)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, f := range files {
				want := EncryptedRegex
				if f.Path == KubeconfigFile {
					want = KubeconfigEncryptedRegex
				}
				if !f.Secret || f.EncryptedRegex != want {
					t.Errorf("%s: Secret=%v EncryptedRegex=%q, want secret with %q", f.Path, f.Secret, f.EncryptedRegex, want)
				}
				got[f.Path] = string(f.Data)
			}
			got["commands.sh"] = Commands(d, "")
			compareGolden(t, filepath.Join("testdata", tc.dir, "want"), got)
		})
	}
}

// compareGolden compares got (slash path -> contents) with the files under
// want, or rewrites them with -update.
func compareGolden(t *testing.T, want string, got map[string]string) {
	t.Helper()
	if *update {
		if err := os.RemoveAll(want); err != nil {
			t.Fatal(err)
		}
		for p, data := range got {
			writeGolden(t, filepath.Join(want, filepath.FromSlash(p)), data)
		}
	}
	wantFiles := map[string]string{}
	err := filepath.WalkDir(want, func(p string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(want, p)
		wantFiles[filepath.ToSlash(rel)] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantFiles, got); diff != "" {
		t.Errorf("output differs from %s (-want +got); rerun with -update if intended:\n%s", want, diff)
	}
}

func writeGolden(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestDeterministic checks that two builds give the same bytes.
func TestDeterministic(t *testing.T) {
	first, err := Emit(t.Context(), minis(t))
	if err != nil {
		t.Fatal(err)
	}
	second, err := Emit(t.Context(), minis(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != len(second) {
		t.Fatalf("%d files, then %d", len(first), len(second))
	}
	for i := range first {
		if first[i].Path != second[i].Path || !bytes.Equal(first[i].Data, second[i].Data) {
			t.Errorf("%s differs between two builds", first[i].Path)
		}
	}
}

// TestNodeConfigMatchesEmit checks that `hogen talos config` prints what
// the build writes.
func TestNodeConfigMatchesEmit(t *testing.T) {
	d := minis(t)
	files, err := Emit(t.Context(), d)
	if err != nil {
		t.Fatal(err)
	}
	got, err := NodeConfig(d, "mini03")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(files[2].Data), string(got)); diff != "" {
		t.Errorf("NodeConfig(mini03) differs from talos/mini03.yaml (-emit +nodeconfig):\n%s", diff)
	}
	if _, err := NodeConfig(d, "nope"); err == nil {
		t.Error("NodeConfig of an unknown node: no error")
	}
}
