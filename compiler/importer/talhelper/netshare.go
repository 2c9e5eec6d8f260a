package talhelper

import (
	"slices"
	"strings"

	"cuelang.org/go/cue/ast"
	"gopkg.in/yaml.v3"

	"github.com/hogen-dev/hogen/compiler/importer"
	"github.com/hogen-dev/hogen/compiler/model"
)

// The second half of a node's network (network.go has the first): once
// every node's links are read, the node network's shared values are
// decided, and each node gets a patch with what is left of its own.

// linkInPatches finds the node's link in its own patches (a patch of
// machine.network.interfaces holding its address): the link becomes the
// node's interface, and the address leaves the patch, since hogen writes
// it. False when no node patch has it.
func (im *imp) linkInPatches(n *node) bool {
	for _, p := range n.patches {
		devs := child(child(child(p.doc.Root, "machine"), "network"), "interfaces")
		if devs == nil {
			continue
		}
		for _, d := range devs.Content {
			if !holds(d, n.Address) {
				continue
			}
			if name := child(d, "interface"); name != nil {
				n.InterfaceName = name.Value
			} else if mac := child(child(d, "deviceSelector"), "hardwareAddr"); mac != nil && macRE.MatchString(strings.ToLower(mac.Value)) {
				n.MAC = strings.ToLower(mac.Value)
			} else {
				continue
			}
			im.takeAddress(n, d)
			for _, r := range contentOf(child(d, "routes")) {
				if gw, v6, ok := defaultRoute(r); ok && !v6 && n.net.gateway == "" {
					n.net.gateway = gw
				}
			}
			n.net.inPatch = d
			return true
		}
	}
	return false
}

// takeAddress takes the node's addresses out of device d's list.
func (im *imp) takeAddress(n *node, d *yaml.Node) {
	list := child(d, "addresses")
	list.Content = slices.DeleteFunc(list.Content, func(e *yaml.Node) bool { return im.address(n, e.Value) })
	if len(list.Content) == 0 {
		for i := 0; i+1 < len(d.Content); i += 2 {
			if d.Content[i+1] == list {
				d.Content = slices.Delete(d.Content, i, i+2)
				break
			}
		}
	}
}

// finishNetwork decides the node network from every node's links and
// gives each node a patch with what is left of its own.
func (im *imp) finishNetwork(root *importer.Obj, nodes []*node) error {
	c := &im.c
	c.Gateway = im.shared(nodes, "gateway", func(n *node) string { return n.net.gateway })
	c.Gateway6 = im.shared(nodes, "gateway6", func(n *node) string { return n.net.gateway6 })
	c.VIP = im.shared(nodes, "vip", func(n *node) string { return n.net.vip })
	if v := im.shared(nodes, "VLAN", func(n *node) string { return itoa(n.net.vlan) }); v != "" {
		c.VLAN = atoi(v)
	}
	c.NodeCIDR = im.shared(nodes, "node network", func(n *node) string { return n.net.cidr })
	im.mtu(nodes)
	for _, n := range nodes {
		if d := n.net.inPatch; d != nil && c.Gateway != "" {
			if routes := child(d, "routes"); routes != nil {
				routes.Content = slices.DeleteFunc(routes.Content, func(r *yaml.Node) bool {
					gw, v6, ok := defaultRoute(r)
					return ok && !v6 && gw == c.Gateway
				})
			}
		}
		if err := n.typedLinks(); err != nil {
			return err
		}
		var devs []ast.Expr
		if n.net.primary != nil {
			devs = append(devs, n.net.primary.Expr())
		}
		devs = append(devs, n.net.links...)
		if len(devs) > 0 {
			n.fields = append([]fieldPatch{{expr: nest(importer.List(devs...), "machine", "network", "interfaces")}}, n.fields...)
		}
	}
	im.nameservers(nodes)
	im.nodeNetworkDefault(root, nodes)
	return nil
}

// typedLinks writes the node's links that hogen's model carries as
// node.links, the node's own link first.
func (n *node) typedLinks() error {
	ls := n.net.others
	if n.net.link != nil {
		ls = append([]model.Link{*n.net.link}, ls...)
	}
	for _, l := range ls {
		e, err := linkExpr(l)
		if err != nil {
			return err
		}
		n.Links = append(n.Links, e)
	}
	return nil
}

