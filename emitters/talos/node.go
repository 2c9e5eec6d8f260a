package talos

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"strings"

	coreconfig "github.com/siderolabs/talos/pkg/machinery/config"
	docconfig "github.com/siderolabs/talos/pkg/machinery/config/config"
	"github.com/siderolabs/talos/pkg/machinery/config/container"
	"github.com/siderolabs/talos/pkg/machinery/config/encoder"
	"github.com/siderolabs/talos/pkg/machinery/config/machine"
	"github.com/siderolabs/talos/pkg/machinery/config/types/network"
	v1alpha1 "github.com/siderolabs/talos/pkg/machinery/config/types/v1alpha1"
	"github.com/siderolabs/talos/pkg/machinery/config/validation"

	"github.com/hogen-dev/hogen/compiler/model"
	"github.com/hogen-dev/hogen/emitters"
)

// nodeConfig builds one node's config, patches it as objects, validates it
// and encodes it once.
func (p *plan) nodeConfig(n *model.Node) ([]byte, error) {
	cfg, err := p.buildNode(n)
	if err != nil {
		return nil, err
	}
	if cfg, err = p.patch(cfg, n); err != nil {
		return nil, err
	}
	// A placeholder config is only hashed, never written: not validated.
	if !p.placeholder {
		if err := validate(cfg, n); err != nil {
			return nil, err
		}
	}
	out, err := cfg.EncodeBytes(encoder.WithComments(encoder.CommentsDisabled))
	if err != nil {
		return nil, fmt.Errorf("encoding the config of node %s: %w", n.Name, err)
	}
	return out, nil
}

// buildNode generates the role's config and sets the node's fields on the
// typed documents.
func (p *plan) buildNode(n *model.Node) (coreconfig.Provider, error) {
	t := machine.TypeWorker
	if n.Role == model.RoleControlPlane {
		t = machine.TypeControlPlane
	}
	cfg, err := p.input.Config(t)
	if err != nil {
		return nil, fmt.Errorf("generating the config of node %s: %w", n.Name, err)
	}
	raw := cfg.RawV1Alpha1()
	m, c := raw.MachineConfig, raw.ClusterConfig
	if err := p.setInstall(m, n); err != nil {
		return nil, err
	}
	p.setHostname(cfg, m, n)
	p.setKubernetes(m, c, n)
	p.setMachine(m, n)
	docs, err := p.hostDocs(m, n)
	if err != nil || len(docs) == 0 {
		return cfg, err
	}
	out, err := container.New(append(cfg.Documents(), docs...)...)
	if err != nil {
		return nil, fmt.Errorf("assembling the config of node %s: %w", n.Name, err)
	}
	return out, nil
}

// hostDocs writes the node's network and volumes in the form the version
// contract reads, never by a flag: documents where it has them (network:
// Talos 1.12 and later; STATE and EPHEMERAL encryption: 1.11 and later;
// user volumes: every supported version), machine.network,
// machine.time and machine.systemDiskEncryption before. It returns the
// documents to add.
func (p *plan) hostDocs(m *v1alpha1.MachineConfig, n *model.Node) ([]docconfig.Document, error) {
	links, err := p.nodeLinks(n)
	if err != nil {
		return nil, err
	}
	var docs []docconfig.Document
	if p.contract.MultidocNetworkConfigSupported() {
		if docs, err = p.networkDocs(n, links); err != nil {
			return nil, err
		}
	} else {
		p.setLegacyNetwork(m, n, links)
	}
	if e := p.d.Cluster.DiskEncryption; e != nil {
		if p.contract.VolumeConfigEncryptionSupported() {
			docs = append(docs, systemVolumeDocs(e)...)
		} else {
			m.MachineSystemDiskEncryption = &v1alpha1.SystemDiskEncryptionConfig{
				StatePartition: legacyEncryption(e.State), EphemeralPartition: legacyEncryption(e.Ephemeral),
			}
		}
	}
	volumes, err := p.userVolumeDocs(n)
	return append(docs, volumes...), err
}

func (p *plan) setInstall(m *v1alpha1.MachineConfig, n *model.Node) error {
	image := p.image
	if n.Schematic != nil {
		var err error
		if image, err = InstallerImage(p.d, n); err != nil {
			return err
		}
	}
	m.MachineInstall.InstallImage = image
	if n.InstallDisk.Path != "" {
		m.MachineInstall.InstallDisk = n.InstallDisk.Path
		return nil
	}
	if s := n.InstallDisk.Selector; s != nil {
		sel, err := diskSelector(s)
		if err != nil {
			return emitters.Problems{{Path: "nodes." + n.Name + ".installDisk.selector.size", Msg: err.Error(), Fix: `write a size such as ">= 200GB"`}}
		}
		m.MachineInstall.InstallDiskSelector = sel
	}
	return nil
}

