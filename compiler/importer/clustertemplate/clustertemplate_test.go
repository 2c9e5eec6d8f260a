package clustertemplate

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hogen-dev/hogen/compiler/importer"
	"github.com/hogen-dev/hogen/compiler/importer/importertest"
)

// testRecipient is the public key of talhelper's example's test key.
const testRecipient = "age10k9mjx3wcfzd7dwx3uqs68v7dzlwvwpzp8jyjpysjhy9mdwzhghqy2vhvn"

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
		// A rendered repository: its talos/patches, the template's own as
		// rendered and the user's, replace hogen's equivalents.
		// The versions come from its talos/talenv.yaml.
		// Its talsecret (a test bundle, in clear) becomes the secrets.
		{name: "rendered talos/patches", dir: "testdata/rendered", opts: importer.Options{AgeRecipients: []string{testRecipient}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, n := readCase(t, tt.dir)
			in := Input{ClusterFile: "cluster.yaml", Cluster: c, NodesFile: "nodes.yaml", Nodes: n, TalosDir: "talos"}
			if _, err := os.Stat(filepath.Join(tt.dir, "talos")); err == nil {
				in.Talos = os.DirFS(filepath.Join(tt.dir, "talos"))
			}
			r, err := Import(in, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			importertest.Golden(t, tt.dir, r, *update)
			if _, talos := r.Files["talos/secrets.sops.yaml"]; talos != (tt.opts.AgeRecipients != nil) {
				t.Errorf("talos/secrets.sops.yaml written: %v, want %v", talos, !talos)
			}
			importertest.Validate(t, r.Files)
			importertest.Build(t, r.Files)
		})
	}
}

func TestSecretNeverWritten(t *testing.T) {
	c, n := readCase(t, "testdata/homelab")
	r, err := Import(Input{ClusterFile: "cluster.yaml", Cluster: c, NodesFile: "nodes.yaml", Nodes: n}, importer.Options{})
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
			_, err := Import(Input{ClusterFile: "in/c.yaml", Cluster: tt.cluster, NodesFile: "in/n.yaml", Nodes: tt.nodes}, importer.Options{})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestImportMTU(t *testing.T) {
	cluster := []byte("node_cidr: 10.0.0.0/24\ncluster_api_addr: 10.0.0.100\n")
	// node is nodes.yaml's i-th entry, with mtu: when mtu is not "".
	node := func(i int, mtu string) string {
		s := fmt.Sprintf("  - {name: n%d, address: 10.0.0.%d, controller: true, disk: /dev/sda, mac_addr: \"aa:bb:cc:00:00:0%d\"", i, i+1, i)
		if mtu != "" {
			s += ", mtu: " + mtu
		}
		return s + "}\n"
	}
	tests := []struct {
		name     string
		mtus     [3]string
		wantMTU  string // the cluster.cue line, "" for none (hogen's default, 1500)
		wantWarn bool
	}{
		{name: "unset everywhere", mtus: [3]string{"", "", ""}},
		// The template's default is 1500: unset and 1500 are the same MTU.
		{name: "one node sets the default", mtus: [3]string{"1500", "", ""}},
		{name: "every node sets jumbo frames", mtus: [3]string{"9000", "9000", "9000"}, wantMTU: "mtu: 9000"},
		{name: "one node sets jumbo frames", mtus: [3]string{"9000", "", ""}, wantWarn: true},
		{name: "jumbo frames and an explicit default", mtus: [3]string{"9000", "9000", "1500"}, wantWarn: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nodes := "nodes:\n" + node(0, tt.mtus[0]) + node(1, tt.mtus[1]) + node(2, tt.mtus[2])
			r, err := Import(Input{ClusterFile: "cluster.yaml", Cluster: cluster, NodesFile: "nodes.yaml", Nodes: []byte(nodes)}, importer.Options{TalosVersion: "v1.10.5", KubernetesVersion: "v1.33.2", FluxURL: "https://github.com/me/home-ops"})
			if err != nil {
				t.Fatal(err)
			}
			gotWarn := false
			for _, w := range r.Warnings {
				gotWarn = gotWarn || strings.Contains(w.Msg, "different MTUs")
			}
			if gotWarn != tt.wantWarn {
				t.Errorf("MTU warning = %v, want %v; warnings:\n%v", gotWarn, tt.wantWarn, r.Warnings)
			}
			cue := string(r.Files["cluster.cue"])
			if got := strings.Contains(cue, "mtu:"); got != (tt.wantMTU != "") || !strings.Contains(cue, tt.wantMTU) {
				t.Errorf("cluster.cue has mtu: %v, want %q:\n%s", got, tt.wantMTU, cue)
			}
			importertest.Validate(t, r.Files)
		})
	}
}
