package talos

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestGoldenMinis compares the plaintext output for the seed's three Mac
// minis with testdata/minis/want (rewrite with -update).
func TestGoldenMinis(t *testing.T) {
	d := minis(t)
	files, err := Emit(t.Context(), d)
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join("testdata", "minis", "want")
	got := map[string]string{}
	for _, f := range files {
		if !f.Secret || f.EncryptedRegex != EncryptedRegex {
			t.Errorf("%s: Secret=%v EncryptedRegex=%q, want secret with EncryptedRegex", f.Path, f.Secret, f.EncryptedRegex)
		}
		got[f.Path] = string(f.Data)
	}
	got["commands.sh"] = Commands(d, "")
	if *update {
		if err := os.RemoveAll(want); err != nil {
			t.Fatal(err)
		}
		for p, data := range got {
			writeGolden(t, filepath.Join(want, filepath.FromSlash(p)), data)
		}
	}
	wantFiles := map[string]string{}
	err = filepath.WalkDir(want, func(p string, e os.DirEntry, err error) error {
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
