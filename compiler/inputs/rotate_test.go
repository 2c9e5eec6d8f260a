package inputs

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"filippo.io/age"
	"github.com/google/go-cmp/cmp"

	"github.com/hogen-dev/hogen/compiler/internal/testdesc"
	"github.com/hogen-dev/hogen/compiler/secrets"
	"github.com/hogen-dev/hogen/emitters/talos"
)

// rotationKey is a fresh age key, its identities and its recipient.
func rotationKey(t *testing.T) (*secrets.Identities, string) {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	ids, err := secrets.ParseIdentities("test", id.String())
	if err != nil {
		t.Fatal(err)
	}
	return ids, id.Recipient().String()
}

// writeInputs writes each secret input rel, encrypted to its recipients,
// into dir and returns the files' bytes.
func writeInputs(t *testing.T, dir string, to map[string][]string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for rel, rs := range to {
		enc, err := secrets.Encrypt([]byte("# "+rel+"\nvalue: secret-of-"+rel+"\n"), rs, "")
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, enc, 0o600); err != nil {
			t.Fatal(err)
		}
		out[rel] = enc
	}
	return out
}

// wantFiles fails unless dir's inputs are exactly want, byte for byte.
func wantFiles(t *testing.T, dir string, want map[string][]byte) {
	t.Helper()
	if diff := cmp.Diff(want, readInputs(t, dir)); diff != "" {
		t.Errorf("inputs changed (-want +got):\n%s", diff)
	}
}

func readInputs(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, rel := range SecretInputs {
		if b, err := readInput(dir, rel); err != nil {
			t.Fatal(err)
		} else if b != nil {
			out[rel] = b
		}
	}
	return out
}

func TestRotateInputs(t *testing.T) {
	oldIDs, oldR := rotationKey(t)
	newIDs, newR := rotationKey(t)
	want := []string{oldR, newR}
	tests := []struct {
		name    string
		to      map[string][]string
		rotated []string
	}{
		{
			name:    "every input",
			to:      map[string][]string{secrets.InputFile: {oldR}, talos.SecretsFile: {oldR}, talos.ClientFile: {oldR}},
			rotated: SecretInputs,
		},
		{
			name:    "only those not yet rotated; missing ones skipped",
			to:      map[string][]string{secrets.InputFile: {newR, oldR}, talos.SecretsFile: {oldR}},
			rotated: []string{talos.SecretsFile},
		},
		{name: "no inputs", to: map[string][]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			before := writeInputs(t, dir, tt.to)
			got, err := RotateInputs(dir, want, oldIDs)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.rotated, got); diff != "" {
				t.Errorf("rotated (-want +got):\n%s", diff)
			}
			after := readInputs(t, dir)
			for rel, b := range before {
				plain, err := secrets.Decrypt(after[rel], newIDs)
				if err != nil {
					t.Fatalf("%s: the new key cannot open it: %v", rel, err)
				}
				if wantPlain := "# " + rel + "\nvalue: secret-of-" + rel + "\n"; string(plain) != wantPlain {
					t.Errorf("%s: plaintext %q, want %q", rel, plain, wantPlain)
				}
				if !slices.Contains(got, rel) && !bytes.Equal(b, after[rel]) {
					t.Errorf("%s was rewritten though it was not rotated", rel)
				}
			}
			// Once rotated, nothing is left to do and nothing is rewritten.
			again, err := RotateInputs(dir, want, &secrets.Identities{})
			if err != nil || len(again) > 0 {
				t.Errorf("second rotation = %v, %v; want nothing to do", again, err)
			}
			wantFiles(t, dir, after)
		})
	}
}

// A file the key cannot open stops the rotation before any file is
// written, and the error names the file and the recipient it needs.
func TestRotateInputsAllOrNothing(t *testing.T) {
	oldIDs, oldR := rotationKey(t)
	_, otherR := rotationKey(t)
	dir := t.TempDir()
	before := writeInputs(t, dir, map[string][]string{secrets.InputFile: {oldR}, talos.ClientFile: {otherR}})
	_, err := RotateInputs(dir, []string{oldR, otherR, "age1lh8j082ajtwnu8lted2mydn83u8vd79wek0jvdks2sw0gtzfle4qrdmzw3"}, oldIDs)
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "talos", "client.sops.yaml")) || !strings.Contains(err.Error(), otherR) {
		t.Fatalf("err = %v, want one naming talos/client.sops.yaml and %s", err, otherR)
	}
	wantFiles(t, dir, before)
}

func TestStaleInputsWarn(t *testing.T) {
	_, oldR := rotationKey(t)
	_, newR := rotationKey(t)
	files := testdesc.Synthetic(1, 0)
	files["cluster.cue"] = []byte(strings.Replace(string(files["cluster.cue"]), "\tflux:",
		"\tsops: ageRecipients: [\""+oldR+"\", \""+newR+"\"]\n\tflux:", 1))
	dir := t.TempDir()
	for n, b := range files {
		if err := os.WriteFile(filepath.Join(dir, n), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writeInputs(t, dir, map[string][]string{secrets.InputFile: {newR, oldR}, talos.SecretsFile: {oldR}, talos.ClientFile: {oldR}})
	diags := Stale(loadDir(t, dir), dir)
	var got []string
	for _, d := range diags.Warnings() {
		got = append(got, d.String())
	}
	for _, rel := range []string{talos.ClientFile, talos.SecretsFile} {
		want := filepath.Join(dir, "cluster.cue")
		found := false
		for _, g := range got {
			found = found || strings.HasPrefix(g, want) && strings.Contains(g, "cluster.sops.ageRecipients: "+filepath.Join(dir, filepath.FromSlash(rel))+
				" is still encrypted to "+oldR) && strings.Contains(g, "hogen secrets rotate "+dir)
		}
		if !found {
			t.Errorf("no warning for %s in:\n%s", rel, strings.Join(got, "\n"))
		}
	}
	if len(got) != 2 {
		t.Errorf("want 2 warnings (the input encrypted to both recipients is current), got:\n%s", strings.Join(got, "\n"))
	}
}
