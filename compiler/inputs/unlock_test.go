package inputs

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/hogen-dev/hogen/compiler/diag"
	"github.com/hogen-dev/hogen/compiler/internal/testdesc"
	"github.com/hogen-dev/hogen/compiler/load"
	"github.com/hogen-dev/hogen/compiler/model"
	"github.com/hogen-dev/hogen/compiler/secrets"
)

const testKey = testdesc.TestKey

// loadDir loads the description in dir, as the facade's Load would short of
// its checks.
func loadDir(t *testing.T, dir string) *model.Description {
	t.Helper()
	files, err := load.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	d, _, err := load.Files(context.Background(), dir, files)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func writeDescription(t *testing.T, secretsYAML string) string {
	t.Helper()
	dir := t.TempDir()
	ids, err := secrets.ParseIdentities("test", testKey)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := secrets.Encrypt([]byte(secretsYAML), ids.Recipients(), "")
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"cluster.cue": `package x
cluster: {
	name: "x"
	talos: version: "v1.10.5"
	kubernetes: version: "v1.31.1"
	api: endpoint: "10.0.0.10"
	network: node: cidr: "10.0.0.0/24"
	flux: source: url: "https://github.com/example/x"
}
nodes: a: {role: "controlplane", address: "10.0.0.11", interface: name: "eth0", installDisk: path: "/dev/sda"}
`,
		"apps.cue": `package x
apps: web: {
	namespace: "web"
	chart: {repo: "https://charts.example.com", name: "web", version: "1.0.0"}
	secrets: "web-token": token: "web-token"
}
`,
		secrets.InputFile: string(enc),
	}
	for n, s := range files {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestUnlock(t *testing.T) {
	getenv := func(k string) string {
		if k == "SOPS_AGE_KEY" {
			return testKey
		}
		return ""
	}
	noKey := func(k string) string {
		if k == "HOME" {
			return "/nonexistent"
		}
		return ""
	}
	tests := []struct {
		name       string
		secrets    string
		getenv     func(string) string
		wantErr    string
		wantLocked bool
	}{
		{name: "values decrypted", secrets: "web-token: s3cr3t-value\n", getenv: getenv},
		{name: "empty value refused at its reference", secrets: "web-token: \"\"\n", getenv: getenv,
			wantErr: `apps.cue:5:24: error: apps.web.secrets.web-token.token: secret "web-token" is empty in secrets.sops.yaml`},
		{name: "no key leaves inputs locked", secrets: "web-token: s3cr3t-value\n", getenv: noKey, wantLocked: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeDescription(t, tt.secrets)
			d := loadDir(t, dir)
			u, err := Unlock(d, dir, tt.getenv)
			if tt.wantErr != "" {
				var ds diag.Diagnostics
				if !errors.As(err, &ds) || !strings.Contains(ds.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want diagnostics containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := len(u.Locked) > 0; got != tt.wantLocked {
				t.Fatalf("locked = %v (%v), want %v", got, u.Locked, tt.wantLocked)
			}
			if tt.wantLocked != (d.Inputs.Secrets == nil) {
				t.Errorf("Inputs.Secrets = %v with locked=%v", d.Inputs.Secrets, tt.wantLocked)
			}
			if !tt.wantLocked && d.Inputs.Secrets["web-token"] != "s3cr3t-value" {
				t.Errorf("web-token = %q", d.Inputs.Secrets["web-token"])
			}
		})
	}
}

// A key that is not the file's recipient counts as no key: the input is
// locked, and Need names the recipient whose key would open it.
func TestUnlockWrongKey(t *testing.T) {
	dir := writeDescription(t, "web-token: v\n")
	d := loadDir(t, dir)
	keyFile := filepath.Join(t.TempDir(), "k.txt")
	if _, err := secrets.CreateKey(keyFile, testTime); err != nil {
		t.Fatal(err)
	}
	u, err := Unlock(d, dir, func(k string) string {
		if k == "SOPS_AGE_KEY_FILE" {
			return keyFile
		}
		return ""
	})
	if err != nil {
		t.Fatalf("err = %v, want the input locked as without a key", err)
	}
	if !slices.Contains(u.Locked, secrets.InputFile) || len(u.Need) == 0 || !strings.HasPrefix(u.Need[0], "age1") || d.Inputs.Secrets != nil {
		t.Errorf("Locked %v, Need %v, Secrets %v: want %s locked, its recipient needed, no secrets", u.Locked, u.Need, d.Inputs.Secrets, secrets.InputFile)
	}
}

var testTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// The schema takes post-quantum recipients, which sops and age support.
func TestPostQuantumRecipientValid(t *testing.T) {
	id, err := age.GenerateHybridIdentity()
	if err != nil {
		t.Fatal(err)
	}
	files := testdesc.Synthetic(1, 0)
	files["cluster.cue"] = []byte(strings.Replace(string(files["cluster.cue"]), "\tflux:",
		"\tsops: ageRecipients: [\""+id.Recipient().String()+"\"]\n\tflux:", 1))
	d, _, err := load.Files(context.Background(), ".", files)
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Cluster.SOPS.AgeRecipients; len(got) != 1 || got[0] != id.Recipient().String() {
		t.Errorf("ageRecipients = %v", got)
	}
}
