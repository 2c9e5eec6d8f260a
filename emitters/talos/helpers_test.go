package talos

import (
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"filippo.io/age"
	"go.yaml.in/yaml/v4"

	"github.com/hogen-dev/hogen/compiler/model"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// testInputs are the committed test-only bundle and client certificate.
func testInputs(t testing.TB) model.Inputs {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "secrets.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := os.ReadFile(filepath.Join("testdata", "client.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return model.Inputs{TalosSecrets: b, TalosClient: c}
}

// minis is the seed's three Mac minis (testdata/minis/description.json)
// with the test inputs.
func minis(t testing.TB) *model.Description { return described(t, "minis", "") }

// small is a one-control-plane, one-worker cluster with nothing optional
// set, for table tests to change.
func small(t testing.TB) *model.Description {
	t.Helper()
	return &model.Description{
		Cluster: model.Cluster{
			Name:       "lab",
			Domain:     "cluster.local",
			Talos:      model.Talos{Version: "v1.10.5"},
			Kubernetes: model.Kubernetes{Version: "v1.31.1"},
			API:        model.API{Endpoint: "10.0.0.10", Port: 6443},
			Network: model.Network{
				Node:      model.NodeNetwork{CIDR: "10.0.0.0/24", Gateway: "10.0.0.1", MTU: 1500},
				Pods:      []string{"10.244.0.0/16"},
				Services:  []string{"10.96.0.0/12"},
				CNI:       "flannel",
				KubeProxy: true,
			},
		},
		Nodes: []model.Node{
			{Name: "cp1", Role: model.RoleControlPlane, Address: "10.0.0.11", Interface: model.Interface{Name: "eth0"}, InstallDisk: model.InstallDisk{Path: "/dev/sda"}},
			{Name: "w1", Role: model.RoleWorker, Address: "10.0.0.21", Interface: model.Interface{Name: "eth0"}, InstallDisk: model.InstallDisk{Path: "/dev/sda"}},
		},
		Emitters: model.Emitters{Talos: model.Toggle{Enabled: true}},
		Inputs:   testInputs(t),
	}
}

// manyNodes is small with n worker nodes (and its control plane) on a /16.
func manyNodes(t testing.TB, n int) *model.Description {
	d := small(t)
	d.Cluster.Network.Node.CIDR = "10.0.0.0/16"
	d.Nodes = d.Nodes[:1]
	for i := range n - 1 {
		d.Nodes = append(d.Nodes, model.Node{
			Name: "w" + strconv.Itoa(i), Role: model.RoleWorker,
			Address:     "10.0." + strconv.Itoa(1+i/250) + "." + strconv.Itoa(1+i%250),
			Interface:   model.Interface{Name: "eth0"},
			InstallDisk: model.InstallDisk{Path: "/dev/sda"},
			Labels:      map[string]string{"rack": strconv.Itoa(i % 10)},
		})
	}
	return d
}

// at decodes a YAML document and returns the value at a dotted path; a
// numeric element indexes a list.
func at(t *testing.T, doc []byte, path string) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(doc, &v); err != nil {
		t.Fatalf("decoding config: %v", err)
	}
	for _, k := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[k]
		case []any:
			i, err := strconv.Atoi(k)
			if err != nil || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

// parse decodes a YAML literal for comparison with at.
func parse(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("bad test YAML %q: %v", s, err)
	}
	return v
}

// newAgeKey is a fresh age identity for a test's encryption.
func newAgeKey(t testing.TB) *age.X25519Identity {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	return id
}
