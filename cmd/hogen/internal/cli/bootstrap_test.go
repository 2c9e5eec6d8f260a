package cli

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/getsops/sops/v3/decrypt"
	"github.com/hogen-dev/hogen/internal/exampletest"
	"sigs.k8s.io/yaml"
)

// exampleSecrets are every value of the example's secrets.sops.yaml and
// the age private key, decrypted with the example's test-only key: what
// must never show in what hogen prints or passes as an argument.
func exampleSecrets(t *testing.T, dir string) (key string, values []string) {
	t.Helper()
	keyFile := exampletest.KeyFile(dir)
	t.Setenv("SOPS_AGE_KEY_FILE", keyFile)
	plain, err := decrypt.File(filepath.Join(dir, "secrets.sops.yaml"), "yaml")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := yaml.Unmarshal(plain, &m); err != nil {
		t.Fatal(err)
	}
	for k, v := range m {
		if s, ok := v.(string); ok && k != "sops" && len(s) >= 8 {
			values = append(values, s)
		}
	}
	b, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	key = regexp.MustCompile(`AGE-SECRET-KEY-[0-9A-Z]+`).FindString(string(b))
	if key == "" || len(values) < 3 {
		t.Fatalf("the example's key or secrets are missing (%d values)", len(values))
	}
	return key, append(values, key)
}

func bootstrapEnv(keyFile string) (*Env, *bytes.Buffer, *bytes.Buffer) {
	var out, errb bytes.Buffer
	return &Env{Stdin: &bytes.Buffer{}, Stdout: &out, Stderr: &errb, Getenv: func(k string) string {
		if k == "SOPS_AGE_KEY_FILE" {
			return keyFile
		}
		return ""
	}}, &out, &errb
}

func assertNoSecret(t *testing.T, what, text string, secrets []string) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(text, s) {
			t.Errorf("%s holds a secret value (%d bytes)", what, len(s))
		}
	}
}

// TestBootstrapDryRun prints home-ops' bootstrap: the stages in order,
// the charts in bootstrap.order with the store right after 1Password
// Connect, and no secret value.
func TestBootstrapDryRun(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "..", "examples", "home-ops")
	_, secrets := exampleSecrets(t, dir)
	env, out, errb := bootstrapEnv(exampletest.KeyFile(dir))
	if code := run(context.Background(), env, []string{"bootstrap", "--dry-run", dir}); code != ExitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	got := out.String()
	var stages []string
	for _, m := range regexp.MustCompile(`(?m)^# \d+\. ([a-z]+):`).FindAllStringSubmatch(got, -1) {
		stages = append(stages, m[1])
	}
	if want := []string{"namespaces", "secrets", "crds", "charts", "flux"}; !slices.Equal(stages, want) {
		t.Errorf("stages %v, want %v\n%s", stages, want, got)
	}
	for _, want := range []string{
		"cilium -> coredns -> spegel -> cert-manager -> external-secrets -> onepassword-connect -> flux-operator",
		"after onepassword-connect: kubectl apply --server-side --force-conflicts --namespace=external-secrets --filename=postsync/onepassword-connect-store.yaml",
		"sops-age in flux-system", "external-secrets/onepassword-connect-credentials",
		"kubectl apply --server-side --filename=kubernetes/flux/cluster/fluxinstance.yaml",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	assertNoSecret(t, "stdout", got, secrets)
	assertNoSecret(t, "stderr", errb.String(), secrets)
}

// fakeTool is a kubectl, helmfile or flux that records each call (its
// name and arguments, one line) and its standard input; helmfile template
// prints a CRD and a Deployment.
const fakeTool = `#!/bin/sh
n=$(wc -l < "$LOG/calls")
echo "$(basename "$0") $*" >> "$LOG/calls"
case "$*" in *template*)
  printf 'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: servicemonitors.monitoring.coreos.com\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: operator\n'
  exit 0;;
esac
cat > "$LOG/stdin.$n"
`

