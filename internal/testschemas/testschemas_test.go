package testschemas

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestExampleOutput validates the generated files committed in
// examples/homelab as they are on disk (secret files aside: they are
// checked decrypted by the emitters' tests). Helmfile's and Talos' formats
// and the Jsonnet sources are not Kubernetes objects.
func TestExampleOutput(t *testing.T) {
	v := NewValidator(t)
	dir := filepath.Join(ModuleRoot(t), "examples", "homelab")
	n, problems := ValidateDir(t, v, dir, "bootstrap", "talos", "emitters")
	for _, p := range problems {
		t.Error(p)
	}
	if n < 50 {
		t.Errorf("validated %d objects in examples/homelab; it has far more", n)
	}
}

// TestCatches makes sure validation can fail: strict mode rejects unknown
// fields in every group kept here, and their kinds need a schema.
func TestCatches(t *testing.T) {
	v := NewValidator(t)
	tests := []struct {
		name, data, want string
	}{
		{"unknown HelmRelease field", "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: x}\nspec: {interval: 1h, bogus: 1}\n", "bogus"},
		{"unknown Receiver field", "apiVersion: notification.toolkit.fluxcd.io/v1\nkind: Receiver\nmetadata: {name: x}\nspec: {type: github, bogus: 1}\n", "bogus"},
		{"unknown ExternalSecret field", "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata: {name: x}\nspec: {secretStoreRef: {name: s, kind: ClusterSecretStore}, bogus: 1}\n", "bogus"},
		{"unknown ClusterSecretStore provider field", "apiVersion: external-secrets.io/v1\nkind: ClusterSecretStore\nmetadata: {name: x}\nspec: {provider: {onepassword: {connectHost: h, vaults: {v: 1}, auth: {secretRef: {connectTokenSecretRef: {name: t, key: k}}}, bogus: 1}}}\n", "bogus"},
		{"unknown Secret field", "apiVersion: v1\nkind: Secret\nmetadata: {name: x}\nstringdata: {a: b}\n", "stringdata"},
		{"Flux kind without schema", "apiVersion: helm.toolkit.fluxcd.io/v9\nkind: HelmRelease\nmetadata: {name: x}\n", "could not find schema"},
		{"External Secrets kind without schema", "apiVersion: external-secrets.io/v1beta1\nkind: ExternalSecret\nmetadata: {name: x}\n", "could not find schema"},
		{"core kind without schema", "apiVersion: v1\nkind: Bogus\nmetadata: {name: x}\n", "could not find schema"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, problems := Validate(v, "x.yaml", tc.data)
			if !strings.Contains(strings.Join(problems, "\n"), tc.want) {
				t.Errorf("problems = %q, want one mentioning %q", problems, tc.want)
			}
		})
	}
	if n, problems := Validate(v, "x.yaml", "apiVersion: cilium.io/v2alpha1\nkind: CiliumLoadBalancerIPPool\nmetadata: {name: x}\n"); n != 0 || len(problems) != 0 {
		t.Errorf("a Cilium kind without schema: %d valid, problems %q; want it ignored", n, problems)
	}
}
