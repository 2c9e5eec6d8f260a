package sopsconfig

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/getsops/sops/v3/config"
	"github.com/google/go-cmp/cmp"

	"github.com/hogen-dev/hogen/compiler/model"
	"github.com/hogen-dev/hogen/emitters"
)

var update = flag.Bool("update", false, "rewrite testdata golden files")

// Two fixed public keys: the emitter only copies them.
var recipients = []string{
	"age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p",
	"age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj",
}

func desc(rs ...string) *model.Description {
	d := &model.Description{}
	d.Cluster.SOPS.AgeRecipients = rs
	d.Emitters.SOPS.Enabled = true
	return d
}

func TestGolden(t *testing.T) {
	files, err := Emitter.Emit(context.Background(), desc(recipients...))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 || files[0].Path != Path || files[0].Secret {
		t.Fatalf("files = %+v, want one plain %s", files, Path)
	}
	golden := filepath.Join("testdata", "sops.yaml")
	if *update {
		if err := os.WriteFile(golden, files[0].Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), string(files[0].Data)); diff != "" {
		t.Errorf("%s (-want +got):\n%s", Path, diff)
	}
	again, _ := Emitter.Emit(context.Background(), desc(recipients...))
	if diff := cmp.Diff(files, again); diff != "" {
		t.Errorf("not deterministic (-first +second):\n%s", diff)
	}
}

// TestSopsReadsRules reads the emitted file with sops' own configuration
// loader and checks that every kind of file hogen writes gets the rule
// hogen itself encrypts it with.
func TestSopsReadsRules(t *testing.T) {
	dir := t.TempDir()
	data, err := Encode(recipients, Rules)
	if err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, Path)
	if err := os.WriteFile(conf, data, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		path  string
		regex string
	}{
		{name: "talos secrets bundle", path: "talos/secrets.sops.yaml", regex: ""},
		{name: "talos client certificate", path: "talos/client.sops.yaml", regex: ""},
		{name: "talos machine config", path: "talos/mini01.yaml", regex: TalosEncryptedRegex},
		{name: "talosconfig", path: "talos/talosconfig", regex: TalosEncryptedRegex},
		{name: "secret inputs", path: "secrets.sops.yaml", regex: ""},
		{name: "app secret", path: "kubernetes/apps/network/cloudflared/app/secret.sops.yaml", regex: KubernetesSecretRegex},
		{name: "cluster secret", path: "kubernetes/flux/cluster/cluster-secrets.sops.yaml", regex: KubernetesSecretRegex},
		{name: "a secrets.sops.yaml below the root is a Secret", path: "kubernetes/apps/x/secrets.sops.yaml", regex: KubernetesSecretRegex},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := config.LoadCreationRuleForFile(conf, filepath.Join(dir, filepath.FromSlash(tc.path)), nil)
			if err != nil {
				t.Fatal(err)
			}
			if c.EncryptedRegex != tc.regex {
				t.Errorf("encrypted_regex = %q, want %q", c.EncryptedRegex, tc.regex)
			}
			var got []string
			for _, g := range c.KeyGroups {
				for _, k := range g {
					got = append(got, k.ToString())
				}
			}
			if diff := cmp.Diff(recipients, got); diff != "" {
				t.Errorf("recipients (-want +got):\n%s", diff)
			}
		})
	}
	stores, err := config.LoadStoresConfig(conf)
	if err != nil {
		t.Fatal(err)
	}
	if stores.YAML.Indent != 2 {
		t.Errorf("stores.yaml.indent = %d, want 2", stores.YAML.Indent)
	}
}

func TestNoRecipients(t *testing.T) {
	files, err := Emitter.Emit(context.Background(), desc())
	if err != nil || len(files) != 0 {
		t.Errorf("Emit = %v, %v; want no files", files, err)
	}
	checker := Emitter.(emitters.Checker)
	want := emitters.Problems{{
		Path:    "cluster.sops.ageRecipients",
		Msg:     "no age recipients: hogen cannot write .sops.yaml or encrypt secrets",
		Fix:     "run 'hogen secrets init' and add the public key it prints",
		Warning: true,
	}}
	if diff := cmp.Diff(want, checker.Check(desc())); diff != "" {
		t.Errorf("Check (-want +got):\n%s", diff)
	}
	if ps := checker.Check(desc(recipients...)); len(ps) != 0 {
		t.Errorf("Check with recipients = %v, want none", ps)
	}
}

// TestSopsRulesForSecretRefs gives a node whose patches fill a field from
// secrets.sops.yaml its own rule, with the encrypted_regex hogen seals its
// config with: a config decrypted and encrypted again by hand with sops
// keeps that field encrypted. Other nodes keep the common rule.
func TestSopsRulesForSecretRefs(t *testing.T) {
	d := desc(recipients...)
	d.Nodes = []model.Node{
		{Name: "mini01", Role: model.RoleControlPlane, Patches: []model.Patch{
			model.Patch(`{"machine":{"env":{"HTTPS_PROXY":{"$concat":["http://u:",{"$secret":"proxy-password"},"@proxy"]}}}}`),
		}},
		{Name: "mini02", Role: model.RoleControlPlane},
	}
	files, err := Emitter.Emit(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	conf := filepath.Join(dir, Path)
	if err := os.WriteFile(conf, files[0].Data, 0o644); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		"talos/mini01.yaml":  `^(key|token|secret|secretboxEncryptionSecret|aescbcEncryptionSecret|privateKey|passphrase|apiToken|password|auth|identityToken|HTTPS_PROXY)$`,
		"talos/mini02.yaml":  TalosEncryptedRegex,
		"talos/mini01.yamlx": TalosEncryptedRegex,
	} {
		c, err := config.LoadCreationRuleForFile(conf, filepath.Join(dir, filepath.FromSlash(path)), nil)
		if err != nil {
			t.Fatal(err)
		}
		if c.EncryptedRegex != want {
			t.Errorf("%s: encrypted_regex = %q, want %q", path, c.EncryptedRegex, want)
		}
	}
}