// shared is the value every node that gives one agrees on; a node that
// disagrees is warned about (hogen keeps one value for the cluster), and the
// first value is kept.
func (im *imp) shared(nodes []*node, what string, get func(*node) string) string {
	first, whose := "", ""
	for _, n := range nodes {
		v := get(n)
		if v == "" {
			continue
		}
		if first == "" {
			first, whose = v, n.Name
			continue
		}
		if v != first {
			w := n.net.where
			if w == nil {
				w = n.obj
			}
			w.Warn("", "its %s (%s) differs from node %s's (%s): hogen keeps one for the cluster (%s's); set this node's with a node patch", what, v, whose, first, whose)
		}
	}
	return first
}

// mtu sets the cluster's MTU when every node's link has the same; else
// each node whose MTU is not hogen's default keeps its own in its patch.
func (im *imp) mtu(nodes []*node) {
	same := true
	for _, n := range nodes {
		same = same && n.net.mtu == nodes[0].net.mtu
	}
	if same {
		im.c.MTU = nodes[0].net.mtu
		return
	}
	for _, n := range nodes {
		if m := n.net.mtu; m != 0 && m != 1500 && n.net.typed {
			if n.net.link == nil {
				n.net.link = linkID(n)
			}
			n.net.link.MTU = m
		} else if m != 0 && m != 1500 {
			if n.net.primary == nil {
				n.net.primary = patchLinkID(n)
			}
			n.net.primary.Set("mtu", importer.Int(m))
		}
	}
}

// linkID is the node's link as a hogen link carrying nothing yet.
func linkID(n *node) *model.Link {
	if n.MAC != "" {
		return &model.Link{Selector: &model.LinkSelector{MAC: n.MAC}}
	}
	return &model.Link{Name: n.InterfaceName}
}

// patchLinkID is the node's link as hogen writes it, so Talos merges a
// patch of it into hogen's.
func patchLinkID(n *node) *importer.Struct {
	id := &importer.Struct{}
	if n.MAC != "" {
		var s importer.Struct
		s.Set("hardwareAddr", ast.NewString(n.MAC))
		id.Set("deviceSelector", s.Expr())
	} else {
		id.Set("interface", ast.NewString(n.InterfaceName))
	}
	return id
}

// nameservers are the cluster's when every node gives the same, else each
// node's own patch.
func (im *imp) nameservers(nodes []*node) {
	same := true
	for _, n := range nodes {
		same = same && slices.Equal(n.nameservers, nodes[0].nameservers)
	}
	if same {
		im.c.Nameservers = nodes[0].nameservers
		return
	}
	for _, n := range nodes {
		n.Nameservers = n.nameservers
	}
}

// nodeNetworkDefault sets the node network when no link gave it, and the
// IPv6 one, which hogen vet needs for any address6.
func (im *imp) nodeNetworkDefault(root *importer.Obj, nodes []*node) {
	c := &im.c
	switch {
	case im.opts.NodeCIDR != "":
		c.NodeCIDR = importer.Network(im.opts.NodeCIDR)
	case c.NodeCIDR == "":
		c.NodeCIDR = importer.Network(nodes[0].Address + "/24")
		root.Warn("nodes", "no interface gives the node network: assumed %s; check it (or pass --node-cidr)", c.NodeCIDR)
	}
	c.NodeCIDR6 = im.shared(nodes, "IPv6 node network", func(n *node) string { return n.net.cidr6 })
	for _, n := range nodes {
		if n.Address6 == "" {
			continue
		}
		if c.NodeCIDR6 == "" {
			c.NodeCIDR6 = importer.Network(n.Address6 + "/64")
			root.Warn("nodes", "no interface gives the node IPv6 network: assumed %s; check it", c.NodeCIDR6)
		}
		if !importer.Contains(c.NodeCIDR6, n.Address6) {
			n.obj.Warn("", "address6 %s not imported: it is outside the node IPv6 network %s (hogen has one for all nodes); add it with a node patch", n.Address6, c.NodeCIDR6)
			n.Address6 = ""
		}
	}
}
