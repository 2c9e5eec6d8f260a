package talos

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"gopkg.in/yaml.v3"

	"github.com/hogen-dev/hogen/compiler/model"
)

// InstallerRepo is the Image Factory's metal installer repository.
const InstallerRepo = "factory.talos.dev/installer"

// The Image Factory names a schematic by the SHA-256 of its canonical YAML:
// github.com/siderolabs/image-factory/pkg/schematic marshals its Schematic
// struct with gopkg.in/yaml.v3 and hashes the bytes. That module is not
// served by the Go module proxy, so these types mirror the fields hogen sets,
// in the same order with the same tags; fields left out (overlay, meta,
// secureboot) are omitempty there and so never change the bytes when unset.
type factorySchematic struct {
	Customization factoryCustomization `yaml:"customization"`
}

type factoryCustomization struct {
	ExtraKernelArgs  []string                `yaml:"extraKernelArgs,omitempty"`
	SystemExtensions factorySystemExtensions `yaml:"systemExtensions,omitempty"`
}

type factorySystemExtensions struct {
	OfficialExtensions []string `yaml:"officialExtensions,omitempty"`
}

// SchematicID returns the Image Factory ID of s, computed offline. The order
// of extensions and arguments matters, as it does for the factory.
func SchematicID(s model.Schematic) (string, error) {
	data, err := yaml.Marshal(factorySchematic{Customization: factoryCustomization{
		ExtraKernelArgs:  s.ExtraKernelArgs,
		SystemExtensions: factorySystemExtensions{OfficialExtensions: s.Extensions},
	}})
	if err != nil {
		return "", fmt.Errorf("encoding the schematic: %w", err)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:]), nil
}

// InstallerImage returns the node's installer image: its own schematic if it
// has one, else the cluster's, at the cluster's Talos version.
func InstallerImage(d *model.Description, n *model.Node) (string, error) {
	s := d.Cluster.Talos.Schematic
	if n.Schematic != nil {
		s = *n.Schematic
	}
	id, err := SchematicID(s)
	if err != nil {
		return "", err
	}
	return InstallerRepo + "/" + id + ":" + d.Cluster.Talos.Version, nil
}
