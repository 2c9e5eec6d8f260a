package talhelper

import (
	"net/netip"
	"regexp"
	"strings"

	"cuelang.org/go/cue/ast"
	talosconfig "github.com/siderolabs/talos/pkg/machinery/config"
	"gopkg.in/yaml.v3"

	"github.com/hogen-dev/hogen/compiler/importer"
	"github.com/hogen-dev/hogen/compiler/model"
)

// This file is the one place a node's network is mapped. hogen's node
// model has one link per node (interface: name or mac) carrying the node's
// address, with the node network's prefix, gateway, MTU, VLAN and VIP
// shared by all nodes. So the link holding the node's ipAddress gives those;
// everything else (bonds, other links, other addresses and routes, a
// node's own MTU) is kept as the node's patch of machine.network.interfaces,
// which Talos merges into that link by name or selector. When hogen's model
// grows links, bonds and VLANs per node, this is what maps onto them.

// placeholderLink names the link of a node whose input names none.
const placeholderLink = "eth0"

var macRE = regexp.MustCompile(`^([0-9a-f]{2}:){5}[0-9a-f]{2}$`)

// netPlan is what a node's interfaces give, before the cluster-wide values
// are decided from every node's.
type netPlan struct {
	// cidr, cidr6: the node networks its addresses are on.
	cidr, cidr6 string
	// gateway, gateway6: its default routes' gateways.
	gateway, gateway6 string
	mtu               int
	vip               string
	vlan              int
	// link is the node's link in full when it carries more than the node
	// network gives (a bond, more addresses, routes or VLANs); nil else.
	link *model.Link
	// typed is set when the node's link was read as a hogen link.
	typed bool
	// others are the node's other links that hogen's model carries.
	others []model.Link
	// primary is the residual of the node's link for the patch when it
	// does not fit hogen's links; nil when nothing is left.
	primary *importer.Struct
	// links are the node's other links that do not fit, for the patch.
	links []ast.Expr
	// inPatch is the node's link when a node patch defines it: its
	// default routes via the cluster's gateway are dropped from the patch
	// once that gateway is known, since hogen writes it.
	inPatch *yaml.Node
	// where is the link's entry, for warnings.
	where *importer.Obj
}

// network reads networkInterfaces (the node's, or its role's).
func (im *imp) network(n *node) error {
	o, _ := n.src("networkInterfaces")
	ifs, err := o.Objs("networkInterfaces")
	if err != nil {
		return err
	}
	found := false
	for _, ifc := range ifs {
		if !found && holds(ifc.Node(), n.Address) {
			found = true
			if ok, err := im.typedPrimary(n, ifc); ok || err != nil {
				if err != nil {
					return err
				}
				continue
			}
			if err := im.primary(n, ifc); err != nil {
				return err
			}
			continue
		}
		im.otherLink(n, ifc)
	}
	if !found && !im.linkInPatches(n) {
		// hogen must know the link to put the address on; a placeholder
		// keeps the description valid, and the warning says to replace it.
		n.InterfaceName = placeholderLink
		n.obj.Warn("", "no network interface holds the node's address %s: interface.name is the placeholder %q; set the node's link name or MAC (talosctl get links -n %s --insecure)", n.Address, placeholderLink, n.Address)
	}
	return nil
}

// holds tells whether a device (or one of its VLANs) has an address on
// which addr is.
func holds(dev *yaml.Node, addr string) bool {
	a := netip.MustParseAddr(addr)
	for _, list := range []*yaml.Node{child(dev, "addresses")} {
		if list != nil && holdsIn(list, a) {
			return true
		}
	}
	if vlans := child(dev, "vlans"); vlans != nil {
		for _, v := range vlans.Content {
			if l := child(v, "addresses"); l != nil && holdsIn(l, a) {
				return true
			}
		}
	}
	return false
}

func holdsIn(list *yaml.Node, a netip.Addr) bool {
	for _, e := range list.Content {
		if p, err := netip.ParsePrefix(strings.TrimSpace(e.Value)); err == nil && p.Addr() == a {
			return true
		}
	}
	return false
}

