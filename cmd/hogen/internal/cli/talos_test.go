package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hogen-dev/hogen/compiler/model"
	"github.com/hogen-dev/hogen/emitters/talos"
)

// fakeTalos loads a one-node description whose inputs are read from the
// files init wrote ("decrypting" the fake encryption's ENC: prefix).
func fakeTalos(t *testing.T) talosWiring {
	t.Helper()
	read := func(dir, name string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
		if err != nil {
			return nil
		}
		return bytes.TrimPrefix(b, []byte("ENC:"))
	}
	w := talosWiring{
		load: func(_ context.Context, _ *Env, dir string) (*model.Description, error) {
			return &model.Description{
				Cluster: model.Cluster{
					Name: "lab", Domain: "cluster.local",
					Talos:      model.Talos{Version: "v1.10.5"},
					Kubernetes: model.Kubernetes{Version: "v1.31.1"},
					API:        model.API{Endpoint: "10.0.0.10", Port: 6443},
					Network:    model.Network{Node: model.NodeNetwork{CIDR: "10.0.0.0/24", MTU: 1500}, KubeProxy: true},
					SOPS:       model.SOPS{AgeRecipients: []string{"age1test"}},
				},
				Nodes: []model.Node{{Name: "cp1", Role: model.RoleControlPlane, Address: "10.0.0.11",
					Interface: model.Interface{Name: "eth0"}, InstallDisk: model.InstallDisk{Path: "/dev/sda"}}},
				Inputs: model.Inputs{TalosSecrets: read(dir, talos.SecretsFile), TalosClient: read(dir, talos.ClientFile)},
			}, nil
		},
		encrypt: func(plain []byte, recipients []string, _ string) ([]byte, error) {
			if len(recipients) != 1 || recipients[0] != "age1test" {
				t.Errorf("encrypt for %v, want the description's recipients", recipients)
			}
			return append([]byte("ENC:"), plain...), nil
		},
	}
	w.describe = w.load
	return w
}

func runTalos(t *testing.T, w talosWiring, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	env := &Env{Stdout: &out, Stderr: &out, Getenv: func(string) string { return "" }}
	cmd := newTalosCmdWith(env, w)
	cmd.SetArgs(args)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	err := cmd.ExecuteContext(t.Context())
	return out.String(), err
}

func TestTalosInitConfigCommands(t *testing.T) {
	dir := t.TempDir()
	w := fakeTalos(t)
	if _, err := runTalos(t, w, "init", dir); err != nil {
		t.Fatalf("init: %v", err)
	}
	bundle, err := os.ReadFile(filepath.Join(dir, "talos", "secrets.sops.yaml"))
	if err != nil || !bytes.HasPrefix(bundle, []byte("ENC:cluster:")) {
		t.Fatalf("secrets file = %.40q, %v; want the encrypted bundle", bundle, err)
	}
	if _, err := runTalos(t, w, "init", dir); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("second init: %v, want a refusal", err)
	}
	again, _ := os.ReadFile(filepath.Join(dir, "talos", "secrets.sops.yaml"))
	if !bytes.Equal(bundle, again) {
		t.Fatal("second init changed the bundle")
	}

	cfg, err := runTalos(t, w, "config", "cp1", dir)
	if err != nil || !strings.Contains(cfg, "hostname: cp1") {
		t.Fatalf("config cp1 = %.80q, %v", cfg, err)
	}

	client, _ := os.ReadFile(filepath.Join(dir, "talos", "client.sops.yaml"))
	if _, err := runTalos(t, w, "init", "--renew-client", dir); err != nil {
		t.Fatalf("init --renew-client: %v", err)
	}
	renewed, _ := os.ReadFile(filepath.Join(dir, "talos", "client.sops.yaml"))
	if bytes.Equal(client, renewed) {
		t.Error("--renew-client kept the old certificate")
	}
	if again, _ := os.ReadFile(filepath.Join(dir, "talos", "secrets.sops.yaml")); !bytes.Equal(bundle, again) {
		t.Error("--renew-client changed the bundle")
	}

	cmds, err := runTalos(t, w, "commands", dir)
	if err != nil || !strings.Contains(cmds, "talosctl bootstrap --nodes 10.0.0.11") {
		t.Fatalf("commands = %q, %v", cmds, err)
	}
}

func TestTalosConfigWithoutInit(t *testing.T) {
	_, err := runTalos(t, fakeTalos(t), "config", "cp1", t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "hogen talos init") {
		t.Fatalf("config before init: %v, want advice to run hogen talos init", err)
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"home":               "home",
		"clusters/home-ops":  "clusters/home-ops",
		"my cluster":         "'my cluster'",
		"it's":               `'it'\''s'`,
		"$HOME":              "'$HOME'",
		"":                   "''",
		"a;rm -rf /":         "'a;rm -rf /'",
		"../up/v1.2,x@y:z+w": "../up/v1.2,x@y:z+w",
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}

// TestTalosInitCompletesAnOldClient: on a cluster whose client file
// predates the kubeconfig, init adds the Kubernetes certificate and keeps
// the bundle and the Talos certificate.
func TestTalosInitCompletesAnOldClient(t *testing.T) {
	dir := t.TempDir()
	w := fakeTalos(t)
	if _, err := runTalos(t, w, "init", dir); err != nil {
		t.Fatalf("init: %v", err)
	}
	clientPath := filepath.Join(dir, "talos", "client.sops.yaml")
	full, _ := os.ReadFile(clientPath)
	old, _, _ := strings.Cut(string(full), "kubernetes:")
	if err := os.WriteFile(clientPath, []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	bundle, _ := os.ReadFile(filepath.Join(dir, "talos", "secrets.sops.yaml"))
	out, err := runTalos(t, w, "init", dir)
	if err != nil || !strings.Contains(out, "added the Kubernetes admin certificate") {
		t.Fatalf("init on an old client file = %q, %v", out, err)
	}
	got, _ := os.ReadFile(clientPath)
	if !strings.HasPrefix(string(got), old) || !strings.Contains(string(got), "kubernetes:") {
		t.Errorf("client file is now:\n%s\nwant the old one with a kubernetes certificate added", got)
	}
	if again, _ := os.ReadFile(filepath.Join(dir, "talos", "secrets.sops.yaml")); string(again) != string(bundle) {
		t.Error("init changed the bundle")
	}
	if _, err := runTalos(t, w, "init", dir); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("init on a complete cluster: %v, want a refusal", err)
	}
}
