package talos

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	clientconfig "github.com/siderolabs/talos/pkg/machinery/client/config"
	coreconfig "github.com/siderolabs/talos/pkg/machinery/config"
	"github.com/siderolabs/talos/pkg/machinery/config/configloader"
	"github.com/siderolabs/talos/pkg/machinery/config/types/block"
	"github.com/siderolabs/talos/pkg/machinery/config/types/network"
	v1alpha1 "github.com/siderolabs/talos/pkg/machinery/config/types/v1alpha1"
	"github.com/siderolabs/talos/pkg/machinery/config/validation"

	"github.com/hogen-dev/hogen/compiler/model"
)

// Effective is what a machine config makes of a node's network and
// volumes, however it is written: legacy machine.network and
// machine.systemDiskEncryption, or the documents of Talos 1.11 and later.
// It is read back from the config's bytes, not from hogen's model.
type Effective struct {
	Hostname    string
	Resolvers   []string
	TimeServers []string
	// Links by identity: a name, or "select(field=value,...)" for a link
	// found by selector; a VLAN is "<parent>.<id>".
	Links map[string]EffectiveLink
	// Volumes by name: STATE and EPHEMERAL encryption, user volumes.
	Volumes map[string]string
}

// EffectiveLink is one link's settings.
type EffectiveLink struct {
	Addresses   []string
	Routes      []string
	MTU         uint32
	DHCP, DHCP6 bool
	VIP         string
	Bond        string
	Bridge      string
}

// EffectiveOf loads config bytes as talosctl does and reads them back.
func EffectiveOf(t testing.TB, data []byte) Effective {
	t.Helper()
	cfg, err := configloader.NewFromBytes(data)
	if err != nil {
		t.Fatalf("loading the config: %v", err)
	}
	e := Effective{Links: map[string]EffectiveLink{}, Volumes: map[string]string{}}
	e.Hostname = cfg.NetworkHostnameConfig().Hostname()
	for _, r := range cfg.NetworkResolverConfig().Resolvers() {
		e.Resolvers = append(e.Resolvers, r.String())
	}
	e.TimeServers = cfg.NetworkTimeSyncConfig().Servers()
	legacyEffective(cfg, &e)
	docsEffective(cfg, &e)
	return e
}

func legacyEffective(cfg coreconfig.Provider, e *Effective) {
	m := cfg.RawV1Alpha1().MachineConfig
	var devices v1alpha1.NetworkDeviceList
	if m.MachineNetwork != nil {
		devices = m.MachineNetwork.NetworkInterfaces
	}
	for _, d := range devices {
		id := d.DeviceInterface
		if s := d.DeviceSelector; s != nil {
			id = legacySelected(*s)
		}
		l := EffectiveLink{Addresses: d.DeviceAddresses, MTU: uint32(d.DeviceMTU), Routes: legacyEffRoutes(d.DeviceRoutes)}
		l.DHCP, l.DHCP6 = legacyEffDHCP(d.DeviceDHCP, d.DeviceDHCPOptions)
		if d.DeviceVIPConfig != nil {
			l.VIP = d.DeviceVIPConfig.SharedIP
		}
		if b := d.DeviceBond; b != nil {
			members := slices.Clone(b.BondInterfaces)
			for _, s := range b.BondDeviceSelectors {
				members = append(members, legacySelected(s))
			}
			l.Bond = fmt.Sprintf("%s miimon=%d up=%d down=%d lacp=%s hash=%s %v", b.BondMode, b.BondMIIMon, b.BondUpDelay, b.BondDownDelay, b.BondLACPRate, b.BondHashPolicy, members)
		}
		if b := d.DeviceBridge; b != nil {
			l.Bridge = fmt.Sprintf("%v stp=%v", b.BridgedInterfaces, b.BridgeSTP != nil && b.BridgeSTP.Enabled())
		}
		e.Links[id] = l
		for _, v := range d.DeviceVlans {
			vl := EffectiveLink{Addresses: v.VlanAddresses, MTU: v.VlanMTU, Routes: legacyEffRoutes(v.VlanRoutes)}
			vl.DHCP, vl.DHCP6 = legacyEffDHCP(v.VlanDHCP, v.VlanDHCPOptions)
			if v.VlanVIP != nil {
				vl.VIP = v.VlanVIP.SharedIP
			}
			e.Links[fmt.Sprintf("%s.%d", id, v.VlanID)] = vl
		}
	}
	if enc := m.MachineSystemDiskEncryption; enc != nil {
		for name, p := range map[string]*v1alpha1.EncryptionConfig{"STATE": enc.StatePartition, "EPHEMERAL": enc.EphemeralPartition} {
			if p == nil {
				continue
			}
			var keys []string
			for _, k := range p.EncryptionKeys {
				keys = append(keys, keyKind(k.KeySlot, k.KeyNodeID != nil, k.KeyTPM != nil))
			}
			e.Volumes[name] = "encrypted " + p.EncryptionProvider + " " + strings.Join(keys, ",")
		}
	}
	for _, d := range m.MachineDisks {
		for _, p := range d.DiskPartitions {
			e.Volumes[p.DiskMountPoint] = "disk " + d.DeviceName
		}
	}
}