// primary maps the link holding the node's address.
func (im *imp) primary(n *node, ifc *importer.Obj) error {
	n.net.where = ifc
	var err error
	if n.InterfaceName, err = ifc.String("interface"); err != nil {
		return err
	}
	id := &importer.Struct{}
	if n.InterfaceName != "" {
		id.Set("interface", ast.NewString(n.InterfaceName))
	} else if err := im.selector(n, ifc, id); err != nil {
		return err
	}
	res := &importer.Struct{}
	if err := im.onLink(n, ifc, res); err != nil {
		return err
	}
	if err := im.vlans(n, ifc, res); err != nil {
		return err
	}
	if on, err := ifc.Bool("dhcp"); err != nil {
		return err
	} else if on {
		ifc.Warn("dhcp", "hogen sets the node's address statically (%s); keep a DHCP reservation for it", n.Address)
	}
	if err := rest(res, ifc, "interface", "deviceSelector", "addresses", "routes", "mtu", "vip", "vlans", "dhcp"); err != nil {
		return err
	}
	if res.Len() > 0 {
		n.net.primary = id
		id.Append(res)
	}
	return nil
}

// selector names the link by MAC; a selector hogen cannot express keeps
// the placeholder name, with a warning.
func (im *imp) selector(n *node, ifc *importer.Obj, id *importer.Struct) error {
	sel, err := ifc.Obj("deviceSelector")
	if err != nil {
		return err
	}
	if sel != nil && len(sel.Keys()) == 1 {
		mac, err := sel.String("hardwareAddr")
		if err != nil {
			return err
		}
		if mac = strings.ToLower(mac); macRE.MatchString(mac) {
			n.MAC = mac
			var s importer.Struct
			s.Set("hardwareAddr", ast.NewString(mac))
			id.Set("deviceSelector", s.Expr())
			return nil
		}
	}
	if sel != nil {
		sel.Drop()
	}
	n.InterfaceName = placeholderLink
	ifc.Warn("deviceSelector", "not imported: hogen names a node's link by name or by one whole MAC address; interface.name is the placeholder %q, set the link's name", placeholderLink)
	id.Set("interface", ast.NewString(placeholderLink))
	return nil
}

// onLink maps the addresses, routes, MTU and VIP of the node's link (or
// of the VLAN its address is on); what the model does not carry goes to
// res.
func (im *imp) onLink(n *node, o *importer.Obj, res *importer.Struct) error {
	addrs, err := o.Strings("addresses")
	if err != nil {
		return err
	}
	var left []string
	for _, a := range addrs {
		if !im.address(n, a) {
			left = append(left, a)
		}
	}
	res.SetIf("addresses", importer.Strs(left))
	if err := im.routes(n, o, res); err != nil {
		return err
	}
	if n.net.mtu, err = o.Int("mtu"); err != nil {
		return err
	}
	vip, err := o.Obj("vip")
	if err != nil || vip == nil {
		return err
	}
	if n.net.vip, err = vip.String("ip"); err != nil {
		return err
	}
	vip.Done()
	return nil
}

// address takes a as the node's IPv4 or IPv6 address when it is one;
// false leaves it for the patch.
func (im *imp) address(n *node, a string) bool {
	p, err := netip.ParsePrefix(strings.TrimSpace(a))
	switch {
	case err != nil:
		return false
	case p.Addr().Is4() && p.Addr().String() == n.Address:
		n.net.cidr = p.Masked().String()
		return true
	case p.Addr().Is6() && (n.Address6 == "" || n.Address6 == p.Addr().String()):
		n.Address6, n.net.cidr6 = p.Addr().String(), p.Masked().String()
		return true
	}
	return false
}

// routes takes the default routes' gateways; other routes go to res.
func (im *imp) routes(n *node, o *importer.Obj, res *importer.Struct) error {
	routes, err := o.Objs("routes")
	if err != nil {
		return err
	}
	var left []ast.Expr
	for _, r := range routes {
		if gw, v6, ok := defaultRoute(r.Node()); ok {
			if v6 && n.net.gateway6 == "" {
				n.net.gateway6 = gw
				r.Drop()
				continue
			}
			if !v6 && n.net.gateway == "" {
				n.net.gateway = gw
				r.Drop()
				continue
			}
		}
		e, err := r.Doc().Expr(r.Node(), r.Path(), r.Out())
		if err != nil {
			return err
		}
		r.Drop()
		left = append(left, e)
	}
	if len(left) > 0 {
		res.Set("routes", importer.List(left...))
	}
	return nil
}

// defaultRoute reads a route that is only a default route through a
// gateway (Talos takes an empty network as the default one).
func defaultRoute(r *yaml.Node) (gw string, v6, ok bool) {
	for i := 0; i+1 < len(r.Content); i += 2 {
		if k := r.Content[i].Value; k != "network" && k != "gateway" {
			return "", false, false
		}
	}
	g := child(r, "gateway")
	if g == nil {
		return "", false, false
	}
	a, err := netip.ParseAddr(g.Value)
	if err != nil {
		return "", false, false
	}
	network := ""
	if nw := child(r, "network"); nw != nil {
		network = nw.Value
	}
	switch network {
	case "":
		ok = true
	case "0.0.0.0/0":
		ok = a.Is4()
	case "::/0":
		ok = a.Is6()
	}
	return a.String(), a.Is6(), ok
}

