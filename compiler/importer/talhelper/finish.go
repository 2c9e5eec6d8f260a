package talhelper

import (
	"slices"
	"strconv"
	"strings"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/format"
	"gopkg.in/yaml.v3"

	"github.com/hogen-dev/hogen/compiler/importer"
)

// finish decides what is shared (network, schematic, role patches) and
// puts each node's patches in order: those made from its fields, then its
// role's patches when they cannot be the role's, then its own.
func (im *imp) finish(root *importer.Obj, nodes []*node) error {
	if err := im.finishNetwork(root, nodes); err != nil {
		return err
	}
	im.fluxURL(root)
	im.shareSchematic(nodes)
	for _, r := range im.roles(nodes) {
		im.shareFields(r, nodes)
		if !r.overridden {
			if err := im.addPatches(&im.c.Patches, r.target, r.patches); err != nil {
				return err
			}
		}
	}
	for _, n := range nodes {
		for _, f := range n.fields {
			n.Patches = append(n.Patches, f.expr)
		}
		own := n.patches
		if n.role.overridden && !n.overridePatches {
			own = append(slices.Clone(n.role.patches), own...)
		}
		for _, p := range own {
			e, err := p.expr()
			if err != nil {
				return err
			}
			if e != nil {
				n.Patches = append(n.Patches, e)
			}
		}
	}
	return nil
}

func (im *imp) addPatches(into *map[string][]ast.Expr, target string, ps []patch) error {
	for _, p := range ps {
		e, err := p.expr()
		if err != nil {
			return err
		}
		if e != nil {
			(*into)[target] = append((*into)[target], e)
		}
	}
	return nil
}

// roles are the role sections, in a fixed order.
func (im *imp) roles(nodes []*node) []*role {
	var out []*role
	for _, n := range nodes {
		if !slices.Contains(out, n.role) {
			out = append(out, n.role)
		}
	}
	slices.SortFunc(out, func(a, b *role) int { return strings.Compare(a.target, b.target) })
	return out
}

// shareFields moves a patch made from a role's field to the role when every
// node of the role uses it, so it is written once.
func (im *imp) shareFields(r *role, nodes []*node) {
	var members []*node
	for _, n := range nodes {
		if n.role == r {
			members = append(members, n)
		}
	}
	for _, f := range slices.Clone(members[0].fields) {
		if !f.fromRole {
			continue
		}
		text := exprText(f.expr)
		all := true
		for _, m := range members[1:] {
			all = all && slices.ContainsFunc(m.fields, func(g fieldPatch) bool { return g.fromRole && exprText(g.expr) == text })
		}
		if !all {
			continue
		}
		im.c.Patches[r.target] = append(im.c.Patches[r.target], f.expr)
		for _, m := range members {
			m.fields = slices.DeleteFunc(m.fields, func(g fieldPatch) bool { return g.fromRole && exprText(g.expr) == text })
		}
	}
}

func exprText(e ast.Expr) string {
	b, _ := format.Node(e)
	return string(b)
}

// shareSchematic puts a schematic every node has on the cluster.
func (im *imp) shareSchematic(nodes []*node) {
	common := nodes[0].Schematic
	for _, n := range nodes {
		if !n.Schematic.Equal(common) {
			return
		}
	}
	if common != nil {
		im.c.Schematic = common
		for _, n := range nodes {
			n.Schematic = nil
		}
	}
}

func (im *imp) fluxURL(root *importer.Obj) {
	im.c.FluxURL = im.opts.FluxURL
	if im.c.FluxURL == "" {
		im.c.FluxURL = "https://github.com/OWNER/REPO"
		root.At("cluster.flux").Warn("", "talhelper does not know the Git repository Flux syncs from: cluster.flux.source.url is a placeholder; set it (or pass --flux-url)")
		root.At("cluster")
	}
}

func nodeList(nodes []*node) []importer.Node {
	out := make([]importer.Node, len(nodes))
	for i, n := range nodes {
		out[i] = n.Node
	}
	return out
}

// contentOf is n's children, none for nil.
func contentOf(n *yaml.Node) []*yaml.Node {
	if n == nil {
		return nil
	}
	return n.Content
}

func itoa(i int) string {
	if i == 0 {
		return ""
	}
	return strconv.Itoa(i)
}

func atoi(s string) int {
	i, _ := strconv.Atoi(s)
	return i
}
