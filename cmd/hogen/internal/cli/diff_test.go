package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// labCluster is the cluster of a one-node lab, without emitters' settings.
const labCluster = `cluster: {
	name: "lab"
	talos: version: "v1.10.5"
	kubernetes: version: "v1.33.2"
	api: endpoint: "10.0.0.10"
	network: node: cidr: "10.0.0.0/24"
	flux: source: url: "https://github.com/me/lab"
}`

// writer returns a function writing a file of the description in dir.
func writer(t *testing.T, dir string) func(name, s string) {
	return func(name, s string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestDiffCommand(t *testing.T) {
	dir := t.TempDir()
	cue := writer(t, dir)
	cue("cluster.cue", labCluster+`
// This test is about diff's rendering: only the namespaces emitter runs.
emitters: {flux: enabled: false, talos: enabled: false, sops: enabled: false}
`)
	cue("nodes.cue", `nodes: solo: {role: "controlplane", address: "10.0.0.10", interface: name: "eth0", installDisk: path: "/dev/sda"}
apps: podinfo: {namespace: "web", chart: {repo: "https://stefanprodan.github.io/podinfo", name: "podinfo", version: "6.9.1"}}
`)
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{name: "text", args: []string{"diff", dir}, wantStdout: "+ kubernetes/apps/web/namespace.yaml\n  + v1 Namespace web\n"},
		{name: "markdown", args: []string{"diff", "--format", "markdown", dir}, wantStdout: "#### `kubernetes/apps/web/namespace.yaml` (added)"},
		{name: "bad format", args: []string{"diff", "--format", "html", dir}, wantCode: ExitUsage, wantStderr: "want text or markdown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := Main(tt.args, nil, &stdout, &stderr)
			if code != tt.wantCode || !strings.Contains(stdout.String(), tt.wantStdout) || !strings.Contains(stderr.String(), tt.wantStderr) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit %d, stdout with %q, stderr with %q",
					code, stdout.String(), stderr.String(), tt.wantCode, tt.wantStdout, tt.wantStderr)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "kubernetes")); !os.IsNotExist(err) {
		t.Errorf("diff wrote files: %v", err)
	}
}

// TestDiffAppShapes: diff names each object of the new shapes: a release
// added beside another in one helmrelease.yaml, a Kustomization added to an
// app's ks.yaml, a Component's files.
func TestDiffAppShapes(t *testing.T) {
	dir := t.TempDir()
	write := writer(t, dir)
	write("cluster.cue", labCluster+`
emitters: {talos: enabled: false, sops: enabled: false}
nodes: solo: {role: "controlplane", address: "10.0.0.10", interface: name: "eth0", installDisk: path: "/dev/sda"}
`)
	write("apps.cue", `apps: podinfo: {namespace: "web", chart: {repo: "oci://ghcr.io/stefanprodan/charts", name: "podinfo", version: "6.9.1"}}
`)
	var stdout, stderr bytes.Buffer
	if code := Main([]string{"build", dir}, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("build: exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	write("apps.cue", `apps: podinfo: {
	namespace: "web"
	components: ["probe"]
	substitute: APP: "podinfo"
	chart: {repo: "oci://ghcr.io/stefanprodan/charts", name: "podinfo", version: "6.9.1"}
	releases: "podinfo-cache": chart: {repo: "oci://registry-1.docker.io/bitnamicharts", name: "redis", version: "21.2.13"}
	kustomizations: config: {
		dependsOn: ["podinfo"]
		manifests: pdb: {apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: name: "podinfo", spec: maxUnavailable: "1"}
	}
}
components: probe: manifests: probe: {apiVersion: "v1", kind: "ConfigMap", metadata: name: "${APP}-probe"}
`)
	stdout.Reset()
	stderr.Reset()
	if code := Main([]string{"diff", dir}, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("diff: exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	for _, want := range []string{
		"~ kubernetes/apps/web/podinfo/app/helmrelease.yaml\n  + helm.toolkit.fluxcd.io/v2 HelmRelease podinfo-cache\n",
		"+ kustomize.toolkit.fluxcd.io/v1 Kustomization flux-system/podinfo-config\n",
		"+ kubernetes/apps/web/podinfo/config/pdb.yaml\n",
		"+ kubernetes/components/probe/probe.yaml\n",
	} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("diff lacks %q:\n%s", want, stdout.String())
		}
	}
}
