package check

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/hogen-dev/hogen/compiler/model"
)

func (c *checker) nodes() {
	net := c.d.Cluster.Network.Node
	seen := map[string]string{} // address or MAC -> path of first use
	unique := func(path, key, what string) {
		if key == "" {
			return
		}
		if first, ok := seen[key]; ok {
			c.Errorf(path, "give every node its own "+what, "%s %s is also used by %s", what, key, first)
			return
		}
		seen[key] = path
	}
	cps := 0
	for _, n := range c.d.Nodes {
		p := "nodes." + n.Name
		if n.Role == model.RoleControlPlane {
			cps++
		}
		c.inside(p+".address", n.Address, net.CIDR, "node network")
		c.inside(p+".address6", n.Address6, net.CIDR6, "node IPv6 network")
		unique(p+".address", canonAddr(n.Address), "address")
		unique(p+".address6", canonAddr(n.Address6), "address")
		unique(p+".interface.mac", strings.ToLower(n.Interface.MAC), "MAC address")
		if (n.Interface.Name == "") == (n.Interface.MAC == "") {
			c.Errorf(p+".interface", `set exactly one: interface: name: "enp3s0f0" or interface: mac: "00:1b:63:84:45:e6"`, "names the network link by both name and MAC, or by neither")
		}
		if (n.InstallDisk.Path == "") == (n.InstallDisk.Selector == nil) {
			c.Errorf(p+".installDisk", `set exactly one: installDisk: path: "/dev/sda" or installDisk: selector: {...}`, "names the install disk by both path and selector, or by neither")
		}
	}
	switch {
	case cps == 0:
		c.Errorf("nodes", `set role: "controlplane" on one node (three for high availability)`, "no control-plane node")
	case cps%2 == 0:
		c.Warnf("nodes", "use an odd number of control planes (1, 3, 5)",
			"%d control-plane nodes: etcd needs a majority, so %d tolerate no more failures than %d", cps, cps, cps-1)
	}
}

func canonAddr(s string) string {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return s
	}
	return a.String()
}

// api checks the VIP and the endpoint against the node network and nodes.
func (c *checker) api() {
	api := c.d.Cluster.API
	owner := map[string]model.Node{}
	for _, n := range c.d.Nodes {
		owner[canonAddr(n.Address)] = n
		if n.Address6 != "" {
			owner[canonAddr(n.Address6)] = n
		}
	}
	net := c.d.Cluster.Network.Node
	cidrFor := func(a string) (string, string) {
		if strings.Contains(a, ":") {
			return net.CIDR6, "node IPv6 network"
		}
		return net.CIDR, "node network"
	}
	if api.VIP != "" {
		cidr, what := cidrFor(api.VIP)
		c.inside("cluster.api.vip", api.VIP, cidr, what)
		if n, ok := owner[canonAddr(api.VIP)]; ok {
			c.Errorf("cluster.api.vip", "pick a free address in the node network for the VIP", "%s is node %s's address; the VIP must be an address no node has", api.VIP, n.Name)
		}
	}
	if _, err := netip.ParseAddr(api.Endpoint); err != nil {
		return // a DNS name: nothing to check offline
	}
	cidr, what := cidrFor(api.Endpoint)
	c.inside("cluster.api.endpoint", api.Endpoint, cidr, what)
	if n, ok := owner[canonAddr(api.Endpoint)]; ok && len(c.d.ControlPlanes()) > 1 {
		c.Errorf("cluster.api.endpoint", fmt.Sprintf("use the VIP (cluster.api.vip) or a load balancer, so the API outlives node %s", n.Name),
			"%s is node %s's address", api.Endpoint, n.Name)
	}
}
