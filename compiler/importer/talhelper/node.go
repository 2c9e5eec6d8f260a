package talhelper

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"cuelang.org/go/cue/ast"

	"github.com/hogen-dev/hogen/compiler/importer"
)

// placeholderLink names the link of a node whose input names none.
const placeholderLink = "eth0"

var (
	hostnameRE = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	// dnsNameRE is hogen's #DNSName: dot-separated hostname labels.
	dnsNameRE = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
)

// node reads one entry of nodes:.
func (im *imp) node(o *importer.Obj, roles map[string]*role) (importer.Node, error) {
	var n importer.Node
	name, err := o.String("hostname")
	if err != nil {
		return n, err
	}
	if !hostnameRE.MatchString(name) || len(name) > 63 {
		return n, fmt.Errorf("%s:%d: %s: hostname %q is not a DNS label (lower case letters, digits, -): hogen names nodes by it; talenv ${...} variables must be replaced first", im.file, o.Line(), o.Field("hostname"), name)
	}
	o.Scoped("nodes." + name)
	n.Name = name
	if err := im.addresses(o, &n); err != nil {
		return n, err
	}
	cp, err := o.Bool("controlPlane")
	if err != nil {
		return n, err
	}
	n.Role = "worker"
	roleKey := "worker"
	if cp {
		n.Role, roleKey = "controlplane", "controlPlane"
	}
	if err := im.disk(o, &n); err != nil {
		return n, err
	}
	if err := im.metadata(o, &n); err != nil {
		return n, err
	}
	if err := im.interfaces(o, &n); err != nil {
		return n, err
	}
	if n.InterfaceName == "" && n.MAC == "" {
		// hogen must know the link to put the address on; a placeholder
		// keeps the description valid, and the warning says to replace it.
		n.InterfaceName = placeholderLink
		o.Warn("", "no network interface given: interface.name is the placeholder %q; set the node's link name or MAC (talosctl get links -n %s --insecure)", placeholderLink, n.Address)
	}
	if err := im.nodeExtras(o, &n); err != nil {
		return n, err
	}
	if n.Schematic, err = schematic(o); err != nil {
		return n, err
	}
	if n.Schematic == nil {
		n.Schematic = roles[roleKey].schematic
	}
	if n.Patches, err = im.patches(o, n.Patches); err != nil {
		return n, err
	}
	o.Done()
	return n, nil
}

// addresses reads ipAddress, which may list an IPv4 and an IPv6 address.
func (im *imp) addresses(o *importer.Obj, n *importer.Node) error {
	ips, err := o.String("ipAddress")
	if err != nil {
		return err
	}
	for _, s := range strings.Split(ips, ",") {
		a, err := netip.ParseAddr(strings.TrimSpace(s))
		switch {
		case err != nil:
			return fmt.Errorf("%s:%d: %s: %q is not an IP address", im.file, o.Line(), o.Field("ipAddress"), s)
		case a.Is4() && n.Address == "":
			n.Address = a.String()
		case a.Is6() && n.Address6 == "":
			n.Address6 = a.String()
		default:
			o.Warn("ipAddress", "extra address %s not imported: hogen gives a node one IPv4 and one IPv6 address", a)
		}
	}
	if n.Address == "" {
		return fmt.Errorf("%s:%d: %s: hogen needs the node's IPv4 address", im.file, o.Line(), o.Field("ipAddress"))
	}
	return nil
}

// disk reads installDisk or installDiskSelector.
func (im *imp) disk(o *importer.Obj, n *importer.Node) error {
	var err error
	if n.DiskPath, err = o.String("installDisk"); err != nil {
		return err
	}
	sel, err := o.Obj("installDiskSelector")
	if err != nil || sel == nil {
		return err
	}
	for _, k := range []string{"size", "model", "serial", "modalias", "name", "type", "busPath", "wwid"} {
		v, err := sel.String(k)
		if err != nil {
			return err
		}
		if v != "" {
			n.DiskSelector = append(n.DiskSelector, [2]string{k, v})
		}
	}
	sel.Done()
	return nil
}

// metadata reads nodeLabels, nodeAnnotations and nodeTaints.
func (im *imp) metadata(o *importer.Obj, n *importer.Node) error {
	var err error
	if n.Labels, err = stringMap(o, "nodeLabels"); err != nil {
		return err
	}
	if n.Annotations, err = stringMap(o, "nodeAnnotations"); err != nil {
		return err
	}
	taints, err := stringMap(o, "nodeTaints")
	if err != nil {
		return err
	}
	keys := make([]string, 0, len(taints))
	for k := range taints {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		// talhelper writes a taint as key: value:Effect.
		value, effect, _ := strings.Cut(taints[k], ":")
		if effect == "" {
			value, effect = "", value
		}
		n.Taints = append(n.Taints, [3]string{k, value, effect})
	}
	return nil
}

func stringMap(o *importer.Obj, key string) (map[string]string, error) {
	v := o.Take(key)
	if v == nil {
		return nil, nil
	}
	m := map[string]string{}
	if err := v.Decode(&m); err != nil {
		return nil, fmt.Errorf("%s:%d: %s: want a mapping of strings: %w", o.File(), v.Line, o.Field(key), err)
	}
	return m, nil
}

// nodeExtras maps node fields hogen expresses as patches or cluster values.
func (im *imp) nodeExtras(o *importer.Obj, n *importer.Node) error {
	ns, err := o.Strings("nameservers")
	if err != nil {
		return err
	}
	if len(ns) > 0 {
		im.agree(o, "nameservers", &im.nameservers, strings.Join(ns, ","), n.Name)
	}
	sans, err := o.Strings("extraMachineCertSans")
	if err != nil {
		return err
	}
	if len(sans) > 0 {
		n.Patches = append(n.Patches, certSANsPatch(sans))
	}
	mods, err := o.Objs("kernelModules")
	if err != nil {
		return err
	}
	var names []string
	for _, m := range mods {
		name, err := m.String("name")
		if err != nil {
			return err
		}
		names = append(names, name)
		m.Done()
	}
	if len(names) > 0 {
		n.Patches = append(n.Patches, importer.KernelModulesPatch(names))
	}
	disable, err := o.Bool("disableSearchDomain")
	if err != nil {
		return err
	}
	if disable {
		n.Patches = append(n.Patches, disableSearchDomainPatch())
	}
	if o.Has("talosImageURL") {
		o.Take("talosImageURL")
		o.Warn("talosImageURL", "not imported: hogen builds the installer image from the schematic")
	}
	return nil
}

func disableSearchDomainPatch() ast.Expr {
	var network, machine, p importer.Struct
	network.Set("disableSearchDomain", ast.NewBool(true))
	machine.Set("network", network.Expr())
	p.Set("machine", machine.Expr())
	return p.Expr()
}

// agree records a cluster-wide value a node gives, warning when nodes differ.
// seen maps the value to whose it was ("node k8s-0's"); it never holds more
// than the first value.
func (im *imp) agree(o *importer.Obj, key string, seen *map[string]string, value, node string) {
	if *seen == nil {
		*seen = map[string]string{}
	}
	for v, first := range *seen {
		if v != value {
			o.Warn(key, "differs from %s: hogen keeps one value for the cluster (%s); set this node's with a patch", first, first)
			return
		}
	}
	(*seen)[value] = "node " + node + "'s"
}
