package talos

import (
	"fmt"

	"github.com/siderolabs/talos/pkg/machinery/cel"
	"github.com/siderolabs/talos/pkg/machinery/cel/celenv"
	docconfig "github.com/siderolabs/talos/pkg/machinery/config/config"
	"github.com/siderolabs/talos/pkg/machinery/config/types/block"
	v1alpha1 "github.com/siderolabs/talos/pkg/machinery/config/types/v1alpha1"
	blockres "github.com/siderolabs/talos/pkg/machinery/resources/block"

	"github.com/hogen-dev/hogen/compiler/model"
	"github.com/hogen-dev/hogen/emitters"
)

// The system volumes cluster.diskEncryption encrypts.
const (
	stateVolume     = "STATE"
	ephemeralVolume = "EPHEMERAL"
)

// encryptionKeys are a partition's key slots: "nodeID" or "tpm", nodeID
// when none is named.
func encryptionKeys(pe *model.PartitionEncryption) []string {
	if len(pe.Keys) == 0 {
		return []string{"nodeID"}
	}
	return pe.Keys
}

// legacyEncryption is machine.systemDiskEncryption's form, for Talos
// before 1.11.
func legacyEncryption(pe *model.PartitionEncryption) *v1alpha1.EncryptionConfig {
	if pe == nil {
		return nil
	}
	ec := &v1alpha1.EncryptionConfig{EncryptionProvider: "luks2"}
	for slot, k := range encryptionKeys(pe) {
		key := &v1alpha1.EncryptionKey{KeySlot: slot}
		if k == "tpm" {
			key.KeyTPM = &v1alpha1.EncryptionKeyTPM{}
		} else {
			key.KeyNodeID = &v1alpha1.EncryptionKeyNodeID{}
		}
		ec.EncryptionKeys = append(ec.EncryptionKeys, key)
	}
	return ec
}

// encryptionSpec is a volume document's form of the same.
func encryptionSpec(pe *model.PartitionEncryption) block.EncryptionSpec {
	spec := block.EncryptionSpec{EncryptionProvider: blockres.EncryptionProviderLUKS2}
	for slot, k := range encryptionKeys(pe) {
		key := block.EncryptionKey{KeySlot: slot}
		if k == "tpm" {
			key.KeyTPM = &block.EncryptionKeyTPM{}
		} else {
			key.KeyNodeID = &block.EncryptionKeyNodeID{}
		}
		spec.EncryptionKeys = append(spec.EncryptionKeys, key)
	}
	return spec
}

// systemVolumeDocs are the VolumeConfig documents encrypting STATE and
// EPHEMERAL, for Talos 1.11 and later.
func systemVolumeDocs(e *model.DiskEncryption) []docconfig.Document {
	if e == nil {
		return nil
	}
	var docs []docconfig.Document
	for _, v := range []struct {
		name string
		pe   *model.PartitionEncryption
	}{{stateVolume, e.State}, {ephemeralVolume, e.Ephemeral}} {
		if v.pe == nil {
			continue
		}
		doc := block.NewVolumeConfigV1Alpha1()
		doc.MetaName, doc.EncryptionSpec = v.name, encryptionSpec(v.pe)
		docs = append(docs, doc)
	}
	return docs
}

// userVolumeDocs are the node's user volumes; encrypting one needs a Talos
// version whose volumes take encryption.
func (p *plan) userVolumeDocs(n *model.Node) ([]docconfig.Document, error) {
	var docs []docconfig.Document
	var ps emitters.Problems
	for i, v := range n.Volumes {
		at := fmt.Sprintf("nodes.%s.volumes[%d]", n.Name, i)
		doc := block.NewUserVolumeConfigV1Alpha1()
		doc.MetaName = v.Name
		expr, err := cel.ParseBooleanExpression(v.Disk, celenv.DiskLocator())
		if err != nil {
			ps = append(ps, emitters.Problem{Path: at + ".disk", Msg: fmt.Sprintf("not a disk expression: %v", err),
				Fix: `write a CEL expression over the disk, such as disk.transport == "nvme" && !system_disk`})
			continue
		}
		doc.ProvisioningSpec.DiskSelectorSpec.Match = expr
		if err := setSizes(&doc.ProvisioningSpec, v); err != nil {
			ps = append(ps, emitters.Problem{Path: at, Msg: err.Error(), Fix: `write sizes such as "100GiB"`})
			continue
		}
		doc.FilesystemSpec.FilesystemType = blockres.FilesystemTypeXFS
		if v.Filesystem == "ext4" {
			doc.FilesystemSpec.FilesystemType = blockres.FilesystemTypeEXT4
		}
		if v.Encryption != nil {
			if !p.contract.VolumeConfigEncryptionSupported() {
				ps = append(ps, emitters.Problem{Path: at + ".encryption", Msg: fmt.Sprintf("Talos %s does not encrypt user volumes", p.d.Cluster.Talos.Version),
					Fix: "remove the encryption, or use Talos 1.11 or later"})
				continue
			}
			doc.EncryptionSpec = encryptionSpec(v.Encryption)
		}
		docs = append(docs, doc)
	}
	if len(ps) > 0 {
		return nil, ps
	}
	return docs, nil
}

func setSizes(ps *block.ProvisioningSpec, v model.UserVolume) error {
	if v.MinSize != "" {
		if err := ps.ProvisioningMinSize.UnmarshalText([]byte(v.MinSize)); err != nil {
			return fmt.Errorf("minSize %q: %w", v.MinSize, err)
		}
	}
	if v.MaxSize != "" {
		if err := ps.ProvisioningMaxSize.UnmarshalText([]byte(v.MaxSize)); err != nil {
			return fmt.Errorf("maxSize %q: %w", v.MaxSize, err)
		}
	}
	return nil
}
