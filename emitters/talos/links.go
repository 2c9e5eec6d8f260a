package talos

import (
	"fmt"
	"net/netip"

	"github.com/hogen-dev/hogen/compiler/model"
	"github.com/hogen-dev/hogen/emitters"
)

// nodeLink is a link of a node as either form writes it: the primary link
// has the node's own settings merged in. at is where the user wrote it.
type nodeLink struct {
	at string
	model.Link
}

// nodeLinks returns the node's links, the primary one first: the link
// interface names (one of links, or a bare physical link) with the node's
// addresses (prefix lengths from the node networks), default routes via
// the node network's gateways, its MTU unless the link sets one, and on
// control planes the API VIP; with a node VLAN, the addresses, routes and
// VIP go on that VLAN of the link instead.
func (p *plan) nodeLinks(n *model.Node) ([]nodeLink, error) {
	nn := p.d.Cluster.Network.Node
	addrs, err := nodeAddresses(nn, n)
	if err != nil {
		return nil, err
	}
	var routes []model.Route
	for _, gw := range nonEmpty(nn.Gateway, nn.Gateway6) {
		routes = append(routes, model.Route{Gateway: gw})
	}
	vip := ""
	if n.Role == model.RoleControlPlane {
		vip = p.d.Cluster.API.VIP
	}
	at := "nodes." + n.Name
	primary, own := nodeLink{at: at + ".interface"}, primaryIndex(n)
	if own >= 0 {
		primary = nodeLink{at: fmt.Sprintf("%s.links[%d]", at, own), Link: cloneLink(n.Links[own])}
	} else if n.Interface.MAC != "" {
		primary.Selector = &model.LinkSelector{MAC: n.Interface.MAC}
	} else {
		primary.Name = n.Interface.Name
	}
	if primary.MTU == 0 {
		primary.MTU = nn.MTU
	}
	if err := primary.carry(nn, addrs, routes, vip); err != nil {
		return nil, err
	}
	out := []nodeLink{primary}
	for i, l := range n.Links {
		if i != own {
			out = append(out, nodeLink{at: fmt.Sprintf("%s.links[%d]", at, i), Link: l})
		}
	}
	return out, nil
}

// carry puts the node's addresses, routes and VIP on l, or on its node
// VLAN when the node network has one.
func (l *nodeLink) carry(nn model.NodeNetwork, addrs []string, routes []model.Route, vip string) error {
	if nn.VLAN == 0 {
		if vip != "" && l.VIP != "" && l.VIP != vip {
			return emitters.Problems{{Path: l.at + ".vip", Msg: fmt.Sprintf("the primary link holds the API VIP %s; it cannot hold %s too", vip, l.VIP), Fix: "remove the link's vip, or put it on a VLAN"}}
		}
		l.Addresses, l.Routes = append(addrs, l.Addresses...), append(routes, l.Routes...)
		if vip != "" {
			l.VIP = vip
		}
		return nil
	}
	i := len(l.VLANs)
	for j, v := range l.VLANs {
		if v.ID == nn.VLAN {
			i = j
		}
	}
	if i == len(l.VLANs) {
		l.VLANs = append(l.VLANs, model.VLAN{ID: nn.VLAN, MTU: nn.MTU})
	}
	v := &l.VLANs[i]
	if vip != "" && v.VIP != "" && v.VIP != vip {
		return emitters.Problems{{Path: fmt.Sprintf("%s.vlans[%d].vip", l.at, i), Msg: fmt.Sprintf("the node VLAN holds the API VIP %s; it cannot hold %s too", vip, v.VIP), Fix: "remove the VLAN's vip"}}
	}
	v.Addresses, v.Routes = append(addrs, v.Addresses...), append(routes, v.Routes...)
	if vip != "" {
		v.VIP = vip
	}
	return nil
}

// primaryIndex is the index of the link of n.Links that interface names
// (by name, or by a selector of its MAC alone), or -1.
func primaryIndex(n *model.Node) int {
	for i, l := range n.Links {
		switch {
		case n.Interface.Name != "" && l.Name == n.Interface.Name:
			return i
		case n.Interface.MAC != "" && l.Selector != nil && *l.Selector == model.LinkSelector{MAC: n.Interface.MAC}:
			return i
		}
	}
	return -1
}

// cloneLink copies l's lists, which the primary link's merge appends to.
func cloneLink(l model.Link) model.Link {
	l.Addresses = append([]string(nil), l.Addresses...)
	l.Routes = append([]model.Route(nil), l.Routes...)
	l.VLANs = append([]model.VLAN(nil), l.VLANs...)
	return l
}

// defaultRoute is the network of a default route via gateway.
func defaultRoute(gateway string) string {
	if a, err := netip.ParseAddr(gateway); err == nil && a.Is6() {
		return "::/0"
	}
	return "0.0.0.0/0"
}

// vlanName is how Talos names a VLAN link: parent.id.
func vlanName(parent string, id int) string { return fmt.Sprintf("%s.%d", parent, id) }
