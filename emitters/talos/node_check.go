package talos

import (
	"fmt"
	"regexp"

	"github.com/siderolabs/talos/pkg/machinery/config"

	"github.com/hogen-dev/hogen/compiler/model"
	"github.com/hogen-dev/hogen/emitters"
)

func nodeProblems(n model.Node, c *config.VersionContract, version string) emitters.Problems {
	var ps emitters.Problems
	at := "nodes." + n.Name
	if (n.Interface.Name == "") == (n.Interface.MAC == "") {
		ps = append(ps, emitters.Problem{
			Path: at + ".interface",
			Msg:  "the node's interface needs exactly one of name or mac",
			Fix:  `set interface: name: "enp1s0" or interface: mac: "aa:bb:cc:dd:ee:ff"`,
		})
	}
	if (n.InstallDisk.Path == "") == (n.InstallDisk.Selector == nil) {
		ps = append(ps, emitters.Problem{
			Path: at + ".installDisk",
			Msg:  "the install disk needs exactly one of path or selector",
			Fix:  `set installDisk: path: "/dev/nvme0n1" or installDisk: selector: {...}`,
		})
	}
	seen := map[string]bool{}
	for i, t := range n.Taints {
		if seen[t.Key] {
			ps = append(ps, emitters.Problem{
				Path: fmt.Sprintf("%s.taints[%d]", at, i),
				Msg:  fmt.Sprintf("taint %q is set twice; Talos keeps one taint per key", t.Key),
				Fix:  "remove one of them",
			})
		}
		seen[t.Key] = true
	}
	ps = append(ps, linkProblems(n)...)
	return append(ps, volumeProblems(n, c, version)...)
}

// aliasName is what hogen names links found by selector in the document
// form; a link of the user's may not take such a name.
var aliasName = regexp.MustCompile(`^net[0-9]+$`)

// linkProblems checks each link's identity (a name or a selector; bonds
// and bridges are named), that names are unique, that a bond has members,
// and that each link's VLAN IDs are unique with names Linux takes.
func linkProblems(n model.Node) emitters.Problems {
	var ps emitters.Problems
	add := func(path, msg, fix string) { ps = append(ps, emitters.Problem{Path: path, Msg: msg, Fix: fix}) }
	names := map[string]string{}
	for i, l := range n.Links {
		at := fmt.Sprintf("nodes.%s.links[%d]", n.Name, i)
		switch {
		case (l.Name == "") == (l.Selector == nil):
			add(at, "a link needs exactly one of name or selector", `set name: "enp2s0", or selector: {mac: "aa:bb:cc:dd:ee:ff"}`)
		case l.Selector != nil && (l.Bond != nil || l.Bridge != nil):
			add(at+".selector", "a bond or a bridge is named, not selected", `set name: "bond0" and select its members in bond.selectors`)
		case l.Selector != nil && *l.Selector == model.LinkSelector{}:
			add(at+".selector", "the selector selects nothing", "set mac, permanentMAC, driver or busPath")
		}
		if l.Bond != nil && l.Bridge != nil {
			add(at, "a link is a bond or a bridge, not both", "split it into two links")
		}
		if b := l.Bond; b != nil && len(b.Interfaces)+len(b.Selectors) == 0 {
			add(at+".bond", "the bond has no members", `list them in bond.interfaces or bond.selectors`)
		}
		if l.Name != "" {
			if first, dup := names[l.Name]; dup {
				add(at+".name", fmt.Sprintf("link %s is also %s", l.Name, first), "give each link its own name")
			}
			names[l.Name] = at
			if aliasName.MatchString(l.Name) {
				add(at+".name", fmt.Sprintf("%s is the name hogen gives a link found by selector", l.Name), "pick another name")
			}
		}
		ps = append(ps, vlanProblems(at, l)...)
	}
	return append(ps, memberProblems(n)...)
}

