package talos

import (
	"fmt"
	"strings"

	"github.com/siderolabs/talos/pkg/machinery/cel"
	"github.com/siderolabs/talos/pkg/machinery/cel/celenv"
	"github.com/siderolabs/talos/pkg/machinery/config"
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

// userVolumeDocs are the node's user volumes.
func (p *plan) userVolumeDocs(n *model.Node) ([]docconfig.Document, error) {
	var docs []docconfig.Document
	var ps emitters.Problems
	for i, v := range n.Volumes {
		doc, pr := userVolumeDoc(fmt.Sprintf("nodes.%s.volumes[%d]", n.Name, i), v, p.contract, p.d.Cluster.Talos.Version)
		if pr != nil {
			ps = append(ps, *pr)
			continue
		}
		docs = append(docs, doc)
	}
	if len(ps) > 0 {
		return nil, ps
	}
	return docs, nil
}

// userVolumeDoc is volume v's UserVolumeConfig, or what is wrong with v:
// a disk selector that is not a CEL expression over the disk, a size
// Talos does not read, or encryption on a Talos version whose volumes do
// not take it.
func userVolumeDoc(at string, v model.UserVolume, c *config.VersionContract, version string) (*block.UserVolumeConfigV1Alpha1, *emitters.Problem) {
	doc := block.NewUserVolumeConfigV1Alpha1()
	doc.MetaName = v.Name
	expr, err := cel.ParseBooleanExpression(v.Disk, celenv.DiskLocator())
	if err != nil {
		return nil, &emitters.Problem{Path: at + ".disk", Msg: "not a disk expression: " + celMessage(err),
			Fix: `write a CEL expression over the disk, such as disk.transport == "nvme" && !system_disk`}
	}
	doc.ProvisioningSpec.DiskSelectorSpec.Match = expr
	if err := setSizes(&doc.ProvisioningSpec, v); err != nil {
		return nil, &emitters.Problem{Path: at, Msg: err.Error(), Fix: `write sizes such as "100GiB"`}
	}
	doc.FilesystemSpec.FilesystemType = blockres.FilesystemTypeXFS
	if v.Filesystem == "ext4" {
		doc.FilesystemSpec.FilesystemType = blockres.FilesystemTypeEXT4
	}
	if v.Encryption != nil {
		if !c.VolumeConfigEncryptionSupported() {
			return nil, &emitters.Problem{Path: at + ".encryption", Msg: fmt.Sprintf("Talos %s does not encrypt user volumes", version),
				Fix: "remove the encryption, or use Talos 1.11 or later"}
		}
		doc.EncryptionSpec = encryptionSpec(v.Encryption)
	}
	return doc, nil
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

// celMessage is the first line of a CEL error, without the caret drawing
// that follows it or the name of CEL's input: "1:16: Syntax error: ...".
func celMessage(err error) string {
	first, _, _ := strings.Cut(err.Error(), "\n")
	return strings.TrimPrefix(strings.TrimPrefix(first, "ERROR: "), "<input>:")
}
