package talos

import (
	"fmt"
	"net/netip"
	"strconv"

	v1alpha1 "github.com/siderolabs/talos/pkg/machinery/config/types/v1alpha1"

	"github.com/hogen-dev/hogen/compiler/model"
	"github.com/hogen-dev/hogen/emitters"
)

// setLegacyNetwork writes the node's links, nameservers and time servers
// in machine.network and machine.time, as Talos before 1.12 reads them.
func (p *plan) setLegacyNetwork(m *v1alpha1.MachineConfig, n *model.Node, links []nodeLink) {
	if m.MachineNetwork == nil {
		m.MachineNetwork = &v1alpha1.NetworkConfig{}
	}
	devs := make(v1alpha1.NetworkDeviceList, 0, len(links))
	for _, l := range links {
		devs = append(devs, legacyDevice(l.Link))
	}
	m.MachineNetwork.NetworkInterfaces = devs
	m.MachineNetwork.NameServers = p.nameservers(n)
	if ntp := p.d.Cluster.Network.Node.NTPServers; len(ntp) > 0 {
		m.MachineTime = &v1alpha1.TimeConfig{TimeServers: ntp}
	}
}

// nameservers are the node's own, else the node network's.
func (p *plan) nameservers(n *model.Node) []string {
	if n.Nameservers != nil {
		return n.Nameservers
	}
	return p.d.Cluster.Network.Node.Nameservers
}

func legacyDevice(l model.Link) *v1alpha1.Device {
	dev := &v1alpha1.Device{
		DeviceInterface: l.Name, DeviceSelector: legacySelector(l.Selector), DeviceMTU: l.MTU,
		DeviceAddresses: l.Addresses, DeviceRoutes: legacyRoutes(l.Routes), DeviceVIPConfig: legacyVIP(l.VIP),
	}
	dev.DeviceDHCP, dev.DeviceDHCPOptions = legacyDHCP(l.DHCP, l.DHCP6)
	for _, v := range l.VLANs {
		vl := &v1alpha1.Vlan{
			VlanID: uint16(v.ID), VlanAddresses: v.Addresses, VlanRoutes: legacyRoutes(v.Routes),
			VlanMTU: uint32(v.MTU), VlanVIP: legacyVIP(v.VIP),
		}
		vl.VlanDHCP, vl.VlanDHCPOptions = legacyDHCP(v.DHCP, v.DHCP6)
		dev.DeviceVlans = append(dev.DeviceVlans, vl)
	}
	if b := l.Bond; b != nil {
		dev.DeviceBond = &v1alpha1.Bond{
			BondInterfaces: b.Interfaces, BondMode: b.Mode, BondLACPRate: b.LACPRate, BondHashPolicy: b.XmitHashPolicy,
			BondMIIMon: uint32(b.MIIMon), BondUpDelay: uint32(b.UpDelay), BondDownDelay: uint32(b.DownDelay),
		}
		for i := range b.Selectors {
			dev.DeviceBond.BondDeviceSelectors = append(dev.DeviceBond.BondDeviceSelectors, *legacySelector(&b.Selectors[i]))
		}
	}
	if br := l.Bridge; br != nil {
		dev.DeviceBridge = &v1alpha1.Bridge{BridgedInterfaces: br.Interfaces}
		if br.STP {
			dev.DeviceBridge.BridgeSTP = &v1alpha1.STP{STPEnabled: new(true)}
		}
		if br.VLANFiltering {
			dev.DeviceBridge.BridgeVLAN = &v1alpha1.BridgeVLAN{BridgeVLANFiltering: new(true)}
		}
	}
	return dev
}

func legacySelector(s *model.LinkSelector) *v1alpha1.NetworkDeviceSelector {
	if s == nil {
		return nil
	}
	return &v1alpha1.NetworkDeviceSelector{
		NetworkDeviceHardwareAddress: s.MAC, NetworkDevicePermanentAddress: s.PermanentMAC,
		NetworkDeviceKernelDriver: s.Driver, NetworkDeviceBus: s.BusPath,
	}
}

// legacyRoutes writes a default route's network out, as machine.network
// needs it.
func legacyRoutes(rs []model.Route) []*v1alpha1.Route {
	var out []*v1alpha1.Route
	for _, r := range rs {
		network := r.Network
		if network == "" {
			network = defaultRoute(r.Gateway)
		}
		out = append(out, &v1alpha1.Route{RouteNetwork: network, RouteGateway: r.Gateway, RouteMetric: uint32(r.Metric)})
	}
	return out
}

func legacyVIP(ip string) *v1alpha1.DeviceVIPConfig {
	if ip == "" {
		return nil
	}
	return &v1alpha1.DeviceVIPConfig{SharedIP: ip}
}

// legacyDHCP is dhcp: true for DHCPv4, with options naming the families
// when DHCPv6 is asked for too (or alone).
func legacyDHCP(v4, v6 bool) (*bool, *v1alpha1.DHCPOptions) {
	switch {
	case v6:
		return new(true), &v1alpha1.DHCPOptions{DHCPIPv4: new(v4), DHCPIPv6: new(true)}
	case v4:
		return new(true), nil
	}
	return nil, nil
}

// nodeAddresses returns the node's addresses with the prefix length of the
// node network each belongs to.
func nodeAddresses(nn model.NodeNetwork, n *model.Node) ([]string, error) {
	var out []string
	for _, a := range []struct{ addr, cidr, field, cidrField string }{
		{n.Address, nn.CIDR, "address", "cidr"},
		{n.Address6, nn.CIDR6, "address6", "cidr6"},
	} {
		if a.addr == "" {
			continue
		}
		s, err := withPrefix(a.addr, a.cidr)
		if err != nil {
			return nil, emitters.Problems{{
				Path: "nodes." + n.Name + "." + a.field,
				Msg:  err.Error(),
				Fix:  "put the node in cluster.network.node." + a.cidrField,
			}}
		}
		out = append(out, s)
	}
	return out, nil
}

func withPrefix(addr, cidr string) (string, error) {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return "", fmt.Errorf("%q is not an IP address", addr)
	}
	if cidr == "" {
		return "", fmt.Errorf("%s has no node network to take its prefix length from", addr)
	}
	pfx, err := netip.ParsePrefix(cidr)
	if err != nil {
		return "", fmt.Errorf("node network %q: %w", cidr, err)
	}
	if !pfx.Contains(ip) {
		return "", fmt.Errorf("%s is outside the node network %s", addr, cidr)
	}
	return ip.String() + "/" + strconv.Itoa(pfx.Bits()), nil
}
