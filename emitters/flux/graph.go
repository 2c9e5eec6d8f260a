package flux

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/hogen-dev/hogen/compiler/model"
)

// Graph formats.
const (
	FormatMermaid = "mermaid"
	FormatDOT     = "dot"
)

// Graph draws the Flux dependency graph: a box per namespace, inside it a
// node per Flux Kustomization (an app with several has a box of its own),
// labelled with its releases and Components, and an edge from each
// dependency to the Kustomization that waits for it, so arrows point the
// way Flux installs. Mermaid renders in GitHub pull requests; DOT is for
// Graphviz. The output is stable: Kustomizations in install order,
// namespaces by name.
func Graph(d *model.Description, format string) ([]byte, error) {
	if _, err := Order(d.Apps); err != nil {
		return nil, err
	}
	g := newGraph(d)
	var b bytes.Buffer
	switch format {
	case FormatMermaid:
		g.mermaid(&b)
	case FormatDOT:
		g.dot(&b)
	default:
		return nil, fmt.Errorf("graph format %q: want %q or %q", format, FormatMermaid, FormatDOT)
	}
	return b.Bytes(), nil
}

// graphNode is one Flux Kustomization.
type graphNode struct {
	app  *model.App
	k    *model.Kustomization
	rank int // its place in install order
	// receiver is set on the webhook's node.
	receiver *model.Receiver
}

type graph struct {
	namespaces []string
	apps       map[string][]*model.App // by namespace, in install order
	nodes      map[string]*graphNode   // by Kustomization name
	order      []*graphNode
}

func newGraph(d *model.Description) *graph {
	g := &graph{namespaces: d.Namespaces(), apps: map[string][]*model.App{}, nodes: map[string]*graphNode{}}
	for ai := range d.Apps {
		a := &d.Apps[ai]
		for ki := range a.Kustomizations {
			k := &a.Kustomizations[ki]
			g.nodes[k.Name] = &graphNode{app: a, k: k}
		}
	}
	g.addReceiver(d)
	g.order = installOrder(g.nodes)
	seen := map[string]bool{}
	for i, n := range g.order {
		n.rank = i
		if !seen[n.app.Name] {
			seen[n.app.Name] = true
			g.apps[n.app.Namespace] = append(g.apps[n.app.Namespace], n.app)
		}
	}
	return g
}

// installOrder sorts the Kustomizations so each comes after what it
// depends on; among those free to go, names decide.
func installOrder(nodes map[string]*graphNode) []*graphNode {
	done := map[string]bool{}
	var out []*graphNode
	for len(out) < len(nodes) {
		var ready []string
		for name, n := range nodes {
			if !done[name] && slices.IndexFunc(n.k.DependsOn, func(dep model.Dependency) bool {
				return nodes[dep.Name] != nil && !done[dep.Name] && dep.Name != name
			}) < 0 {
				ready = append(ready, name)
			}
		}
		if len(ready) == 0 {
			break // a cycle; Order reported it
		}
		slices.Sort(ready)
		done[ready[0]] = true
		out = append(out, nodes[ready[0]])
	}
	return out
}

// bootstrapped tells whether the helmfile installs the Kustomization's
// releases before Flux.
func (n *graphNode) bootstrapped() bool { return n.app.Bootstrap && len(n.k.Releases) > 0 }

// label is a node's text: its name, whether it is bootstrapped, and what
// it holds when that is more than the one release of its name.
func (n *graphNode) label(sep string, bootstrap bool) string {
	parts := []string{n.k.Name}
	if bootstrap && n.bootstrapped() {
		parts[0] += " (bootstrap)"
	}
	var rels []string
	for _, r := range n.k.Releases {
		rels = append(rels, r.Name)
	}
	if len(rels) > 1 || len(rels) == 1 && rels[0] != n.k.Name {
		parts = append(parts, "releases: "+strings.Join(rels, ", "))
	}
	if len(n.k.Components) > 0 {
		parts = append(parts, "components: "+strings.Join(n.k.Components, ", "))
	}
	if n.receiver != nil {
		parts = append(parts, fmt.Sprintf("Receiver %s (%s)", n.receiver.Name, n.receiver.Type))
	}
	return strings.Join(parts, sep)
}

