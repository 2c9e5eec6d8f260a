// Package check runs the checks that look at a whole description at once,
// across files: what the schema's types cannot say (unique addresses,
// networks, the app graph, secret references).
package check

import (
	"fmt"
	"net/netip"
	"regexp"

	"github.com/hogen-dev/hogen/compiler/diag"
	"github.com/hogen-dev/hogen/compiler/model"
)

// Check runs the checks that look at the whole description at once, across
// files: what the schema's types cannot say. It reports every problem.
func Check(d *model.Description) diag.Diagnostics {
	c := &checker{d: d, Collector: diag.Collector{Pos: d.Pos}}
	c.names()
	c.networks()
	c.nodes()
	c.api()
	c.apps()
	c.reservedNames()
	c.secretsOnce()
	c.manifests()
	c.components()
	c.crdOrder()
	c.externalSecrets()
	c.receiver()
	c.bootstrap()
	c.fluxInstance()
	c.substitutions()
	c.secretRefs()
	return c.Diags.Sorted()
}

type checker struct {
	d *model.Description
	diag.Collector
}

// DNS1123 is the name rule again, in Go: names become paths, so this holds
// even if the schema were loosened.
var DNS1123 = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

func (c *checker) name(path, kind, name string) {
	if len(name) > 63 || !DNS1123.MatchString(name) {
		c.Errorf(path, "use lowercase letters, digits and '-' (at most 63)", "%s name %q is not a DNS-1123 label", kind, name)
	}
}

func (c *checker) names() {
	c.name("cluster.name", "cluster", c.d.Cluster.Name)
	for _, n := range c.d.Nodes {
		c.name("nodes."+n.Name, "node", n.Name)
	}
	for _, a := range c.d.Apps {
		p := "apps." + a.Name
		c.name(p, "app", a.Name)
		c.name(p+".namespace", "namespace", a.Namespace)
		for _, k := range a.Kustomizations {
			for _, m := range k.Manifests {
				c.name(m.Path, "manifest", m.File)
			}
			for s := range k.Secrets {
				c.name(k.Path+".secrets."+s, "secret", s)
			}
		}
	}
}

// prefix parses a CIDR and insists it is canonical.
func (c *checker) prefix(path, s string) (netip.Prefix, bool) {
	p, err := netip.ParsePrefix(s)
	if err != nil {
		c.Errorf(path, `write a network like "10.244.0.0/16"`, "%q is not a CIDR: %v", s, err)
		return p, false
	}
	if p.Masked() != p {
		c.Errorf(path, fmt.Sprintf("write %s", p.Masked()), "%s has host bits set", s)
		return p.Masked(), true
	}
	return p, true
}

type namedPrefix struct {
	path string
	p    netip.Prefix
}

func (c *checker) networks() {
	n := c.d.Cluster.Network
	var all []namedPrefix
	add := func(path, s string) {
		if s == "" {
			return
		}
		if p, ok := c.prefix(path, s); ok {
			all = append(all, namedPrefix{path, p})
		}
	}
	add("cluster.network.node.cidr", n.Node.CIDR)
	add("cluster.network.node.cidr6", n.Node.CIDR6)
	for i, s := range n.Pods {
		add(fmt.Sprintf("cluster.network.pods.%d", i), s)
	}
	for i, s := range n.Services {
		add(fmt.Sprintf("cluster.network.services.%d", i), s)
	}
	for i := range all {
		for j := i + 1; j < len(all); j++ {
			if all[i].p.Overlaps(all[j].p) {
				c.Errorf(all[j].path, "pick networks that do not overlap", "%s overlaps %s (%s)", all[j].p, all[i].path, all[i].p)
			}
		}
	}
	c.families("cluster.network.pods", n.Pods)
	c.families("cluster.network.services", n.Services)
	c.inside("cluster.network.node.gateway", n.Node.Gateway, n.Node.CIDR, "node network")
	c.inside("cluster.network.node.gateway6", n.Node.Gateway6, n.Node.CIDR6, "node IPv6 network")
}

// families allows at most one network per IP family (dual-stack).
func (c *checker) families(path string, cidrs []string) {
	var v4, v6 int
	for _, s := range cidrs {
		if p, err := netip.ParsePrefix(s); err == nil {
			if p.Addr().Is4() {
				v4++
			} else {
				v6++
			}
		}
	}
	if v4 > 1 || v6 > 1 {
		c.Errorf(path, "list one IPv4 and at most one IPv6 network", "has %d IPv4 and %d IPv6 networks; Kubernetes takes one of each", v4, v6)
	}
	if len(cidrs) == 0 {
		c.Errorf(path, `add a network, e.g. "10.244.0.0/16"`, "is empty")
	}
}

// inside checks that addr lies in the network cidr; it reports a missing
// network as the problem when addr is set without one.
func (c *checker) inside(path, addr, cidr, what string) {
	if addr == "" {
		return
	}
	a, err := netip.ParseAddr(addr)
	if err != nil {
		c.Errorf(path, "write an IP address", "%q is not an IP address", addr)
		return
	}
	if cidr == "" {
		c.Errorf(path, fmt.Sprintf("set the %s (cluster.network.node.cidr6) or remove it", what), "%s is set but there is no %s", addr, what)
		return
	}
	p, err := netip.ParsePrefix(cidr)
	if err != nil {
		return // reported with the network
	}
	if !p.Masked().Contains(a) {
		c.Errorf(path, fmt.Sprintf("use an address inside %s, or change the %s", p.Masked(), what), "%s is outside the %s %s", addr, what, p.Masked())
	}
}
