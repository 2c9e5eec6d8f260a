package talhelper

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"

	"github.com/hogen-dev/hogen/compiler/importer"
	"github.com/hogen-dev/hogen/compiler/secrets"
)

const envTalconfig = `clusterName: ${NAME}
talosVersion: v1.10.5
kubernetesVersion: v1.33.2
endpoint: https://10.0.0.10:6443
domain: ${DOMAIN}
nodes:
  - hostname: cp1
    ipAddress: 10.0.0.11
    controlPlane: true
    installDisk: /dev/sda
    networkInterfaces:
      - interface: eth0
        addresses: [10.0.0.11/24]
    nodeLabels:
      token: ${TOKEN}
`

// ageKey makes an age key file and returns getenv pointing sops at it,
// and its recipient.
func ageKey(t *testing.T, env map[string]string) (func(string) string, string) {
	t.Helper()
	key := filepath.Join(t.TempDir(), "key.txt")
	recipient, err := secrets.CreateKey(key, time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	return func(k string) string {
		if k == "SOPS_AGE_KEY_FILE" {
			return key
		}
		return env[k]
	}, recipient
}

func encrypt(t *testing.T, plain, recipient string) *fstest.MapFile {
	t.Helper()
	b, err := secrets.Encrypt([]byte(plain), []string{recipient}, "")
	if err != nil {
		t.Fatal(err)
	}
	return &fstest.MapFile{Data: b}
}

// TestImportEnv checks talhelper's variable rules: talenv files in order
// (a later one wins), files over the environment, SOPS files decrypted,
// and no value from an encrypted file written in clear unless cleared.
func TestImportEnv(t *testing.T) {
	getenv, recipient := ageKey(t, map[string]string{"NAME": "from-env", "DOMAIN": "env.example.org"})
	tests := []struct {
		name      string
		files     map[string]string // plain talenv files
		sops      map[string]string // encrypted talenv files
		clear     []string
		want      []string // in the output
		wantWarns []string // warning fields
	}{
		{
			name: "environment only", want: []string{`name: "from-env"`, `domain: "env.example.org"`},
			wantWarns: []string{"nodes[0].nodeLabels.token"},
		},
		{
			name:  "talenv.yaml wins over the environment",
			files: map[string]string{"talenv.yaml": "NAME: lab\nTOKEN: abc\n"},
			want:  []string{`name: "lab"`, `domain: "env.example.org"`, `token: "abc"`},
		},
		{
			name:      "talenv.sops.yaml wins over talenv.yaml; its values stay out",
			files:     map[string]string{"talenv.yaml": "NAME: lab\nTOKEN: abc\n"},
			sops:      map[string]string{"talenv.sops.yaml": "TOKEN: s3cr3t-t0ken-value\nDOMAIN: hidden.example.org\n"},
			want:      []string{`name: "lab"`},
			wantWarns: []string{"domain", "nodes[0].nodeLabels.token"},
		},
		{
			name:      "a cleared variable is written",
			sops:      map[string]string{"talenv.sops.yaml": "TOKEN: s3cr3t-t0ken-value\nDOMAIN: hidden.example.org\n"},
			clear:     []string{"DOMAIN"},
			want:      []string{`domain: "hidden.example.org"`},
			wantWarns: []string{"nodes[0].nodeLabels.token"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for n, s := range tt.files {
				fsys[n] = &fstest.MapFile{Data: []byte(s)}
			}
			for n, s := range tt.sops {
				fsys[n] = encrypt(t, s, recipient)
			}
			r, err := Import("talconfig.yaml", []byte(envTalconfig), fsys, importer.Options{Getenv: getenv, ClearVars: tt.clear, FluxURL: "https://github.com/me/x"})
			if err != nil {
				t.Fatal(err)
			}
			out := string(r.Files["cluster.cue"]) + string(r.Files["nodes.cue"])
			words := strings.Join(strings.Fields(out), " ")
			for _, w := range tt.want {
				if !strings.Contains(words, w) {
					t.Errorf("output lacks %s:\n%s", w, out)
				}
			}
			for _, v := range []string{"s3cr3t-t0ken-value", "hidden.example.org"} {
				if strings.Contains(out, v) && !slices.Contains(tt.clear, "DOMAIN") {
					t.Errorf("output holds the encrypted value %q in clear:\n%s", v, out)
				}
			}
			var fields []string
			for _, w := range r.Warnings {
				if strings.Contains(w.Msg, "talenv") || strings.Contains(w.Msg, "sets:") {
					fields = append(fields, w.Field)
				}
			}
			if !slices.Equal(fields, tt.wantWarns) {
				t.Errorf("warned about %q, want %q", fields, tt.wantWarns)
			}
		})
	}
}

func TestImportEnvNoKey(t *testing.T) {
	_, recipient := ageKey(t, nil)
	fsys := fstest.MapFS{"talenv.sops.yaml": encrypt(t, "NAME: lab\n", recipient)}
	_, err := Import("talconfig.yaml", []byte(envTalconfig), fsys, importer.Options{Getenv: func(string) string { return "" }})
	if err == nil || !strings.Contains(err.Error(), "talenv.sops.yaml") {
		t.Fatalf("error = %v, want one naming talenv.sops.yaml", err)
	}
}

// TestImportTalsecret checks that the bundle is carried over unchanged,
// encrypted to the talsecret's own recipients (or --age-recipient), with a
// client certificate its CA signed.
func TestImportTalsecret(t *testing.T) {
	bundle, err := os.ReadFile("../../../emitters/talos/testdata/secrets.yaml")
	if err != nil {
		t.Fatal(err)
	}
	getenv, recipient := ageKey(t, nil)
	tests := []struct {
		name string
		file *fstest.MapFile
		opts importer.Options
	}{
		{name: "encrypted", file: encrypt(t, string(bundle), recipient)},
		{name: "in clear, with --age-recipient", file: &fstest.MapFile{Data: bundle}, opts: importer.Options{AgeRecipients: []string{recipient}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Getenv, tt.opts.FluxURL = getenv, "https://github.com/me/x"
			r, err := Import("talconfig.yaml", []byte(strings.ReplaceAll(envTalconfig, "${", "x${")), fstest.MapFS{"talsecret.sops.yaml": tt.file,
				"talenv.yaml": {Data: []byte("NAME: a\nDOMAIN: b.c\nTOKEN: t\n")}}, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			ids, err := secrets.LoadIdentities(getenv)
			if err != nil {
				t.Fatal(err)
			}
			plain, err := secrets.Decrypt(r.Files["talos/secrets.sops.yaml"], ids)
			if err != nil {
				t.Fatal(err)
			}
			var got, want any
			if err := yaml.Unmarshal(plain, &got); err != nil {
				t.Fatal(err)
			}
			if err := yaml.Unmarshal(bundle, &want); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("talos/secrets.sops.yaml holds another bundle than talsecret's (-want +got):\n%s", diff)
			}
			if _, err := secrets.Decrypt(r.Files["talos/client.sops.yaml"], ids); err != nil {
				t.Errorf("talos/client.sops.yaml: %v", err)
			}
			if !strings.Contains(string(r.Files["cluster.cue"]), recipient) {
				t.Errorf("cluster.sops.ageRecipients lacks the bundle's recipient")
			}
		})
	}
}
