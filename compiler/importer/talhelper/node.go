package talhelper

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"cuelang.org/go/cue/ast"
	"gopkg.in/yaml.v3"

	"github.com/hogen-dev/hogen/compiler/importer"
)

// excludeLB is the label Talos gives control planes.
const excludeLB = "node.kubernetes.io/exclude-from-external-load-balancers"

var hostnameRE = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

// role is a controlPlane: or worker: section: node fields that apply to
// every node of the role that does not set them, and patches applied
// before each node's own.
type role struct {
	obj *importer.Obj // nil when absent
	// target is the hogen role name ("controlplane", "worker").
	target  string
	patches []patch
	// overridden is set when a node of the role gives overridePatches,
	// so the role's patches cannot be shared.
	overridden bool
}

// node is one entry of nodes: as it is being imported.
type node struct {
	importer.Node
	obj  *importer.Obj
	role *role
	at   string
	net  netPlan
	// nameservers are the node's own, made cluster-wide when every node
	// gives the same.
	nameservers []string
	// fields are the patches made from node fields, before user patches.
	fields []fieldPatch
	// patches are the node's own user patches.
	patches         []patch
	overridePatches bool
}

// fieldPatch is a patch made from a node field; fromRole when the field
// came from the role section, so it may be shared by the role.
type fieldPatch struct {
	expr     ast.Expr
	fromRole bool
}

// src is the mapping holding key for n: the node's entry if it sets key,
// else the role section's (talhelper's override rule), with the TODOs of
// the role's fields going to the node.
func (n *node) src(key string) (o *importer.Obj, fromRole bool) {
	if n.obj.Raw(key) == nil && n.role.obj != nil && n.role.obj.Has(key) && n.role.obj.Raw(key) != nil {
		return n.role.obj.At(n.at + ".patches"), true
	}
	return n.obj, false
}

// add records a patch made from a node field.
func (n *node) add(e ast.Expr, fromRole bool) {
	if e != nil {
		n.fields = append(n.fields, fieldPatch{expr: e, fromRole: fromRole})
	}
}

func (im *imp) nodes(root *importer.Obj) ([]*node, error) {
	list, err := root.Objs("nodes")
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, fmt.Errorf("%s: no nodes: a talconfig.yaml lists its nodes under `nodes:`", im.file)
	}
	roles := map[bool]*role{}
	for _, r := range []struct {
		key, target string
		cp          bool
	}{{"controlPlane", "controlplane", true}, {"worker", "worker", false}} {
		o, err := root.Obj(r.key)
		if err != nil {
			return nil, err
		}
		rs := &role{obj: o, target: r.target}
		if o != nil {
			if rs.patches, err = im.patches(o.At("cluster.patches." + r.target)); err != nil {
				return nil, err
			}
		}
		roles[r.cp] = rs
	}
	var out []*node
	for _, o := range list {
		n, err := im.node(o, roles)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	for _, r := range roles {
		if r.obj != nil {
			im.roleDone(r, out)
		}
	}
	return out, nil
}

// roleDone warns about the role's fields no node used: each node of the
// role sets its own (talhelper ignores the role's then too), or hogen has
// no equivalent.
func (im *imp) roleDone(r *role, nodes []*node) {
	r.obj.At("cluster.patches." + r.target)
	for _, k := range r.obj.Unread() {
		for _, n := range nodes {
			if n.role == r && n.obj.Has(k) {
				r.obj.Raw(k)
				r.obj.Warn(k, "not imported: every %s node sets its own, which talhelper uses instead", r.target)
				break
			}
		}
	}
	r.obj.Done()
}

// node reads one entry of nodes:, with its role's defaults.
func (im *imp) node(o *importer.Obj, roles map[bool]*role) (*node, error) {
	name, err := o.String("hostname")
	if err != nil {
		return nil, err
	}
	if !hostnameRE.MatchString(name) || len(name) > 63 {
		return nil, fmt.Errorf("%s:%d: %s: hostname %q is not a DNS label (lower case letters, digits, -): hogen names nodes by it", im.file, o.Line(), o.Field("hostname"), name)
	}
	n := &node{obj: o, at: "nodes." + name}
	o.At(n.at)
	n.Name = name
	if err := im.addresses(o, n); err != nil {
		return nil, err
	}
	cp, err := o.Bool("controlPlane")
	if err != nil {
		return nil, err
	}
	n.Role, n.role = "worker", roles[cp]
	if cp {
		n.Role = "controlplane"
	}
	// Each step's TODOs go to the output field it maps onto.
	for _, step := range []struct {
		run func(*node) error
		at  string
	}{
		{im.disk, "installDisk"}, {im.metadata, ""}, {im.ownPatches, "patches"}, {im.network, "patches"},
		{im.extras, "patches"}, {im.documents, "patches"}, {im.image, "schematic"},
	} {
		o.At(strings.TrimSuffix(n.at+"."+step.at, "."))
		if err := step.run(n); err != nil {
			return nil, err
		}
	}
	o.At(n.at).Done()
	return n, nil
}

// addresses reads ipAddress, which may list an IPv4 and an IPv6 address.
func (im *imp) addresses(o *importer.Obj, n *node) error {
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
func (im *imp) disk(n *node) error {
	o := n.obj
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
func (im *imp) metadata(n *node) error {
	var err error
	if n.Labels, err = stringMap(n, "nodeLabels"); err != nil {
		return err
	}
	labelsSrc, fromRole := n.src("nodeLabels")
	if _, kept := n.Labels[excludeLB]; labelsSrc.Raw("nodeLabels") != nil && n.Role == "controlplane" && !kept {
		// talhelper's nodeLabels replace the labels Talos gives a control
		// plane; hogen adds to them, so the one talhelper dropped is deleted.
		var del importer.Struct
		del.Set("$patch", ast.NewString("delete"))
		n.add(nest(del.Expr(), "machine", "nodeLabels", excludeLB), fromRole)
	}
	if n.Annotations, err = stringMap(n, "nodeAnnotations"); err != nil {
		return err
	}
	taints, err := stringMap(n, "nodeTaints")
	if err != nil {
		return err
	}
	for _, k := range sortedKeys(taints) {
		// talhelper writes a taint as key: value:Effect.
		value, effect, _ := strings.Cut(taints[k], ":")
		if effect == "" {
			value, effect = "", value
		}
		n.Taints = append(n.Taints, [3]string{k, value, effect})
	}
	return nil
}

// stringMap reads a mapping of strings; blocked values are left out.
func stringMap(n *node, key string) (map[string]string, error) {
	src, _ := n.src(key)
	m, err := src.Obj(key)
	if err != nil || m == nil {
		return nil, err
	}
	m.At(n.at + "." + map[string]string{"nodeLabels": "labels", "nodeAnnotations": "annotations", "nodeTaints": "taints"}[key])
	out := map[string]string{}
	for _, k := range m.Keys() {
		v := m.Take(k)
		if v == nil {
			continue
		}
		if v.Kind != yaml.ScalarNode {
			return nil, fmt.Errorf("%s:%d: %s: want a mapping of strings", m.File(), v.Line, m.Field(k))
		}
		out[k] = v.Value
	}
	return out, nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// ownPatches reads the node's patches; the role's come first unless
// overridePatches.
func (im *imp) ownPatches(n *node) error {
	var err error
	if n.overridePatches, err = n.obj.Bool("overridePatches"); err != nil {
		return err
	}
	if n.overridePatches {
		n.role.overridden = true
	}
	n.patches, err = im.patches(n.obj.At(n.at + ".patches"))
	n.obj.At(n.at)
	return err
}