func legacySelected(s v1alpha1.NetworkDeviceSelector) string {
	return selected(map[string]string{"mac": s.NetworkDeviceHardwareAddress, "permanentMAC": s.NetworkDevicePermanentAddress, "driver": s.NetworkDeviceKernelDriver, "busPath": s.NetworkDeviceBus})
}

func selected(fields map[string]string) string {
	var parts []string
	for _, k := range []string{"busPath", "driver", "mac", "permanentMAC"} {
		if v := fields[k]; v != "" {
			parts = append(parts, k+"="+v)
		}
	}
	return "select(" + strings.Join(parts, ",") + ")"
}

func legacyEffRoutes(rs []*v1alpha1.Route) []string {
	var out []string
	for _, r := range rs {
		out = append(out, fmt.Sprintf("%s via %s metric %d", r.RouteNetwork, r.RouteGateway, r.RouteMetric))
	}
	return out
}

func legacyEffDHCP(dhcp *bool, o *v1alpha1.DHCPOptions) (bool, bool) {
	if dhcp == nil || !*dhcp {
		return false, false
	}
	if o == nil {
		return true, false
	}
	return o.IPv4(), o.IPv6()
}

func keyKind(slot int, nodeID, tpm bool) string {
	switch {
	case nodeID:
		return fmt.Sprintf("%d:nodeID", slot)
	case tpm:
		return fmt.Sprintf("%d:tpm", slot)
	}
	return fmt.Sprintf("%d:?", slot)
}

// celTerm is one term of the selectors hogen writes.
var celTerm = regexp.MustCompile(`^(?:mac\(link\.(hardware_addr|permanent_addr)\)|link\.(driver|bus_path)) == "([^"]*)"$`)