// vlans maps the VLAN the node's address is on, if any, onto the node
// network's VLAN; other VLANs go to res as written.
func (im *imp) vlans(n *node, ifc *importer.Obj, res *importer.Struct) error {
	vlans, err := ifc.Objs("vlans")
	if err != nil {
		return err
	}
	var left []ast.Expr
	for _, v := range vlans {
		if n.net.vlan == 0 && holds(v.Node(), n.Address) {
			if n.net.vlan, err = v.Int("vlanId"); err != nil {
				return err
			}
			vres := &importer.Struct{}
			if err := im.onLink(n, v, vres); err != nil {
				return err
			}
			if vres.Len() > 0 || len(v.Keys()) > 5 {
				v.Warn("", "the node's VLAN has settings hogen's node network does not carry: not imported; add them with a node patch")
			}
			v.Drop()
			continue
		}
		e, err := v.Doc().Expr(v.Node(), v.Path(), v.Out())
		if err != nil {
			return err
		}
		v.Drop()
		left = append(left, e)
	}
	if len(left) > 0 {
		res.Set("vlans", importer.List(left...))
	}
	return nil
}

// otherLink maps a link that is not the node's onto node.links, or keeps
// it as written for the patch when it does not fit, with a warning. A
// WireGuard link becomes a WireguardConfig document, its private key
// moved to secrets.sops.yaml; one that cannot (an older Talos, other
// settings, no age recipient) is left out whole, with a warning, since a
// link without its key would not come up.
func (im *imp) otherLink(n *node, ifc *importer.Obj) {
	defer ifc.Drop()
	dev, err := readDevice(ifc.Doc(), ifc.Node())
	if err == nil {
		var l model.Link
		if l, err = dev.link(); err == nil {
			n.net.others = append(n.net.others, l)
			return
		}
	}
	if k := secretIn(ifc.Node()); k != "" {
		if e, err := im.wireguard(ifc); err == nil && e != nil {
			n.add(e, false)
			ifc.Warn("", "kept as the node's WireguardConfig document, as talhelper writes it for Talos %s", im.c.TalosVersion)
			return
		}
		ifc.Warn("", "not imported: the link holds a secret (%s): hogen never writes one in clear, and moves it to secrets.sops.yaml only from a link with nothing but WireGuard settings, on Talos v1.12 or later, with an age recipient (--age-recipient); add the link by hand outside Git", k)
		return
	}
	e, err2 := ifc.Doc().Expr(ifc.Node(), ifc.Path(), ifc.Out())
	if err2 == nil && e != nil {
		ifc.Warn("", "kept as a Talos patch of machine.network.interfaces: %v", err)
		n.net.links = append(n.net.links, e)
	}
}

// secretIn names a secret key at or under n, or "".
func secretIn(n *yaml.Node) string {
	for i := 0; n.Kind == yaml.MappingNode && i+1 < len(n.Content); i += 2 {
		if importer.SecretKey(n.Content[i].Value) {
			return n.Content[i].Value
		}
	}
	for _, c := range n.Content {
		if k := secretIn(c); k != "" {
			return k
		}
	}
	return ""
}

// wireguard is the WireguardConfig document (Talos 1.12's multi-document
// network config, which talhelper writes) of a link that has nothing but
// its name and WireGuard settings, its secrets referenced; nil when the
// link is not that or the secrets have nowhere to go.
func (im *imp) wireguard(ifc *importer.Obj) (ast.Expr, error) {
	c, err := talosconfig.ParseContractFromVersion(im.c.TalosVersion)
	if err != nil || !c.MultidocNetworkConfigSupported() || len(im.c.AgeRecipients) == 0 {
		return nil, err
	}
	for _, k := range ifc.Keys() {
		if k != "interface" && k != "wireguard" {
			return nil, nil
		}
	}
	name, err := ifc.String("interface")
	if err != nil || name == "" {
		return nil, err
	}
	wg, err := ifc.Obj("wireguard")
	if err != nil || wg == nil {
		return nil, err
	}
	doc := document("WireguardConfig", func(s *importer.Struct) {
		s.Set("name", ast.NewString(name))
		err = rest(s, wg)
	})
	return doc, err
}
