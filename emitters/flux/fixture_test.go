package flux

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"

	"github.com/hogen-dev/hogen/compiler"
	"github.com/hogen-dev/hogen/internal/testschemas"
)

// homeOpsFixture is onedr0p's home-ops tree in ../shared, or "" (the
// test skips, and fails when HOGEN_REQUIRE_FIXTURES=1).
func homeOpsFixture(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(testschemas.SharedDir(t), "fixtures", "onedr0p-home-ops")
	if _, err := os.Stat(dir); testschemas.SharedDir(t) == "" || err != nil {
		if os.Getenv("HOGEN_REQUIRE_FIXTURES") == "1" {
			t.Fatalf("shared/fixtures/onedr0p-home-ops is missing and HOGEN_REQUIRE_FIXTURES=1")
		}
		t.Skip("shared/fixtures/onedr0p-home-ops is missing beside the checkout: home-ops' objects are not compared")
	}
	return dir
}

// homeOpsStores is home-ops' 1Password set-up in hogen's typed form.
const homeOpsStores = `package t

cluster: {
	name: "t"
	talos: version: "v1.10.5"
	kubernetes: version: "v1.33.2"
	api: endpoint: "10.0.0.10"
	network: node: cidr: "10.0.0.0/24"
	flux: {
		source: url: "https://github.com/onedr0p/home-ops"
		install: "operator"
		layout: "namespaced"
		receiver: {
			name: "github-webhook"
			tokenFrom: {store: "onepassword-connect", key: "flux", property: "FLUX_GITHUB_WEBHOOK_TOKEN"}
			dependsOn: ["onepassword-connect"] // the store, and External Secrets through it
		}
	}
}
nodes: cp: {role: "controlplane", address: "10.0.0.11", interface: name: "eth0", installDisk: path: "/dev/sda"}
apps: {
	"external-secrets": {namespace: "external-secrets", chart: {repo: "oci://ghcr.io/external-secrets/charts", name: "external-secrets", version: "2.9.0"}}
	"onepassword-connect": {
		namespace: "external-secrets"
		dependsOn: ["external-secrets"]
		chart: {repo: "oci://ghcr.io/1password", name: "connect", version: "2.4.1"}
		secretStores: "onepassword-connect": provider: onepassword: {
			connectHost: "http://onepassword-connect.external-secrets.svc.cluster.local"
			vaults: Kubernetes: 1
			auth: secretRef: connectTokenSecretRef: {name: "onepassword-connect-vault-secret", key: "OP_CONNECT_TOKEN"}
		}
		externalSecrets: {
			"onepassword-connect-credentials": {
				store: "onepassword-connect"
				target: {name: "onepassword-connect-credentials-secret", template: data: "1password-credentials.json": "{{ .OP_SESSION_JSON }}"}
				dataFrom: [{extract: key: "1password"}]
			}
			"onepassword-connect-token": {
				store: "onepassword-connect"
				target: {name: "onepassword-connect-vault-secret", template: data: OP_CONNECT_TOKEN: "{{ .OP_CONNECT_TOKEN }}"}
				dataFrom: [{extract: key: "1password"}]
			}
		}
	}
	"onepassword-sdk-home-operations": {
		namespace: "external-secrets"
		dependsOn: ["external-secrets"]
		secretStores: "onepassword-sdk-home-operations": provider: onepasswordSDK: {
			vault: "Operations"
			auth: serviceAccountSecretRef: {name: "onepassword-sdk-home-operations-secret", key: "token"}
		}
		externalSecrets: "onepassword-sdk-home-operations": {
			store: "onepassword-sdk-home-operations"
			target: name: "onepassword-sdk-home-operations-secret"
			data: token: key: "1password/OP_SERVICE_ACCOUNT_TOKEN"
		}
	}
}
`

// TestHomeOpsObjects writes home-ops' secret stores, ExternalSecrets and
// webhook Receiver from hogen's typed form and compares each with the
// object home-ops keeps by hand: the same spec, field for field. The one
// difference accepted: the Receiver's token Secret is named after it
// (github-webhook-token), where home-ops names its own.
func TestHomeOpsObjects(t *testing.T) {
	fixture := homeOpsFixture(t)
	d, _, err := compiler.LoadFiles(t.Context(), compiler.Options{Dir: "."}, map[string][]byte{"t.cue": []byte(homeOpsStores)})
	if err != nil {
		t.Fatal(err)
	}
	d.Emitters.Talos.Enabled = false
	ours := map[string]map[string]any{}
	for _, data := range emitTree(t, d) {
		for _, o := range objects(t, data) {
			ours[kindName(o)] = o
		}
	}
	es := filepath.Join(fixture, "kubernetes", "apps", "external-secrets")
	compared := 0
	for _, f := range []string{
		"onepassword-connect/app/clustersecretstore.yaml", "onepassword-connect/app/externalsecret.yaml",
		"onepassword-sdk-home-operations/app/clustersecretstore.yaml", "onepassword-sdk-home-operations/app/externalsecret.yaml",
		"../flux-system/flux-instance/app/receiver.yaml",
	} {
		b, err := os.ReadFile(filepath.Join(es, f))
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range objects(t, string(b)) {
			got, ok := ours[kindName(want)]
			if !ok {
				t.Errorf("%s: hogen writes no %s", f, kindName(want))
				continue
			}
			compared++
			wantSpec, gotSpec := want["spec"].(map[string]any), got["spec"].(map[string]any)
			if want["kind"] == "Receiver" {
				if ref := gotSpec["secretRef"].(map[string]any)["name"]; ref != "github-webhook-token" {
					t.Errorf("Receiver secretRef = %v, want hogen's github-webhook-token", ref)
				}
				delete(wantSpec, "secretRef")
				delete(gotSpec, "secretRef")
			}
			if diff := cmp.Diff(wantSpec, gotSpec); diff != "" {
				t.Errorf("%s %s differs from home-ops' (-home-ops +hogen):\n%s", f, kindName(want), diff)
			}
		}
	}
	if compared != 6 {
		t.Errorf("compared %d objects, want 6", compared)
	}
}

func objects(t *testing.T, stream string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, doc := range strings.Split("\n"+stream, "\n---") {
		var o map[string]any
		if err := yaml.Unmarshal([]byte(doc), &o); err != nil {
			t.Fatal(err)
		}
		if _, named := o["metadata"].(map[string]any); named && o["kind"] != nil {
			out = append(out, o)
		}
	}
	return out
}

func kindName(o map[string]any) string {
	return o["kind"].(string) + " " + o["metadata"].(map[string]any)["name"].(string)
}