// TestBootstrapApply runs home-ops' bootstrap with stand-ins for kubectl
// and helmfile: the commands come in stage order, in the example's
// directory; the age key and the bootstrap Secrets reach kubectl only on
// its standard input; the CRD stage applies only the CRDs.
func TestBootstrapApply(t *testing.T) {
	dir, _ := filepath.Abs(filepath.Join("..", "..", "..", "..", "examples", "home-ops"))
	key, secrets := exampleSecrets(t, dir)
	bin, log := t.TempDir(), t.TempDir()
	for _, tool := range []string{"kubectl", "helmfile", "flux"} {
		if err := os.WriteFile(filepath.Join(bin, tool), []byte(fakeTool), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(log, "calls"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("LOG", log)
	env, out, errb := bootstrapEnv(exampletest.KeyFile(dir))
	if code := run(context.Background(), env, []string{"bootstrap", "--apply", dir}); code != ExitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	calls, _ := os.ReadFile(filepath.Join(log, "calls"))
	lines := strings.Split(strings.TrimSpace(string(calls)), "\n")
	want := []string{
		"kubectl apply --server-side --force-conflicts --filename=-",
		"kubectl apply --server-side --force-conflicts --filename=-",
		"helmfile --file=bootstrap/crds.yaml template --quiet",
		"kubectl apply --server-side --force-conflicts --filename=-",
		"helmfile --file=bootstrap/helmfile.yaml sync --hide-notes",
		"kubectl apply --server-side --filename=kubernetes/flux/cluster/fluxinstance.yaml",
	}
	if !slices.Equal(lines, want) {
		t.Errorf("calls:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	assertNoSecret(t, "the commands' arguments", string(calls), secrets)
	assertNoSecret(t, "stdout", out.String(), secrets)
	assertNoSecret(t, "stderr", errb.String(), secrets)
	stdin := func(i int) string {
		b, _ := os.ReadFile(filepath.Join(log, "stdin."+string(rune('0'+i))))
		return string(b)
	}
	if s := stdin(0); !strings.Contains(s, "kind: Namespace") || !strings.Contains(s, "name: external-secrets") {
		t.Errorf("namespaces stage's input:\n%s", s)
	}
	s := stdin(1)
	if !strings.Contains(s, "name: sops-age") || !strings.Contains(s, key) || !strings.Contains(s, "age.agekey") {
		t.Errorf("the secrets stage's input lacks the sops-age Secret with the key")
	}
	if !strings.Contains(s, "name: onepassword-connect-credentials") || !strings.Contains(s, "namespace: external-secrets") {
		t.Errorf("the secrets stage's input lacks the bootstrap Secrets")
	}
	if s := stdin(3); !strings.Contains(s, "CustomResourceDefinition") || strings.Contains(s, "Deployment") {
		t.Errorf("the CRD stage applied:\n%s", s)
	}
}

// TestBootstrapApplyMissingTool runs --apply with kubectl but neither
// helmfile nor flux on PATH: it runs nothing (no stage half done), names
// each missing tool, in words, not Go's, and exits 1.
func TestBootstrapApplyMissingTool(t *testing.T) {
	dir, _ := filepath.Abs(filepath.Join("..", "..", "..", "..", "examples", "home-ops"))
	bin, log := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(bin, "kubectl"), []byte(fakeTool), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(log, "calls"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	// The fake kubectl's own tools, and nothing else.
	for _, tool := range []string{"sh", "wc", "basename", "cat"} {
		path, err := exec.LookPath(tool)
		if err != nil {
			t.Skipf("no %s to run the fake kubectl: %v", tool, err)
		}
		if err := os.Symlink(path, filepath.Join(bin, tool)); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", bin)
	t.Setenv("LOG", log)
	env, _, errb := bootstrapEnv(exampletest.KeyFile(dir))
	if code := run(context.Background(), env, []string{"bootstrap", "--apply", dir}); code != ExitBadInput {
		t.Fatalf("exit %d, want %d: %s", code, ExitBadInput, errb.String())
	}
	if calls, _ := os.ReadFile(filepath.Join(log, "calls")); len(calls) > 0 {
		t.Errorf("ran commands although helmfile is missing:\n%s", calls)
	}
	msg := errb.String()
	if !strings.Contains(msg, "helmfile") || strings.Contains(msg, "kubectl is") {
		t.Errorf("stderr does not name exactly the missing tool: %q", msg)
	}
	for _, internal := range []string{"exec:", "$PATH", "executable file not found"} {
		if strings.Contains(msg, internal) {
			t.Errorf("stderr has Go's words %q: %q", internal, msg)
		}
	}
}
