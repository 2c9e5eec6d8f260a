package clustertemplate

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hogen-dev/hogen/compiler/importer"
	"github.com/hogen-dev/hogen/compiler/importer/importertest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func readCase(t *testing.T, dir string) (cluster, nodes []byte) {
	t.Helper()
	cluster, err := os.ReadFile(filepath.Join(dir, "cluster.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	nodes, err = os.ReadFile(filepath.Join(dir, "nodes.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return cluster, nodes
}

func TestImportGolden(t *testing.T) {
	tests := []struct {
		name string
		dir  string
		opts importer.Options
	}{
		{name: "homelab", dir: "testdata/homelab", opts: importer.Options{Package: "homelab", TalosVersion: "1.10.6", KubernetesVersion: "v1.33.3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, n := readCase(t, tt.dir)
			r, err := Import("cluster.yaml", c, "nodes.yaml", n, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			importertest.Golden(t, tt.dir, r, *update)
			importertest.Validate(t, r.Files)
		})
	}
}

func TestSecretNeverWritten(t *testing.T) {
	c, n := readCase(t, "testdata/homelab")
	r, err := Import("cluster.yaml", c, "nodes.yaml", n, importer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range r.Files {
		if strings.Contains(string(b), "not-a-real-token") {
			t.Errorf("%s holds cloudflare_token's value", name)
		}
	}
	for _, w := range r.Warnings {
		if strings.Contains(w.String(), "not-a-real-token") {
			t.Errorf("warning shows cloudflare_token's value: %s", w)
		}
	}
}

func TestImportErrors(t *testing.T) {
	nodes := []byte("nodes: [{name: a, address: 10.0.0.2, controller: true, disk: /dev/sda}]\n")
	tests := []struct {
		name           string
		cluster, nodes []byte
		wantErr        string
	}{
		{name: "no node_cidr", cluster: []byte("cluster_api_addr: 10.0.0.1\n"), nodes: nodes, wantErr: "in/c.yaml: node_cidr is missing"},
		{name: "no api address", cluster: []byte("node_cidr: 10.0.0.0/24\n"), nodes: nodes, wantErr: "in/c.yaml: cluster_api_addr is missing"},
		{name: "no nodes", cluster: []byte("node_cidr: 10.0.0.0/24\ncluster_api_addr: 10.0.0.1\n"), nodes: []byte("nodes: []\n"), wantErr: "in/n.yaml lists no nodes"},
		{name: "node without a name", cluster: []byte("node_cidr: 10.0.0.0/24\ncluster_api_addr: 10.0.0.1\n"), nodes: []byte("nodes:\n  - address: 10.0.0.2\n"), wantErr: "in/n.yaml:2: nodes[0]: name is missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Errors name the files as the caller gave them, not the template's usual names.
			_, err := Import("in/c.yaml", tt.cluster, "in/n.yaml", tt.nodes, importer.Options{})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}
