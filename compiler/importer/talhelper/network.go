package talhelper

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/hogen-dev/hogen/compiler/importer"
)

// interfaces reads networkInterfaces: the first interface is the node's
// link; its address, MTU, VIP and default route become cluster values.
func (im *imp) interfaces(o *importer.Obj, n *importer.Node) error {
	ifs, err := o.Objs("networkInterfaces")
	if err != nil || len(ifs) == 0 {
		return err
	}
	for _, extra := range ifs[1:] {
		extra.Warn("", "not imported: hogen configures one interface per node; add this one with a node patch")
		extra.Drop()
	}
	i := ifs[0]
	if n.InterfaceName, err = i.String("interface"); err != nil {
		return err
	}
	if sel, err := i.Obj("deviceSelector"); err != nil {
		return err
	} else if sel != nil {
		mac, err := sel.String("hardwareAddr")
		if err != nil {
			return err
		}
		n.MAC = strings.ToLower(mac)
		sel.Done()
	}
	if err := im.ifAddresses(i, n); err != nil {
		return err
	}
	mtu, err := i.Int("mtu")
	if err != nil {
		return err
	}
	if mtu != 0 {
		im.agree(i, "mtu", &im.mtus, strconv.Itoa(mtu), n.Name)
	}
	if vip, err := i.Obj("vip"); err != nil {
		return err
	} else if vip != nil {
		ip, err := vip.String("ip")
		if err != nil {
			return err
		}
		im.agree(vip, "ip", &im.vips, ip, n.Name)
		vip.Done()
	}
	if err := im.routes(i, n); err != nil {
		return err
	}
	dhcp, err := i.Bool("dhcp")
	if err != nil {
		return err
	}
	if dhcp {
		i.Warn("dhcp", "hogen sets the node's address statically (%s); keep a DHCP reservation for it", n.Address)
	}
	i.Done()
	return nil
}

// ifAddresses reads addresses: the IPv4 one holding the node's ipAddress
// gives the node network; the first IPv6 one is the node's address6 (unless
// ipAddress named another) and gives the node IPv6 network.
func (im *imp) ifAddresses(i *importer.Obj, n *importer.Node) error {
	addrs, err := i.Strings("addresses")
	if err != nil {
		return err
	}
	for _, a := range addrs {
		p, err := netip.ParsePrefix(strings.TrimSpace(a))
		switch {
		case err != nil:
			i.Warn("addresses", "address %s not imported: it is not an address with a prefix length, like 192.168.1.10/24", a)
		case p.Addr().Is4() && p.Contains(netip.MustParseAddr(n.Address)):
			im.agree(i, "addresses", &im.cidrs, p.Masked().String(), n.Name)
		case p.Addr().Is4():
			i.Warn("addresses", "address %s not imported: it is not the node's ipAddress", a)
		default:
			im.ifAddress6(i, n, p)
		}
	}
	return nil
}

// ifAddress6 reads an IPv6 interface address. hogen has one IPv6 address
// per node, so others are warned about; the prefix gives the node IPv6
// network only when it holds the node's address6.
func (im *imp) ifAddress6(i *importer.Obj, n *importer.Node, p netip.Prefix) {
	if n.Address6 == "" {
		n.Address6 = p.Addr().String()
	}
	if p.Addr().String() != n.Address6 {
		i.Warn("addresses", "address %s not imported: hogen gives a node one IPv6 address (%s); add this one with a node patch", p, n.Address6)
	}
	if p.Contains(netip.MustParseAddr(n.Address6)) {
		im.agree(i, "addresses", &im.cidr6s, p.Masked().String(), n.Name)
	}
}

// routes reads routes: the IPv4 default route gives the gateway.
func (im *imp) routes(i *importer.Obj, n *importer.Node) error {
	routes, err := i.Objs("routes")
	if err != nil {
		return err
	}
	for _, r := range routes {
		network, err := r.String("network")
		if err != nil {
			return err
		}
		gw, err := r.String("gateway")
		if err != nil {
			return err
		}
		if network == "0.0.0.0/0" && gw != "" {
			im.agree(r, "gateway", &im.gateways, gw, n.Name)
			r.Done()
			continue
		}
		r.Warn("", "route to %s not imported: add it with a node patch", network)
		r.Drop()
	}
	return nil
}

// finish turns what the nodes agreed on into cluster values.
// objs are the nodes' entries in the input, for warnings.
func (im *imp) finish(root *importer.Obj, objs []*importer.Obj, nodes []importer.Node) {
	c := &im.c
	c.Gateway = only(im.gateways)
	c.VIP = only(im.vips)
	c.Nameservers = onlyList(im.nameservers)
	if m := only(im.mtus); m != "" {
		c.MTU, _ = strconv.Atoi(m)
	}
	c.NodeCIDR = only(im.cidrs)
	switch {
	case im.opts.NodeCIDR != "":
		c.NodeCIDR = importer.Network(im.opts.NodeCIDR)
	case c.NodeCIDR == "":
		c.NodeCIDR = importer.Network(nodes[0].Address + "/24")
		root.Warn("nodes", "no interface gives the node network: assumed %s; check it (or pass --node-cidr)", c.NodeCIDR)
	}
	im.nodeCIDR6(root, objs, nodes)
	c.FluxURL = im.opts.FluxURL
	if c.FluxURL == "" {
		c.FluxURL = "https://github.com/OWNER/REPO"
		root.Warn("", "talhelper does not know the Git repository Flux syncs from: cluster.flux.source.url is a placeholder; set it (or pass --flux-url)")
	}
	// One schematic for all nodes goes to the cluster; else each keeps its own.
	common := nodes[0].Schematic
	same := !slices.ContainsFunc(nodes, func(n importer.Node) bool { return !n.Schematic.Equal(common) })
	if same && common != nil {
		c.Schematic = common
		for i := range nodes {
			nodes[i].Schematic = nil
		}
	}
}

// nodeCIDR6 sets the node IPv6 network: the one interfaces agreed on, else
// the /64 (the usual IPv6 subnet) of the first node's address6. hogen vet
// rejects an address6 outside it, so such an address is left out with a
// warning.
func (im *imp) nodeCIDR6(root *importer.Obj, objs []*importer.Obj, nodes []importer.Node) {
	c := &im.c
	c.NodeCIDR6 = only(im.cidr6s)
	for i := range nodes {
		n := &nodes[i]
		if n.Address6 == "" {
			continue
		}
		if c.NodeCIDR6 == "" {
			c.NodeCIDR6 = importer.Network(n.Address6 + "/64")
			root.Warn("nodes", "no interface gives the node IPv6 network: assumed %s; check it", c.NodeCIDR6)
		}
		if !importer.Contains(c.NodeCIDR6, n.Address6) {
			objs[i].Warn("", "address6 %s not imported: it is outside the node IPv6 network %s (hogen has one for all nodes); add it with a node patch", n.Address6, c.NodeCIDR6)
			n.Address6 = ""
		}
	}
}

// onlyList is only for a list kept joined by commas.
func onlyList(seen map[string]string) []string {
	if s := only(seen); s != "" {
		return strings.Split(s, ",")
	}
	return nil
}

// only returns the value nodes agreed on (the first one seen, if they
// disagreed, which was warned about).
func only(seen map[string]string) string {
	for v := range seen {
		if len(seen) == 1 {
			return v
		}
	}
	return ""
}
