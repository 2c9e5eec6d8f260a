package secrets

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/getsops/sops/v3/cmd/sops/formats"
	"github.com/getsops/sops/v3/decrypt"
	"github.com/google/go-cmp/cmp"
)

// TestExampleSecrets opens examples/homelab's secret inputs with the
// test-only key that ships beside them, through hogen and through sops.
func TestExampleSecrets(t *testing.T) {
	dir := filepath.Join("..", "..", "examples", "homelab")
	keyFile := filepath.Join(dir, "test-only.agekey")
	key, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(key), "# TEST-ONLY age key.") || !strings.Contains(string(key), "NEVER protect a real cluster") {
		t.Errorf("%s must start by saying it is a test-only key", keyFile)
	}
	in, err := LoadInputs(dir, env{KeyFileEnv: keyFile}.get)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"authentik-postgres-password", "authentik-secret-key", "cloudflare-api-token", "cloudflared-tunnel-token",
		"github-webhook-token", "grafana-admin-password", "homeassistant-postgres-password", "mosquitto-password",
		"onepassword-connect-token", "onepassword-credentials-json",
	}
	if diff := cmp.Diff(want, in.Names); diff != "" {
		t.Errorf("names (-want +got):\n%s", diff)
	}
	for _, n := range in.Names {
		if v, err := in.Value(n); err != nil || len(v) < MinScanLength {
			t.Errorf("secret %s: %d bytes, %v; want a value the leak guard scans for", n, len(v), err)
		}
	}
	data, err := os.ReadFile(filepath.Join(dir, InputFile))
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(KeyFileEnv, keyFile)
	t.Setenv(KeyEnv, "")
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	if _, err := decrypt.DataWithFormat(data, formats.Yaml); err != nil {
		t.Errorf("sops cannot open the example's secrets: %v", err)
	}
}
