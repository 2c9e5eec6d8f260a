package flux

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/hogen-dev/hogen/compiler/model"
)

// Graph formats.
const (
	FormatMermaid = "mermaid"
	FormatDOT     = "dot"
)

// Graph draws the Flux dependency graph: one box per namespace holding its
// apps' Kustomizations, and an edge from each dependency to the app that
// waits for it, so arrows point the way Flux installs. Mermaid renders in
// GitHub pull requests; DOT is for Graphviz. The output is stable: apps in
// install order, namespaces by name.
func Graph(d *model.Description, format string) ([]byte, error) {
	order, err := Order(d.Apps)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	switch format {
	case FormatMermaid:
		mermaid(&b, d, order)
	case FormatDOT:
		dot(&b, d, order)
	default:
		return nil, fmt.Errorf("graph format %q: want %q or %q", format, FormatMermaid, FormatDOT)
	}
	return b.Bytes(), nil
}

// byNamespace groups the ordered apps by namespace, namespaces sorted.
func byNamespace(d *model.Description, order []model.App) ([]string, map[string][]model.App) {
	groups := map[string][]model.App{}
	for _, a := range order {
		groups[a.Namespace] = append(groups[a.Namespace], a)
	}
	return d.Namespaces(), groups
}

// mermaid writes a flowchart. Node ids are prefixed and keep only [a-z0-9_]
// because Mermaid reserves words like "end" and reads "-" in edges.
func mermaid(b *bytes.Buffer, d *model.Description, order []model.App) {
	b.WriteString("flowchart LR\n")
	nss, groups := byNamespace(d, order)
	for _, ns := range nss {
		fmt.Fprintf(b, "  subgraph %s[%q]\n", mermaidID("ns", ns), ns)
		for _, a := range groups[ns] {
			label := a.Name
			if a.Bootstrap {
				label += " (bootstrap)"
			}
			fmt.Fprintf(b, "    %s[%q]\n", mermaidID("app", a.Name), label)
		}
		b.WriteString("  end\n")
	}
	for _, a := range order {
		for _, dep := range sortedUniq(a.DependsOn) {
			fmt.Fprintf(b, "  %s --> %s\n", mermaidID("app", dep), mermaidID("app", a.Name))
		}
	}
}

func mermaidID(kind, name string) string {
	return kind + "_" + strings.ReplaceAll(name, "-", "_")
}

// dot writes a Graphviz digraph with one cluster per namespace.
func dot(b *bytes.Buffer, d *model.Description, order []model.App) {
	b.WriteString("digraph flux {\n  rankdir=LR;\n  node [shape=box];\n")
	nss, groups := byNamespace(d, order)
	for _, ns := range nss {
		fmt.Fprintf(b, "  subgraph %s {\n    label=%s;\n", strconv.Quote("cluster_"+ns), strconv.Quote(ns))
		for _, a := range groups[ns] {
			attrs := ""
			if a.Bootstrap {
				attrs = " [style=bold]"
			}
			fmt.Fprintf(b, "    %s%s;\n", strconv.Quote(a.Name), attrs)
		}
		b.WriteString("  }\n")
	}
	for _, a := range order {
		for _, dep := range sortedUniq(a.DependsOn) {
			fmt.Fprintf(b, "  %s -> %s;\n", strconv.Quote(dep), strconv.Quote(a.Name))
		}
	}
	b.WriteString("}\n")
}
