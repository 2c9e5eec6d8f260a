package talhelper

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"

	"cuelang.org/go/cue/ast"
	"gopkg.in/yaml.v3"

	"github.com/hogen-dev/hogen/compiler/importer"
	"github.com/hogen-dev/hogen/compiler/model"
)

// A talhelper network interface is Talos' v1alpha1 device. The part of it
// hogen's link model carries (node.links) is read strictly into the types
// below: a device with any other field (wireguard, dhcpOptions, a talosRoute's
// source, a selector's pciID, ...) does not fit, and is kept as a patch.

type device struct {
	Interface      string       `yaml:"interface"`
	DeviceSelector *selector    `yaml:"deviceSelector"`
	Addresses      []string     `yaml:"addresses"`
	Routes         []talosRoute `yaml:"routes"`
	MTU            int          `yaml:"mtu"`
	DHCP           bool         `yaml:"dhcp"`
	VLANs          []vlan       `yaml:"vlans"`
	VIP            *vip         `yaml:"vip"`
	Bond           *bond        `yaml:"bond"`
	Bridge         *bridge      `yaml:"bridge"`
}

type selector struct {
	HardwareAddr  string `yaml:"hardwareAddr"`
	PermanentAddr string `yaml:"permanentAddr"`
	Driver        string `yaml:"driver"`
	BusPath       string `yaml:"busPath"`
}

type talosRoute struct {
	Network string `yaml:"network"`
	Gateway string `yaml:"gateway"`
	Metric  int    `yaml:"metric"`
}

type vlan struct {
	ID        int          `yaml:"vlanId"`
	Addresses []string     `yaml:"addresses"`
	Routes    []talosRoute `yaml:"routes"`
	MTU       int          `yaml:"mtu"`
	DHCP      bool         `yaml:"dhcp"`
	VIP       *vip         `yaml:"vip"`
}

type vip struct {
	IP string `yaml:"ip"`
}

type bond struct {
	Mode            string     `yaml:"mode"`
	Interfaces      []string   `yaml:"interfaces"`
	DeviceSelectors []selector `yaml:"deviceSelectors"`
	LACPRate        string     `yaml:"lacpRate"`
	XmitHashPolicy  string     `yaml:"xmitHashPolicy"`
	MIIMon          int        `yaml:"miimon"`
	UpDelay         int        `yaml:"updelay"`
	DownDelay       int        `yaml:"downdelay"`
}

type bridge struct {
	Interfaces []string `yaml:"interfaces"`
	STP        *struct {
		Enabled bool `yaml:"enabled"`
	} `yaml:"stp"`
	VLAN *struct {
		VLANFiltering bool `yaml:"vlanFiltering"`
	} `yaml:"vlan"`
}

// readDevice reads a device strictly; an error says why it does not fit
// hogen's link model (a field it lacks, a value from an encrypted talenv).
func readDevice(d *importer.Doc, n *yaml.Node) (*device, error) {
	if blocked(d, n) {
		return nil, fmt.Errorf("it holds a value hogen may not write in clear")
	}
	b, err := yaml.Marshal(n)
	if err != nil {
		return nil, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var dev device
	if err := dec.Decode(&dev); err != nil {
		return nil, fmt.Errorf("hogen's node links have no field for %s", unknownField(err))
	}
	return &dev, nil
}

// unknownField is the field a strict decode stopped at, from its message
// ("line 3: field wireguard not found in type ...").
func unknownField(err error) string {
	s := err.Error()
	if i := strings.Index(s, "field "); i >= 0 {
		if f := strings.Fields(s[i+len("field "):]); len(f) > 0 {
			return f[0]
		}
	}
	return "a part of it"
}

func blocked(d *importer.Doc, n *yaml.Node) bool {
	if n.Kind == yaml.ScalarNode {
		return d.Blocked(n)
	}
	for _, c := range n.Content {
		if blocked(d, c) {
			return true
		}
	}
	return false
}

// link is dev as a hogen link, or an error saying what does not fit.
func (dev *device) link() (model.Link, error) {
	l := model.Link{Name: dev.Interface, Addresses: dev.Addresses, MTU: dev.MTU, DHCP: dev.DHCP}
	if dev.DeviceSelector != nil {
		l.Selector = dev.DeviceSelector.model()
	}
	var err error
	if l.Routes, err = routes(dev.Routes); err != nil {
		return l, err
	}
	if dev.VIP != nil {
		l.VIP = dev.VIP.IP
	}
	for _, v := range dev.VLANs {
		mv := model.VLAN{ID: v.ID, Addresses: v.Addresses, MTU: v.MTU, DHCP: v.DHCP}
		if v.VIP != nil {
			mv.VIP = v.VIP.IP
		}
		if mv.Routes, err = routes(v.Routes); err != nil {
			return l, err
		}
		l.VLANs = append(l.VLANs, mv)
	}
	if b := dev.Bond; b != nil {
		l.Bond = &model.Bond{Mode: b.Mode, Interfaces: b.Interfaces, LACPRate: b.LACPRate, XmitHashPolicy: b.XmitHashPolicy,
			MIIMon: b.MIIMon, UpDelay: b.UpDelay, DownDelay: b.DownDelay}
		for _, s := range b.DeviceSelectors {
			l.Bond.Selectors = append(l.Bond.Selectors, *s.model())
		}
	}
	if br := dev.Bridge; br != nil {
		l.Bridge = &model.Bridge{Interfaces: br.Interfaces}
		l.Bridge.STP = br.STP != nil && br.STP.Enabled
		l.Bridge.VLANFiltering = br.VLAN != nil && br.VLAN.VLANFiltering
	}
	return l, nil
}

func (s selector) model() *model.LinkSelector {
	return &model.LinkSelector{MAC: strings.ToLower(s.HardwareAddr), PermanentMAC: strings.ToLower(s.PermanentAddr), Driver: s.Driver, BusPath: s.BusPath}
}

// routes are rs as hogen's; a default network is left out, as hogen
// writes a default route.
func routes(rs []talosRoute) ([]model.Route, error) {
	var out []model.Route
	for _, r := range rs {
		if r.Gateway == "" {
			return nil, fmt.Errorf("hogen's routes need a gateway")
		}
		nw := r.Network
		if p, err := netip.ParsePrefix(nw); err == nil && p.Bits() == 0 {
			nw = ""
		}
		out = append(out, model.Route{Network: nw, Gateway: r.Gateway, Metric: r.Metric})
	}
	return out, nil
}

// linkExpr is l as CUE. A bond's timings are written even when zero:
// Talos leaves unset ones to the kernel (0), where hogen's defaults differ.
func linkExpr(l model.Link) (ast.Expr, error) {
	b, err := json.Marshal(l)
	if err != nil {
		return nil, err
	}
	var n yaml.Node
	if err := yaml.Unmarshal(b, &n); err != nil {
		return nil, err
	}
	if bn := child(n.Content[0], "bond"); bn != nil {
		for _, k := range []string{"miimon", "updelay", "downdelay"} {
			if child(bn, k) == nil {
				bn.Content = append(bn.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: k}, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: "0"})
			}
		}
	}
	return importer.Value(n.Content[0], importer.ValueOptions{})
}