// edges are the dependsOn edges, in install order of the dependent.
func (g *graph) edges(fn func(from, to string)) {
	for _, n := range g.order {
		var deps []string
		for _, dep := range n.k.DependsOn {
			if g.nodes[dep.Name] != nil {
				deps = append(deps, dep.Name)
			}
		}
		for _, dep := range sortedUniq(deps) {
			fn(dep, n.k.Name)
		}
	}
}

// mermaid writes a flowchart. Node ids are prefixed and keep only [a-z0-9_]
// because Mermaid reserves words like "end" and reads "-" in edges.
func (g *graph) mermaid(b *bytes.Buffer) {
	b.WriteString("flowchart LR\n")
	for _, ns := range g.namespaces {
		fmt.Fprintf(b, "  subgraph %s[%q]\n", mermaidID("ns", ns), ns)
		for _, a := range g.apps[ns] {
			indent := "    "
			if len(a.Kustomizations) > 1 {
				fmt.Fprintf(b, "    subgraph %s[%q]\n", mermaidID("app", a.Name), a.Name)
				indent += "  "
			}
			for _, n := range g.appNodes(a) {
				fmt.Fprintf(b, "%s%s[%q]\n", indent, mermaidID("ks", n.k.Name), n.label("<br>", true))
			}
			if len(a.Kustomizations) > 1 {
				b.WriteString("    end\n")
			}
		}
		b.WriteString("  end\n")
	}
	g.edges(func(from, to string) { fmt.Fprintf(b, "  %s --> %s\n", mermaidID("ks", from), mermaidID("ks", to)) })
}

// appNodes are an app's Kustomizations in install order.
func (g *graph) appNodes(a *model.App) []*graphNode {
	var out []*graphNode
	for i := range a.Kustomizations {
		out = append(out, g.nodes[a.Kustomizations[i].Name])
	}
	slices.SortFunc(out, func(x, y *graphNode) int { return x.rank - y.rank })
	return out
}

func mermaidID(kind, name string) string {
	return kind + "_" + strings.ReplaceAll(name, "-", "_")
}

// dot writes a Graphviz digraph with one cluster per namespace, and one
// per app of several Kustomizations.
func (g *graph) dot(b *bytes.Buffer) {
	b.WriteString("digraph flux {\n  rankdir=LR;\n  node [shape=box];\n")
	for _, ns := range g.namespaces {
		fmt.Fprintf(b, "  subgraph %s {\n    label=%s;\n", strconv.Quote("cluster_"+ns), strconv.Quote(ns))
		for _, a := range g.apps[ns] {
			indent := "    "
			if len(a.Kustomizations) > 1 {
				fmt.Fprintf(b, "    subgraph %s {\n      label=%s;\n", strconv.Quote("cluster_"+ns+"_"+a.Name), strconv.Quote(a.Name))
				indent += "  "
			}
			for _, n := range g.appNodes(a) {
				attrs := []string{}
				if l := n.label("\n", false); l != n.k.Name {
					attrs = append(attrs, "label="+strconv.Quote(l))
				}
				if n.bootstrapped() {
					attrs = append(attrs, "style=bold")
				}
				fmt.Fprintf(b, "%s%s%s;\n", indent, strconv.Quote(n.k.Name), dotAttrs(attrs))
			}
			if len(a.Kustomizations) > 1 {
				b.WriteString("    }\n")
			}
		}
		b.WriteString("  }\n")
	}
	g.edges(func(from, to string) { fmt.Fprintf(b, "  %s -> %s;\n", strconv.Quote(from), strconv.Quote(to)) })
	b.WriteString("}\n")
}

func dotAttrs(attrs []string) string {
	if len(attrs) == 0 {
		return ""
	}
	return " [" + strings.Join(attrs, ", ") + "]"
}

// addReceiver adds the webhook Receiver's Kustomization as a node in
// flux-system, with what it waits for.
func (g *graph) addReceiver(d *model.Description) {
	r := d.Cluster.Flux.Receiver
	if r == nil {
		return
	}
	a := &model.App{Name: ClusterWebhook, Namespace: Namespace,
		Kustomizations: []model.Kustomization{{Name: ClusterWebhook, Namespace: Namespace, DependsOn: r.DependsOn}}}
	g.nodes[ClusterWebhook] = &graphNode{app: a, k: &a.Kustomizations[0], receiver: r}
	if !slices.Contains(g.namespaces, Namespace) {
		g.namespaces = append(g.namespaces, Namespace)
		slices.Sort(g.namespaces)
	}
}
