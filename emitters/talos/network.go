package talos

import (
	"fmt"
	"net/netip"
	"strconv"

	v1alpha1 "github.com/siderolabs/talos/pkg/machinery/config/types/v1alpha1"

	"github.com/hogen-dev/hogen/compiler/model"
	"github.com/hogen-dev/hogen/emitters"
)

// setNetwork puts the node's link in machine.network: found by name or MAC,
// with static addresses (prefix lengths from the node networks), default
// routes, MTU and, on control planes, the VIP. With a VLAN the addresses,
// routes and VIP go on the VLAN sub-interface and the link itself only
// carries it.
func (p *plan) setNetwork(m *v1alpha1.MachineConfig, n *model.Node) error {
	nn := p.d.Cluster.Network.Node
	addrs, err := nodeAddresses(nn, n)
	if err != nil {
		return err
	}
	var routes []*v1alpha1.Route
	if nn.Gateway != "" {
		routes = append(routes, &v1alpha1.Route{RouteNetwork: "0.0.0.0/0", RouteGateway: nn.Gateway})
	}
	if nn.Gateway6 != "" {
		routes = append(routes, &v1alpha1.Route{RouteNetwork: "::/0", RouteGateway: nn.Gateway6})
	}
	var vip *v1alpha1.DeviceVIPConfig
	if n.Role == model.RoleControlPlane && p.d.Cluster.API.VIP != "" {
		vip = &v1alpha1.DeviceVIPConfig{SharedIP: p.d.Cluster.API.VIP}
	}

	dev := &v1alpha1.Device{DeviceMTU: nn.MTU}
	if n.Interface.MAC != "" {
		dev.DeviceSelector = &v1alpha1.NetworkDeviceSelector{NetworkDeviceHardwareAddress: n.Interface.MAC}
	} else {
		dev.DeviceInterface = n.Interface.Name
	}
	if nn.VLAN != 0 {
		dev.DeviceVlans = v1alpha1.VlanList{{
			VlanID: uint16(nn.VLAN), VlanAddresses: addrs, VlanRoutes: routes,
			VlanMTU: uint32(nn.MTU), VlanVIP: vip,
		}}
	} else {
		dev.DeviceAddresses, dev.DeviceRoutes, dev.DeviceVIPConfig = addrs, routes, vip
	}

	if m.MachineNetwork == nil {
		m.MachineNetwork = &v1alpha1.NetworkConfig{}
	}
	m.MachineNetwork.NetworkInterfaces = v1alpha1.NetworkDeviceList{dev}
	m.MachineNetwork.NameServers = nn.Nameservers
	return nil
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
