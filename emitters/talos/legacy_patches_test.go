package talos

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hogen-dev/hogen/compiler/model"
	"github.com/hogen-dev/hogen/emitters"
)

// TestLegacyPatchProblems: a patch setting a field the contract moved to a
// document is found in either patch form, is an error where hogen writes
// the document and a warning where it does not, and is fine on a contract
// that still reads the field.
func TestLegacyPatchProblems(t *testing.T) {
	tests := []struct {
		name, version, patch string
		change               func(d *model.Description)
		want                 emitters.Problems
	}{
		{"interfaces on 1.13", "v1.13.0", `{"machine": {"network": {"interfaces": []}}}`, nil,
			emitters.Problems{{Path: "cluster.patches.all.0.machine.network.interfaces", Warning: true}}},
		{"hostname on 1.13", "v1.13.0", `{"machine": {"network": {"hostname": "x"}}}`, nil,
			emitters.Problems{{Path: "cluster.patches.all.0.machine.network.hostname"}}},
		{"interfaces on 1.11", "v1.11.5", `{"machine": {"network": {"interfaces": []}}}`, nil, nil},
		{"JSON6902 on the field", "v1.12.4", `[{"op": "add", "path": "/machine/network/interfaces/-", "value": {}}]`, nil,
			emitters.Problems{{Path: "cluster.patches.all.0.0.path", Warning: true}}},
		{"JSON6902 on an ancestor", "v1.12.4", `[{"op": "add", "path": "/machine/network", "value": {"nameservers": ["1.1.1.1"]}}]`, nil,
			emitters.Problems{{Path: "cluster.patches.all.0.0.value.nameservers", Warning: true}}},
		{"nameservers hogen writes", "v1.12.4", `{"machine": {"network": {"nameservers": ["1.1.1.1"]}}}`,
			func(d *model.Description) { d.Cluster.Network.Node.Nameservers = []string{"9.9.9.9"} },
			emitters.Problems{{Path: "cluster.patches.all.0.machine.network.nameservers"}}},
		{"time servers nobody else sets", "v1.13.0", `{"machine": {"time": {"servers": ["pool.ntp.org"]}}}`, nil,
			emitters.Problems{{Path: "cluster.patches.all.0.machine.time", Warning: true}}},
		{"disk encryption on 1.11", "v1.11.5", `{"machine": {"systemDiskEncryption": {}}}`,
			func(d *model.Description) { d.Cluster.DiskEncryption = &model.DiskEncryption{} },
			emitters.Problems{{Path: "cluster.patches.all.0.machine.systemDiskEncryption"}}},
		{"a document patch", "v1.13.0", `{"apiVersion": "v1alpha1", "kind": "LinkConfig", "name": "eth1"}`, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := small(t)
			d.Cluster.Talos.Version = tt.version
			d.Cluster.Patches.All = []model.Patch{model.Patch(tt.patch)}
			if tt.change != nil {
				tt.change(d)
			}
			got := legacyPatchProblems(d, mustContract(tt.version))
			opt := cmp.Comparer(func(a, b emitters.Problem) bool { return a.Path == b.Path && a.Warning == b.Warning })
			if diff := cmp.Diff(tt.want, got, opt); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}
