package compiler

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"testing"

	"github.com/hogen-dev/hogen/compiler/inputs"
	"github.com/hogen-dev/hogen/compiler/model"
	"github.com/hogen-dev/hogen/compiler/secrets"
	"github.com/hogen-dev/hogen/compiler/units"
	"github.com/hogen-dev/hogen/emitters/builtin"
	"github.com/hogen-dev/hogen/emitters/talos"
	"github.com/hogen-dev/hogen/internal/exampletest"
	"sigs.k8s.io/yaml"
)

// TestUnitKeysHoldNoPlaintext: the decrypted secret values reach no key,
// even hashed (a digest of a short password is the password found): each
// example, loaded again with every value of secrets.sops.yaml, the Talos
// bundle and the client certificate replaced, keys every unit as before
// when the ciphertexts' identities are the same. Only the ciphertexts may
// change a key.
func TestUnitKeysHoldNoPlaintext(t *testing.T) {
	registry := builtin.All()
	common := units.Common{Identity: "test", Ciphertexts: map[string]string{"input/secrets.sops.yaml": "sha256:same"}}
	for _, dir := range exampleDirs(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			key := exampletest.KeyFile(dir)
			// Both copies: where the description lies is in the model.
			d := unlocked(t, copied(t, dir), key)
			other := copied(t, dir)
			reencrypt(t, other, d)
			d2 := unlocked(t, other, key)
			if maps.Equal(d.Inputs.Secrets, d2.Inputs.Secrets) || string(d.Inputs.TalosSecrets) == string(d2.Inputs.TalosSecrets) {
				t.Fatal("the secret values did not change: the test proves nothing")
			}
			k1, k2 := units.Of(d, registry, common).Keys, units.Of(d2, registry, common).Keys
			if len(k1) == 0 || !maps.Equal(k1, k2) {
				t.Errorf("the units' keys depend on the decrypted secrets:\n%v\n%v", k1, k2)
			}
			common2 := units.Common{Identity: "test", Ciphertexts: map[string]string{"input/secrets.sops.yaml": "sha256:other"}}
			if k3 := units.Of(d2, registry, common2).Keys; maps.Equal(k2, k3) {
				t.Error("the units' keys do not depend on the inputs' ciphertexts")
			}
		})
	}
}

// unlocked is the description in dir with its secret inputs decrypted.
func unlocked(t *testing.T, dir, key string) *model.Description {
	t.Helper()
	d, _, err := Load(context.Background(), Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := inputs.Unlock(d, dir, keyEnv(key)); err != nil {
		t.Fatal(err)
	}
	if d.Inputs.Secrets == nil || d.Inputs.TalosSecrets == nil {
		t.Fatal("the example's secret inputs did not decrypt")
	}
	return d
}

// reencrypt writes to dir secret inputs for d with other values: each
// secret its name and a suffix, a new Talos bundle and client certificate.
func reencrypt(t *testing.T, dir string, d *model.Description) {
	t.Helper()
	values := map[string]string{}
	for name, v := range d.Inputs.Secrets {
		values[name] = fmt.Sprintf("%s-changed-%d", name, len(v))
	}
	plain, err := yaml.Marshal(values)
	if err != nil {
		t.Fatal(err)
	}
	bundle, err := talos.NewSecrets(d.Cluster.Talos.Version)
	if err != nil {
		t.Fatal(err)
	}
	client, err := talos.NewClientCert(bundle)
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{secrets.InputFile: plain, talos.SecretsFile: bundle, talos.ClientFile: client} {
		enc, err := secrets.Encrypt(b, d.Cluster.SOPS.AgeRecipients, "")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(name)), enc, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