func docsEffective(cfg coreconfig.Provider, e *Effective) {
	ids := map[string]string{} // link name as documents use it -> identity
	id := func(name string) string {
		if s, ok := ids[name]; ok {
			return s
		}
		return name
	}
	field := map[string]string{"hardware_addr": "mac", "permanent_addr": "permanentMAC", "driver": "driver", "bus_path": "busPath"}
	docs := cfg.Documents()
	for _, d := range docs {
		if a, ok := d.(*network.LinkAliasConfigV1Alpha1); ok {
			fields := map[string]string{}
			for _, term := range strings.Split(a.Selector.Match.String(), " && ") {
				m := celTerm.FindStringSubmatch(term)
				if m == nil {
					fields["cel"] = term
					continue
				}
				fields[field[m[1]+m[2]]] = m[3]
			}
			ids[a.MetaName] = selected(fields)
		}
	}
	link := func(name string, c network.CommonLinkConfig) EffectiveLink {
		l := EffectiveLink{MTU: c.LinkMTU}
		for _, a := range c.LinkAddresses {
			l.Addresses = append(l.Addresses, a.AddressAddress.String())
		}
		for _, r := range c.LinkRoutes {
			dst := r.RouteDestination.String()
			if !r.RouteDestination.IsValid() {
				dst = defaultRoute(r.RouteGateway.String())
			}
			l.Routes = append(l.Routes, fmt.Sprintf("%s via %s metric %d", dst, r.RouteGateway.String(), r.RouteMetric))
		}
		return l
	}
	for _, d := range docs {
		switch d := d.(type) {
		case *network.LinkConfigV1Alpha1:
			e.Links[id(d.MetaName)] = link(d.MetaName, d.CommonLinkConfig)
		case *network.VLANConfigV1Alpha1:
			e.Links[fmt.Sprintf("%s.%d", id(d.ParentLinkConfig), d.VLANIDConfig)] = link(d.MetaName, d.CommonLinkConfig)
			ids[d.MetaName] = fmt.Sprintf("%s.%d", id(d.ParentLinkConfig), d.VLANIDConfig)
		case *network.BondConfigV1Alpha1:
			l := link(d.MetaName, d.CommonLinkConfig)
			var members []string
			for _, m := range d.BondLinks {
				members = append(members, id(m))
			}
			lacp, hash := "", ""
			if d.BondLACPRate != nil {
				lacp = d.BondLACPRate.String()
			}
			if d.BondXmitHashPolicy != nil {
				hash = d.BondXmitHashPolicy.String()
			}
			l.Bond = fmt.Sprintf("%s miimon=%d up=%d down=%d lacp=%s hash=%s %v", d.BondMode, deref(d.BondMIIMon), deref(d.BondUpDelay), deref(d.BondDownDelay), lacp, hash, members)
			e.Links[d.MetaName] = l
		case *network.BridgeConfigV1Alpha1:
			l := link(d.MetaName, d.CommonLinkConfig)
			l.Bridge = fmt.Sprintf("%v stp=%v", d.BridgeLinks, d.BridgeSTP.BridgeSTPEnabled != nil && *d.BridgeSTP.BridgeSTPEnabled)
			e.Links[d.MetaName] = l
		}
	}
	for _, d := range docs {
		update := func(name string, f func(*EffectiveLink)) {
			l := e.Links[id(name)]
			f(&l)
			e.Links[id(name)] = l
		}
		switch d := d.(type) {
		case *network.DHCPv4ConfigV1Alpha1:
			update(d.MetaName, func(l *EffectiveLink) { l.DHCP = true })
		case *network.DHCPv6ConfigV1Alpha1:
			update(d.MetaName, func(l *EffectiveLink) { l.DHCP6 = true })
		case *network.Layer2VIPConfigV1Alpha1:
			update(d.LinkName, func(l *EffectiveLink) { l.VIP = d.MetaName })
		case *block.VolumeConfigV1Alpha1:
			var keys []string
			for _, k := range d.EncryptionSpec.EncryptionKeys {
				keys = append(keys, keyKind(k.KeySlot, k.KeyNodeID != nil, k.KeyTPM != nil))
			}
			e.Volumes[d.MetaName] = "encrypted " + d.EncryptionSpec.EncryptionProvider.String() + " " + strings.Join(keys, ",")
		case *block.UserVolumeConfigV1Alpha1:
			e.Volumes[d.MetaName] = fmt.Sprintf("user %s %s", d.ProvisioningSpec.DiskSelectorSpec.Match.String(), d.FilesystemSpec.FilesystemType)
		}
	}
}

func deref(p *uint32) uint32 {
	if p == nil {
		return 0
	}
	return *p
}

