package talos

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/siderolabs/talos/pkg/machinery/cel"
	"github.com/siderolabs/talos/pkg/machinery/cel/celenv"
	docconfig "github.com/siderolabs/talos/pkg/machinery/config/config"
	"github.com/siderolabs/talos/pkg/machinery/config/types/network"
	"github.com/siderolabs/talos/pkg/machinery/nethelpers"

	"github.com/hogen-dev/hogen/compiler/model"
	"github.com/hogen-dev/hogen/emitters"
)

// networkDocs writes the node's links, nameservers and time servers as the
// documents Talos 1.12 and later read: per link, a LinkAliasConfig when it
// is found by selector, its LinkConfig, BondConfig or BridgeConfig, DHCP,
// VLANs and VIP; then ResolverConfig and TimeSyncConfig.
func (p *plan) networkDocs(n *model.Node, links []nodeLink) ([]docconfig.Document, error) {
	var docs []docconfig.Document
	aliases := 0
	for _, l := range links {
		name := l.Name
		if l.Selector != nil {
			name = fmt.Sprintf("net%d", aliases)
			aliases++
			alias, err := linkAlias(l.at+".selector", name, *l.Selector)
			if err != nil {
				return nil, err
			}
			docs = append(docs, alias)
		}
		more, err := linkDocs(l, name)
		if err != nil {
			return nil, err
		}
		docs = append(docs, more...)
	}
	if ns := p.nameservers(n); len(ns) > 0 {
		r := network.NewResolverConfigV1Alpha1()
		for _, a := range ns {
			r.ResolverNameservers = append(r.ResolverNameservers, network.NameserverConfig{Address: network.Addr{Addr: netip.MustParseAddr(a)}})
		}
		docs = append(docs, r)
	}
	if ntp := p.d.Cluster.Network.Node.NTPServers; len(ntp) > 0 {
		ts := network.NewTimeSyncConfigV1Alpha1()
		ts.TimeNTP = &network.NTPConfig{Servers: ntp}
		docs = append(docs, ts)
	}
	return docs, nil
}

// linkDocs are the documents of link l, named name.
func linkDocs(l nodeLink, name string) ([]docconfig.Document, error) {
	common, err := commonLink(l.at, l.MTU, l.Addresses, l.Routes)
	if err != nil {
		return nil, err
	}
	var docs []docconfig.Document
	switch {
	case l.Bond != nil:
		bond, aliases, err := bondDoc(l, name, common)
		if err != nil {
			return nil, err
		}
		docs = append(append(docs, aliases...), bond)
	case l.Bridge != nil:
		br := network.NewBridgeConfigV1Alpha1(name)
		br.BridgeLinks, br.CommonLinkConfig = l.Bridge.Interfaces, common
		if l.Bridge.STP {
			br.BridgeSTP.BridgeSTPEnabled = new(true)
		}
		if l.Bridge.VLANFiltering {
			br.BridgeVLAN.BridgeVLANFiltering = new(true)
		}
		docs = append(docs, br)
	default:
		lc := network.NewLinkConfigV1Alpha1(name)
		lc.CommonLinkConfig = common
		docs = append(docs, lc)
	}
	docs = append(docs, dhcpDocs(name, l.DHCP, l.DHCP6)...)
	docs = append(docs, vipDoc(l.VIP, name)...)
	for i, v := range l.VLANs {
		at := fmt.Sprintf("%s.vlans[%d]", l.at, i)
		vc := network.NewVLANConfigV1Alpha1(vlanName(name, v.ID))
		vc.VLANIDConfig, vc.ParentLinkConfig = uint16(v.ID), name
		if vc.CommonLinkConfig, err = commonLink(at, v.MTU, v.Addresses, v.Routes); err != nil {
			return nil, err
		}
		docs = append(docs, vc)
		docs = append(docs, dhcpDocs(vc.MetaName, v.DHCP, v.DHCP6)...)
		docs = append(docs, vipDoc(v.VIP, vc.MetaName)...)
	}
	return docs, nil
}