// typedPrimary maps the link holding the node's address onto the node's
// interface, the node network's shared values, and (for what is left: a
// bond or bridge, other addresses, routes and VLANs) node.links. False
// when the link does not fit hogen's links: the caller keeps it as a patch.
func (im *imp) typedPrimary(n *node, ifc *importer.Obj) (bool, error) {
	dev, err := readDevice(ifc.Doc(), ifc.Node())
	if err != nil {
		return false, nil
	}
	if _, err := dev.link(); err != nil {
		return false, nil
	}
	sel := dev.DeviceSelector
	if dev.Interface == "" && (sel == nil || *sel != (selector{HardwareAddr: sel.HardwareAddr}) || !macRE.MatchString(strings.ToLower(sel.HardwareAddr))) {
		return false, nil // the caller names the placeholder, with a warning
	}
	n.net.where, n.net.typed = ifc, true
	ifc.Drop()
	n.InterfaceName = dev.Interface
	if dev.Interface == "" {
		n.MAC = strings.ToLower(sel.HardwareAddr)
	}
	if dev.DHCP {
		ifc.Warn("dhcp", "hogen sets the node's address statically (%s); keep a DHCP reservation for it", n.Address)
		dev.DHCP = false
	}
	dev.Addresses = im.takeAddresses(n, dev.Addresses)
	dev.Routes = im.takeGateways(n, dev.Routes)
	n.net.mtu, dev.MTU = dev.MTU, 0
	if dev.VIP != nil {
		n.net.vip, dev.VIP = dev.VIP.IP, nil
	}
	kept := dev.VLANs[:0]
	for i, v := range dev.VLANs {
		if n.net.vlan != 0 || !holdsAny(v.Addresses, n.Address) {
			kept = append(kept, v)
			continue
		}
		n.net.vlan = v.ID
		if left := im.takeAddresses(n, v.Addresses); len(left) > 0 || len(im.takeGateways(n, v.Routes)) > 0 || v.DHCP || (v.MTU != 0 && v.MTU != dev.MTU) {
			ifc.Doc().Warn(child(ifc.Node(), "vlans").Content[i], fmt.Sprintf("%s[%d]", ifc.Field("vlans"), i), ifc.Out(),
				"the node's VLAN has settings hogen's node network does not carry: not imported; add them with a node patch")
		}
		if v.VIP != nil && n.net.vip == "" {
			n.net.vip = v.VIP.IP
		}
	}
	dev.VLANs = kept
	l, _ := dev.link()
	if dev.Bond != nil || dev.Bridge != nil || len(l.Addresses)+len(l.Routes)+len(l.VLANs) > 0 {
		n.net.link = &l
	}
	return true, nil
}

func holdsAny(addrs []string, addr string) bool {
	for _, a := range addrs {
		if p, err := netip.ParsePrefix(strings.TrimSpace(a)); err == nil && p.Addr().String() == addr {
			return true
		}
	}
	return false
}

// takeAddresses takes the node's addresses out of addrs.
func (im *imp) takeAddresses(n *node, addrs []string) []string {
	var left []string
	for _, a := range addrs {
		if !im.address(n, a) {
			left = append(left, a)
		}
	}
	return left
}

// takeGateways takes the first IPv4 and IPv6 default routes as the node
// network's gateways; the other routes are left.
func (im *imp) takeGateways(n *node, rs []talosRoute) []talosRoute {
	var left []talosRoute
	for _, r := range rs {
		a, err := netip.ParseAddr(r.Gateway)
		p, perr := netip.ParsePrefix(r.Network)
		isDefault := err == nil && r.Metric == 0 && (r.Network == "" || perr == nil && p.Bits() == 0 && p.Addr().Is4() == a.Is4())
		switch {
		case isDefault && a.Is4() && n.net.gateway == "":
			n.net.gateway = a.String()
		case isDefault && a.Is6() && n.net.gateway6 == "":
			n.net.gateway6 = a.String()
		default:
			left = append(left, r)
		}
	}
	return left
}