// TestFormsAgree: the legacy form and the document form of the same
// description make the same machine: links, bonds, bridges, VLANs, DHCP,
// VIPs, resolvers, time servers, encrypted system volumes, user volumes.
func TestFormsAgree(t *testing.T) {
	for _, tt := range []struct {
		desc, legacy, docs string
	}{
		{"minis", "v1.10.5", "v1.13.0"},
		{"bonds", "v1.11.5", "v1.13.0"},
		{"bonds", "v1.11.5", "v1.12.4"},
	} {
		t.Run(tt.desc+"/"+tt.legacy+"-"+tt.docs, func(t *testing.T) {
			legacy, docs := described(t, tt.desc, tt.legacy), described(t, tt.desc, tt.docs)
			for _, n := range legacy.Nodes {
				a, err := NodeConfig(legacy, n.Name)
				if err != nil {
					t.Fatal(err)
				}
				b, err := NodeConfig(docs, n.Name)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(EffectiveOf(t, a), EffectiveOf(t, b)); diff != "" {
					t.Errorf("%s: Talos %s and %s differ (-legacy +documents):\n%s", n.Name, tt.legacy, tt.docs, diff)
				}
			}
		})
	}
}

// metalStrict validates config bytes as Talos would on a metal node.
func metalStrict(t testing.TB, data []byte) error {
	t.Helper()
	cfg, err := configloader.NewFromBytes(data)
	if err != nil {
		return err
	}
	_, err = cfg.Validate(metal{}, validation.WithStrict())
	return err
}

// TestEveryContractValidates: every config and talosconfig each test
// cluster gives, at every supported contract, loads from its bytes and
// validates strictly in metal mode, and is written in the form the
// contract reads.
func TestEveryContractValidates(t *testing.T) {
	clusters := map[string]func(testing.TB) *model.Description{
		"minis":       func(t testing.TB) *model.Description { return described(t, "minis", "") },
		"bonds":       func(t testing.TB) *model.Description { return described(t, "bonds", "") },
		"small":       small,
		"secret refs": withSecrets,
	}
	for _, version := range []string{"v1.10.5", "v1.11.5", "v1.12.4", "v1.13.0"} {
		for name, cluster := range clusters {
			t.Run(name+"/"+version, func(t *testing.T) {
				d := cluster(t)
				d.Cluster.Talos.Version = version
				if version == "v1.10.5" {
					for i := range d.Nodes {
						for j := range d.Nodes[i].Volumes {
							d.Nodes[i].Volumes[j].Encryption = nil // Talos 1.10 encrypts no user volume
						}
					}
				}
				files, err := Emit(t.Context(), d)
				if err != nil {
					t.Fatal(err)
				}
				c := mustContract(version)
				for _, f := range files[:len(d.Nodes)] {
					if err := metalStrict(t, f.Data); err != nil {
						t.Errorf("%s: %v", f.Path, err)
					}
					s := string(f.Data)
					docs := strings.Contains(s, "kind: LinkConfig") || strings.Contains(s, "kind: BondConfig")
					if legacy := strings.Contains(s, "\n        interfaces:\n"); docs == legacy || docs != c.MultidocNetworkConfigSupported() {
						t.Errorf("%s: network documents %v, machine.network.interfaces %v, for Talos %s", f.Path, docs, legacy, version)
					}
					if vol := strings.Contains(s, "kind: VolumeConfig"); d.Cluster.DiskEncryption != nil && (vol != c.VolumeConfigEncryptionSupported() || vol == strings.Contains(s, "systemDiskEncryption:")) {
						t.Errorf("%s: VolumeConfig %v for Talos %s", f.Path, vol, version)
					}
				}
				if _, err := clientconfig.FromBytes(files[len(d.Nodes)].Data); err != nil {
					t.Errorf("talosctl cannot read the talosconfig: %v", err)
				}
				checkKubeconfig(t, files[len(d.Nodes)+1].Data)
			})
		}
	}
}