// memberProblems checks the members of bonds and bridges, which Linux
// enslaves: each to one master, never a master to itself, and with no
// addressing of its own (the master holds it), so the node's interface,
// which carries its address, is no member either. Talos' validation of
// the legacy form says so; that of the link documents does not.
func memberProblems(n model.Node) emitters.Problems {
	var ps emitters.Problems
	add := func(path, msg, fix string) { ps = append(ps, emitters.Problem{Path: path, Msg: msg, Fix: fix}) }
	links := map[string]int{}
	for i, l := range n.Links {
		if _, dup := links[l.Name]; l.Name != "" && !dup {
			links[l.Name] = i
		}
	}
	master := map[string]string{}
	for i, l := range n.Links {
		members, field := memberNames(l)
		for j, m := range members {
			at := fmt.Sprintf("nodes.%s.links[%d].%s[%d]", n.Name, i, field, j)
			switch first, taken := master[m]; {
			case m == l.Name:
				add(at, fmt.Sprintf("%s is a member of itself", m), "list the links it joins")
			case taken:
				add(at, fmt.Sprintf("%s is a member of %s already; a link joins one bond or bridge", m, first), "remove it from one of them")
			case m == n.Interface.Name:
				add(at, fmt.Sprintf("%s is the node's interface, which carries its address; a member carries none", m),
					fmt.Sprintf("set interface: name: %q, so the node's address goes on %s", l.Name, l.Name))
			}
			if _, taken := master[m]; !taken && m != l.Name {
				master[m] = l.Name
			}
			if k, ok := links[m]; ok && m != l.Name && addressed(n.Links[k]) {
				add(fmt.Sprintf("nodes.%s.links[%d]", n.Name, k), fmt.Sprintf("%s is a member of %s, so it takes no addresses, routes, DHCP, VLANs or VIP of its own", m, l.Name),
					"set them on "+l.Name)
			}
		}
	}
	return ps
}

// memberNames are the links a bond or bridge names, and the field naming them.
func memberNames(l model.Link) ([]string, string) {
	switch {
	case l.Bond != nil:
		return l.Bond.Interfaces, "bond.interfaces"
	case l.Bridge != nil:
		return l.Bridge.Interfaces, "bridge.interfaces"
	}
	return nil, ""
}

// addressed tells whether a link has addressing of its own.
func addressed(l model.Link) bool {
	return len(l.Addresses)+len(l.Routes)+len(l.VLANs) > 0 || l.DHCP || l.DHCP6 || l.VIP != ""
}

func vlanProblems(at string, l model.Link) emitters.Problems {
	var ps emitters.Problems
	ids := map[int]bool{}
	for i, v := range l.VLANs {
		vat := fmt.Sprintf("%s.vlans[%d]", at, i)
		if ids[v.ID] {
			ps = append(ps, emitters.Problem{Path: vat + ".id", Msg: fmt.Sprintf("VLAN %d is on the link twice", v.ID), Fix: "merge the two"})
		}
		ids[v.ID] = true
		if name := vlanName(l.Name, v.ID); l.Name != "" && len(name) > 15 {
			ps = append(ps, emitters.Problem{Path: vat + ".id", Msg: fmt.Sprintf("the VLAN's link name %s is longer than the 15 characters Linux takes", name), Fix: "give the parent link a shorter name"})
		}
	}
	return ps
}

// volumeProblems checks that user volume names are unique (each names its
// partition, u-<name>, and mount point, /var/mnt/<name>) and that Talos
// takes each volume as written.
func volumeProblems(n model.Node, c *config.VersionContract, version string) emitters.Problems {
	var ps emitters.Problems
	seen := map[string]bool{}
	for i, v := range n.Volumes {
		at := fmt.Sprintf("nodes.%s.volumes[%d]", n.Name, i)
		if seen[v.Name] {
			ps = append(ps, emitters.Problem{Path: at + ".name", Msg: fmt.Sprintf("volume %s is defined twice", v.Name), Fix: "give each volume its own name"})
		}
		seen[v.Name] = true
		if c == nil {
			continue
		}
		if _, pr := userVolumeDoc(at, v, c, version); pr != nil {
			ps = append(ps, *pr)
		}
	}
	return ps
}
