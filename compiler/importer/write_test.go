package importer

import (
	"bytes"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/hogen-dev/hogen/compiler/internal/testdesc"
	"github.com/hogen-dev/hogen/compiler/secrets"
)

const validCluster = `package cluster

cluster: {
	name: "lab"
	talos: version: "v1.10.5"
	kubernetes: version: "v1.33.2"
	api: endpoint: "10.0.0.10"
	network: node: cidr: "10.0.0.0/24"
	flux: source: url: "https://github.com/me/home-ops"
}
`

const validNodes = `package cluster

nodes: cp1: {
	role:    "controlplane"
	address: "10.0.0.11"
	interface: name: "eth0"
	installDisk: path: "/dev/sda"
}
`

// TestWrite checks that Write writes a description that vets, and writes
// nothing at all otherwise.
func TestWrite(t *testing.T) {
	tests := []struct {
		name     string
		files    map[string]string
		secrets  map[string]string
		existing map[string]string
		force    bool
		wantErr  string
	}{
		{name: "valid", files: map[string]string{"cluster.cue": validCluster, "nodes.cue": validNodes}},
		{
			name:    "does not vet",
			files:   map[string]string{"cluster.cue": strings.Replace(validCluster, "v1.33.2", "v1.20.0", 1), "nodes.cue": validNodes},
			wantErr: "cluster.kubernetes.version",
		},
		{
			name:    "a secret value in clear",
			files:   map[string]string{"cluster.cue": validCluster, "nodes.cue": validNodes},
			secrets: map[string]string{"talenv.sops.yaml:REPO": "github.com/me/home-ops"},
			wantErr: `holds the value of secret "talenv.sops.yaml:REPO"`,
		},
		{
			name:     "exists",
			files:    map[string]string{"cluster.cue": validCluster, "nodes.cue": validNodes},
			existing: map[string]string{"nodes.cue": "package cluster\n"},
			wantErr:  "pass --force",
		},
		{
			name:     "a secret input is never replaced",
			files:    map[string]string{"cluster.cue": validCluster, "nodes.cue": validNodes, "talos/secrets.sops.yaml": "x: 1\n"},
			existing: map[string]string{"talos/secrets.sops.yaml": "old: 1\n"},
			force:    true,
			wantErr:  "never replaces a secret input",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out")
			for n, s := range tt.existing {
				if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, n)), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, n), []byte(s), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			r := &Result{Files: map[string][]byte{}, Secrets: tt.secrets}
			for n, s := range tt.files {
				r.Files[n] = []byte(s)
			}
			_, err := Write(t.Context(), r, WriteOptions{Dir: dir, Force: tt.force})
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				for n, s := range tt.files {
					if b, err := os.ReadFile(filepath.Join(dir, n)); err != nil || string(b) != s {
						t.Errorf("%s: %q, %v; want the import's file", n, b, err)
					}
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
			}
			if tt.name == "exists" && !errors.Is(err, ErrExists) {
				t.Errorf("error %v is not ErrExists", err)
			}
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				if _, pre := tt.existing[e.Name()]; !pre && !(e.Name() == "talos" && tt.existing["talos/secrets.sops.yaml"] != "") {
					t.Errorf("%s was written by a failed import", e.Name())
				}
			}
			for n, s := range tt.existing {
				if b, _ := os.ReadFile(filepath.Join(dir, n)); string(b) != s {
					t.Errorf("%s was changed by a failed import", n)
				}
			}
		})
	}
}

// TestWriteAddsSecrets: an import into a description that has its
// secrets.sops.yaml (the cluster imported first, then its apps) adds its
// values to the file, keeping the others; a name held with another value
// fails the import and leaves the file as it was.
func TestWriteAddsSecrets(t *testing.T) {
	ids, err := secrets.ParseIdentities("test", testdesc.TestKey)
	if err != nil {
		t.Fatal(err)
	}
	getenv := func(k string) string {
		if k == secrets.KeyEnv {
			return testdesc.TestKey
		}
		return ""
	}
	encrypt := func(values map[string]string) []byte {
		plain, err := yaml.Marshal(values)
		if err != nil {
			t.Fatal(err)
		}
		b, err := secrets.Encrypt(plain, ids.Recipients(), "")
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	cluster := strings.Replace(validCluster, "flux: source:", "sops: ageRecipients: [\""+ids.Recipients()[0]+"\"]\n\tflux: source:", 1)
	for _, tt := range []struct {
		name     string
		imported map[string]string
		want     map[string]string
		wantErr  string
	}{
		{name: "added", imported: map[string]string{"wiki-db": "pg-0123456789", "node-token": "tok-0123456789"},
			want: map[string]string{"node-token": "tok-0123456789", "wiki-db": "pg-0123456789"}},
		{name: "same value", imported: map[string]string{"node-token": "tok-0123456789"},
			want: map[string]string{"node-token": "tok-0123456789"}},
		{name: "other value", imported: map[string]string{"node-token": "other-0123456789", "wiki-db": "pg-0123456789"},
			wantErr: `holds "node-token" already, with other values`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			before := encrypt(map[string]string{"node-token": "tok-0123456789"})
			for n, b := range map[string][]byte{"cluster.cue": []byte(cluster), "nodes.cue": []byte(validNodes), secrets.InputFile: before} {
				if err := os.WriteFile(filepath.Join(dir, n), b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			r := &Result{Files: map[string][]byte{"apps.cue": []byte("package cluster\n"), secrets.InputFile: encrypt(tt.imported)}}
			_, err := Write(t.Context(), r, WriteOptions{Dir: dir, Getenv: getenv})
			got, rerr := os.ReadFile(filepath.Join(dir, secrets.InputFile))
			if rerr != nil {
				t.Fatal(rerr)
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				if !bytes.Equal(got, before) {
					t.Error("a failed import changed secrets.sops.yaml")
				}
				if _, err := os.Stat(filepath.Join(dir, "apps.cue")); err == nil {
					t.Error("a failed import wrote apps.cue")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			values, err := secrets.DecryptValues(got, ids)
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(values, tt.want) {
				t.Errorf("secrets = %v, want %v", values, tt.want)
			}
		})
	}
}