// bondDoc is the BondConfig of l, with an alias for each member found by
// selector (name-m0, name-m1, ...).
func bondDoc(l nodeLink, name string, common network.CommonLinkConfig) (*network.BondConfigV1Alpha1, []docconfig.Document, error) {
	b := l.Bond
	mode, err := nethelpers.BondModeByName(b.Mode)
	if err != nil {
		return nil, nil, emitters.Problems{{Path: l.at + ".bond.mode", Msg: err.Error(), Fix: "use a Linux bonding mode such as 802.3ad or active-backup"}}
	}
	bond := network.NewBondConfigV1Alpha1(name)
	bond.BondMode, bond.CommonLinkConfig = &mode, common
	bond.BondLinks = append(bond.BondLinks, b.Interfaces...)
	var aliases []docconfig.Document
	for i, s := range b.Selectors {
		member := fmt.Sprintf("%s-m%d", name, i)
		alias, err := linkAlias(fmt.Sprintf("%s.bond.selectors[%d]", l.at, i), member, s)
		if err != nil {
			return nil, nil, err
		}
		aliases = append(aliases, alias)
		bond.BondLinks = append(bond.BondLinks, member)
	}
	bond.BondMIIMon, bond.BondUpDelay, bond.BondDownDelay = u32(b.MIIMon), u32(b.UpDelay), u32(b.DownDelay)
	if b.LACPRate != "" {
		rate, err := nethelpers.LACPRateByName(b.LACPRate)
		if err != nil {
			return nil, nil, emitters.Problems{{Path: l.at + ".bond.lacpRate", Msg: err.Error(), Fix: "use slow or fast"}}
		}
		bond.BondLACPRate = &rate
	}
	if b.XmitHashPolicy != "" {
		policy, err := nethelpers.BondXmitHashPolicyByName(b.XmitHashPolicy)
		if err != nil {
			return nil, nil, emitters.Problems{{Path: l.at + ".bond.xmitHashPolicy", Msg: err.Error(), Fix: "use layer2, layer2+3 or layer3+4"}}
		}
		bond.BondXmitHashPolicy = &policy
	}
	return bond, aliases, nil
}

func u32(v int) *uint32 {
	u := uint32(v)
	return &u
}

// linkAlias names the one link s selects. Each field set must match, as
// in a legacy deviceSelector; a MAC with * matches as a glob.
func linkAlias(at, name string, s model.LinkSelector) (*network.LinkAliasConfigV1Alpha1, error) {
	var terms []string
	add := func(field, value string, mac bool) {
		if value == "" {
			return
		}
		subject := "link." + field
		if mac {
			subject = "mac(" + subject + ")"
		}
		if strings.Contains(value, "*") {
			terms = append(terms, fmt.Sprintf("glob(%q, %s)", value, subject))
			return
		}
		terms = append(terms, fmt.Sprintf("%s == %q", subject, value))
	}
	add("hardware_addr", s.MAC, true)
	add("permanent_addr", s.PermanentMAC, true)
	add("driver", s.Driver, false)
	add("bus_path", s.BusPath, false)
	if len(terms) == 0 {
		return nil, emitters.Problems{{Path: at, Msg: "the selector selects nothing", Fix: "set mac, permanentMAC, driver or busPath"}}
	}
	expr, err := cel.ParseBooleanExpression(strings.Join(terms, " && "), celenv.LinkLocator())
	if err != nil {
		return nil, emitters.Problems{{Path: at, Msg: fmt.Sprintf("the selector is not a link expression: %v", err), Fix: "check the selector's values"}}
	}
	alias := network.NewLinkAliasConfigV1Alpha1(name)
	alias.Selector.Match = expr
	return alias, nil
}

// commonLink is a link's addressing; a default route has no destination.
func commonLink(at string, mtu int, addrs []string, routes []model.Route) (network.CommonLinkConfig, error) {
	c := network.CommonLinkConfig{LinkMTU: uint32(mtu)}
	for i, a := range addrs {
		pfx, err := netip.ParsePrefix(a)
		if err != nil {
			return c, emitters.Problems{{Path: fmt.Sprintf("%s.addresses[%d]", at, i), Msg: fmt.Sprintf("%q is not an address in prefix notation", a), Fix: `write it as "10.0.0.10/24"`}}
		}
		c.LinkAddresses = append(c.LinkAddresses, network.AddressConfig{AddressAddress: pfx})
	}
	for i, r := range routes {
		rc := network.RouteConfig{RouteMetric: uint32(r.Metric)}
		gw, err := netip.ParseAddr(r.Gateway)
		if err != nil {
			return c, emitters.Problems{{Path: fmt.Sprintf("%s.routes[%d].gateway", at, i), Msg: fmt.Sprintf("%q is not an IP address", r.Gateway), Fix: "write the gateway's address"}}
		}
		rc.RouteGateway = network.Addr{Addr: gw}
		if r.Network != "" && r.Network != defaultRoute(r.Gateway) {
			dst, err := netip.ParsePrefix(r.Network)
			if err != nil {
				return c, emitters.Problems{{Path: fmt.Sprintf("%s.routes[%d].network", at, i), Msg: fmt.Sprintf("%q is not a network", r.Network), Fix: `write it as "10.0.0.0/8"`}}
			}
			rc.RouteDestination = network.Prefix{Prefix: dst}
		}
		c.LinkRoutes = append(c.LinkRoutes, rc)
	}
	return c, nil
}

func dhcpDocs(link string, v4, v6 bool) []docconfig.Document {
	var docs []docconfig.Document
	if v4 {
		docs = append(docs, network.NewDHCPv4ConfigV1Alpha1(link))
	}
	if v6 {
		docs = append(docs, network.NewDHCPv6ConfigV1Alpha1(link))
	}
	return docs
}

func vipDoc(ip, link string) []docconfig.Document {
	if ip == "" {
		return nil
	}
	v := network.NewLayer2VIPConfigV1Alpha1(ip)
	v.LinkName = link
	return []docconfig.Document{v}
}
