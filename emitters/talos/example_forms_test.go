package talos_test

import (
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hogen-dev/hogen/compiler"
	"github.com/hogen-dev/hogen/compiler/inputs"
	"github.com/hogen-dev/hogen/emitters/talos"
)

// TestExampleFormsAgree: examples/homelab, built for the Talos it runs
// (v1.10.5, the legacy form) and for v1.13.0 (documents), makes the same
// machines: links, VLAN, addresses, routes, VIP, resolvers, time servers,
// encrypted system volumes, disks.
func TestExampleFormsAgree(t *testing.T) {
	dir := filepath.Join("..", "..", "examples", "homelab")
	getenv := func(k string) string {
		if k == "SOPS_AGE_KEY_FILE" {
			return filepath.Join(dir, "test-only.agekey")
		}
		return ""
	}
	d, _, err := compiler.Load(t.Context(), compiler.Options{Dir: dir, Getenv: getenv})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := inputs.Unlock(d, dir, getenv); err != nil {
		t.Fatal(err)
	}
	if d.Cluster.Talos.Version != "v1.10.5" {
		t.Fatalf("the example runs Talos %s; this test compares v1.10.5 with v1.13.0", d.Cluster.Talos.Version)
	}
	legacy := map[string]talos.Effective{}
	for _, n := range d.Nodes {
		cfg, err := talos.NodeConfig(d, n.Name)
		if err != nil {
			t.Fatal(err)
		}
		legacy[n.Name] = talos.EffectiveOf(t, cfg)
	}
	d.Cluster.Talos.Version = "v1.13.0"
	for _, n := range d.Nodes {
		cfg, err := talos.NodeConfig(d, n.Name)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(legacy[n.Name], talos.EffectiveOf(t, cfg)); diff != "" {
			t.Errorf("%s: Talos v1.10.5 and v1.13.0 differ (-legacy +documents):\n%s", n.Name, diff)
		}
	}
}
