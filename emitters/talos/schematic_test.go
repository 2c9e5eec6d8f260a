package talos

import (
	"testing"

	"github.com/hogen-dev/hogen/compiler/model"
)

// TestSchematicID checks the offline IDs against ones the Image Factory
// gives: the empty and kernel-argument schematics are test vectors of
// image-factory's pkg/schematic; iscsi-tools + util-linux-tools is the
// factory's ID for the usual Longhorn image, used by many public repos
// (factory.talos.dev/installer/613e1592...:v1.x).
func TestSchematicID(t *testing.T) {
	tests := []struct {
		name string
		s    model.Schematic
		want string
	}{
		{"empty", model.Schematic{}, "376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba"},
		{"kernel arguments", model.Schematic{ExtraKernelArgs: []string{"noapic", "nolapic"}}, "9cba8e32753f91a16c1837ab8abf356af021706ef284aef07380780177d9a06c"},
		{"Longhorn extensions", model.Schematic{Extensions: []string{"siderolabs/iscsi-tools", "siderolabs/util-linux-tools"}}, "613e1592b2da41ae5e265e8789429f22e121aab91cb4deb6bc3c0b6262961245"},
		{"empty lists are no customization", model.Schematic{Extensions: []string{}, ExtraKernelArgs: []string{}}, "376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := SchematicID(tt.s)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("SchematicID = %s, want %s", got, tt.want)
			}
		})
	}
}
