package talhelper

import (
	"maps"
	"strings"
	"testing"
	"testing/fstest"

	"filippo.io/age"

	"github.com/hogen-dev/hogen/compiler"
	"github.com/hogen-dev/hogen/compiler/importer"
	"github.com/hogen-dev/hogen/compiler/inputs"
	"github.com/hogen-dev/hogen/compiler/secrets"
	"github.com/hogen-dev/hogen/emitters/talos"
)

const secretsTalconfig = `clusterName: c
talosVersion: v1.12.0
endpoint: https://10.0.0.10:6443
nodes:
  - hostname: cp1
    ipAddress: 10.0.0.11
    controlPlane: true
    installDisk: /dev/sda
    networkInterfaces:
      - interface: eth0
        addresses: [10.0.0.11/24]
      - interface: wg0
        wireguard:
          privateKey: 6NtibgkNWGSLp7ud6NgZr9k3kNhlQiaJCVW6vN+j9UY=
          listenPort: 51111
    userVolumes:
      - name: data
        provisioning:
          diskSelector: {match: disk.transport == "nvme"}
          maxSize: 10GiB
        encryption:
          provider: luks2
          keys:
            - slot: 0
              static: {passphrase: luks-pass-1}
    machineFiles:
      - content: "@./auth.env"
        permissions: 0o644
        path: /var/etc/tailscale/auth.env
        op: create
      - content: "api_key = abc123"
        permissions: 0o600
        path: /var/etc/app.conf
        op: create
    patches:
      - |-
        apiVersion: v1alpha1
        kind: ExtensionServiceConfig
        name: tailscale
        environment:
          - TS_AUTHKEY=${tsAuth}
`

// TestImportMovesSecrets imports a talconfig whose secret values (a
// WireGuard key, a LUKS passphrase, a talenv value from an encrypted file,
// a credential-looking file) hogen must not write in clear: with an age
// recipient each moves to secrets.sops.yaml, referenced by name, and the
// built node config holds it again; without one each is left out.
func TestImportMovesSecrets(t *testing.T) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	talenv, err := secrets.Encrypt([]byte("tsAuth: tskey-auth-XYZ\n"), []string{id.Recipient().String()}, "")
	if err != nil {
		t.Fatal(err)
	}
	bundle, err := talos.NewSecrets("v1.12.0")
	if err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{
		"talsecret.yaml":   {Data: bundle},
		"talenv.sops.yaml": {Data: talenv},
		"auth.env":         {Data: []byte("TS_AUTHKEY=${tsAuth}\n")},
	}
	getenv := func(k string) string {
		if k == "SOPS_AGE_KEY" {
			return id.String()
		}
		return ""
	}
	moved := []struct{ field, value string }{
		{"nodes[0].networkInterfaces[1].wireguard.privateKey", "6NtibgkNWGSLp7ud6NgZr9k3kNhlQiaJCVW6vN+j9UY="},
		{"nodes[0].userVolumes[0].encryption.keys[0].static.passphrase", "luks-pass-1"},
		{"nodes[0].machineFiles[0].content", "TS_AUTHKEY=tskey-auth-XYZ\n"},
		{"nodes[0].machineFiles[1].content", "api_key = abc123"},
		{"nodes[0].patches[0].environment[0]", "TS_AUTHKEY=tskey-auth-XYZ"},
	}
	for _, tt := range []struct {
		name       string
		recipients []string
	}{
		{name: "with a recipient", recipients: []string{id.Recipient().String()}},
		{name: "without a recipient"}, // and no talsecret, which needs one
	} {
		t.Run(tt.name, func(t *testing.T) {
			in := maps.Clone(fsys)
			if len(tt.recipients) == 0 {
				delete(in, "talsecret.yaml")
			}
			r, err := Import("talconfig.yaml", []byte(secretsTalconfig), in, importer.Options{
				Getenv: getenv, AgeRecipients: tt.recipients, FluxURL: "https://github.com/me/home-ops",
			})
			if err != nil {
				t.Fatal(err)
			}
			for name, b := range r.Files {
				for _, m := range moved {
					if strings.HasSuffix(name, ".cue") && strings.Contains(string(b), strings.TrimSpace(m.value)) {
						t.Errorf("%s holds the value of %s in clear", name, m.field)
					}
				}
			}
			for _, m := range moved {
				w := warningAt(r.Warnings, m.field)
				if want := len(tt.recipients) > 0; want != strings.Contains(w, "moved to secrets.sops.yaml") {
					t.Errorf("%s: warning %q, want one saying it moved: %v", m.field, w, want)
				}
			}
			if len(tt.recipients) == 0 {
				if r.Files[secrets.InputFile] != nil {
					t.Errorf("%s written without a recipient", secrets.InputFile)
				}
				return
			}
			config := buildNode(t, r, getenv, "cp1")
			for _, m := range moved {
				if !strings.Contains(config, strings.TrimSpace(m.value)) {
					t.Errorf("the built config of cp1 lacks the value of %s", m.field)
				}
			}
		})
	}
}

// warningAt is the message of the warning about field (or of the link or
// file entry holding it), or "".
func warningAt(ws []importer.Warning, field string) string {
	for _, w := range ws {
		if w.Field == field {
			return w.Msg
		}
	}
	return ""
}

// buildNode writes r (vetted, leak-guarded), loads it with its secrets and
// is the node's machine config.
func buildNode(t *testing.T, r *importer.Result, getenv func(string) string, node string) string {
	t.Helper()
	dir := t.TempDir()
	if _, err := importer.Write(t.Context(), r, importer.WriteOptions{Dir: dir, Getenv: getenv}); err != nil {
		t.Fatalf("the import does not write: %v", err)
	}
	d, _, err := compiler.Load(t.Context(), compiler.Options{Dir: dir, Getenv: getenv})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := inputs.Unlock(d, dir, getenv); err != nil {
		t.Fatal(err)
	}
	b, err := talos.NodeConfig(d, node)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