func diskSelector(s *model.DiskSelector) (*v1alpha1.InstallDiskSelector, error) {
	sel := &v1alpha1.InstallDiskSelector{
		Name: s.Name, Model: s.Model, Serial: s.Serial, Modalias: s.Modalias,
		WWID: s.WWID, Type: v1alpha1.InstallDiskType(s.Type), BusPath: s.BusPath,
	}
	if s.Size == "" {
		return sel, nil
	}
	// The size matcher's parser is only reachable through its YAML
	// unmarshaler; feed it the string directly.
	var size v1alpha1.InstallDiskSizeMatcher
	err := size.UnmarshalYAML(func(v any) error {
		sp, ok := v.(*string)
		if !ok {
			return errors.New("unexpected size type")
		}
		*sp = s.Size
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("disk size %q: %w", s.Size, err)
	}
	sel.Size = &size
	return sel, nil
}

// setHostname names the node. Contracts with multi-document network config
// (Talos 1.12+) generate a HostnameConfig document that owns the hostname;
// older ones keep it in machine.network.
func (p *plan) setHostname(cfg coreconfig.Provider, m *v1alpha1.MachineConfig, n *model.Node) {
	for _, doc := range cfg.Documents() {
		if h, ok := doc.(*network.HostnameConfigV1Alpha1); ok {
			h.ConfigAuto = nil
			h.ConfigHostname = n.Name
			return
		}
	}
	m.MachineNetwork.NetworkHostname = n.Name
}

func (p *plan) setKubernetes(m *v1alpha1.MachineConfig, c *v1alpha1.ClusterConfig, n *model.Node) {
	if len(p.subnets) > 0 {
		m.MachineKubelet.KubeletNodeIP = &v1alpha1.KubeletNodeIPConfig{KubeletNodeIPValidSubnets: p.subnets}
		if c.EtcdConfig != nil {
			c.EtcdConfig.EtcdAdvertisedSubnets = p.subnets
		}
	}
	if !p.d.Cluster.Network.KubeProxy && c.ProxyConfig != nil {
		c.ProxyConfig.Disabled = new(true)
	}
	if len(n.Labels) > 0 {
		if m.MachineNodeLabels == nil {
			m.MachineNodeLabels = map[string]string{}
		}
		maps.Copy(m.MachineNodeLabels, n.Labels)
	}
	if len(n.Annotations) > 0 {
		m.MachineNodeAnnotations = maps.Clone(n.Annotations)
	}
	if len(n.Taints) > 0 {
		m.MachineNodeTaints = make(map[string]string, len(n.Taints))
		for _, t := range n.Taints {
			m.MachineNodeTaints[t.Key] = strings.TrimPrefix(t.Value+":"+t.Effect, ":")
		}
	}
	for _, d := range n.Disks {
		// Longhorn and friends run in pods: the kubelet must see the mount,
		// and rshared so mounts made below it propagate.
		m.MachineKubelet.KubeletExtraMounts = append(m.MachineKubelet.KubeletExtraMounts, v1alpha1.ExtraMount{
			Destination: d.Mountpoint, Type: "bind", Source: d.Mountpoint,
			Options: []string{"bind", "rshared", "rw"},
		})
	}
}

// setMachine sets the host's own settings: disks, kernel, udev.
func (p *plan) setMachine(m *v1alpha1.MachineConfig, n *model.Node) {
	for _, d := range n.Disks {
		m.MachineDisks = append(m.MachineDisks, &v1alpha1.MachineDisk{
			DeviceName:     d.Device,
			DiskPartitions: []*v1alpha1.DiskPartition{{DiskMountPoint: d.Mountpoint}},
		})
	}
	cl := p.d.Cluster
	for _, mod := range cl.KernelModules {
		if m.MachineKernel == nil {
			m.MachineKernel = &v1alpha1.KernelConfig{}
		}
		m.MachineKernel.KernelModules = append(m.MachineKernel.KernelModules, &v1alpha1.KernelModuleConfig{ModuleName: mod})
	}
	if len(cl.UdevRules) > 0 {
		m.MachineUdev = &v1alpha1.UdevConfig{UdevRules: cl.UdevRules}
	}
}

// patch applies the user's patches: cluster-wide, then the role's, then
// the node's own.
func (p *plan) patch(cfg coreconfig.Provider, n *model.Node) (coreconfig.Provider, error) {
	role := p.worker
	if n.Role == model.RoleControlPlane {
		role = p.controlPlane
	}
	own, err := loadPatches("nodes."+n.Name+".patches", n.Patches, p.secret)
	if err != nil {
		return nil, err
	}
	all := make([]loadedPatch, 0, len(p.all)+len(role)+len(own))
	all = append(append(append(all, p.all...), role...), own...)
	if len(all) == 0 {
		return cfg, nil
	}
	return applyPatches(cfg, all)
}

// multiErrorNoise is how hashicorp/go-multierror, which machinery uses,
// frames its lists; oneLine keeps only the messages.
var (
	multiErrorHead = regexp.MustCompile(`\d+ errors? occurred:\s*\*?\s*`)
	multiErrorItem = regexp.MustCompile(`\s*\n\s*\*\s*`)
)

func oneLine(err error) string {
	s := multiErrorHead.ReplaceAllString(err.Error(), "")
	return strings.TrimSpace(multiErrorItem.ReplaceAllString(strings.TrimSpace(s), "; "))
}

// metal is the runtime mode of a bare-metal node: it installs to disk and
// does not run in a container. Machinery does not export its own.
type metal struct{}

func (metal) String() string        { return "metal" }
func (metal) RequiresInstall() bool { return true }
func (metal) InContainer() bool     { return false }

// validate checks cfg as Talos would on a metal node, strictly: warnings
// are errors too. A failure points at the node.
func validate(cfg coreconfig.Provider, n *model.Node) error {
	warnings, err := cfg.Validate(metal{}, validation.WithStrict())
	var msgs []string
	if err != nil {
		msgs = append(msgs, oneLine(err))
	}
	for _, w := range warnings {
		msgs = append(msgs, "warning: "+w)
	}
	if len(msgs) == 0 {
		return nil
	}
	return emitters.Problems{{
		Path: "nodes." + n.Name,
		Msg:  "Talos rejects the config of node " + n.Name + ": " + strings.Join(msgs, "; "),
		Fix:  "fix the node's fields or the patches that apply to it",
	}}
}
