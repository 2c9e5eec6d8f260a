package clustertemplate

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"cuelang.org/go/cue/ast"
	"gopkg.in/yaml.v3"

	"github.com/hogen-dev/hogen/compiler/importer"
)

// template holds hogen's equivalents of the Talos patches cluster-template
// renders into talos/patches/ (global/ for every node, controller/ for
// control planes), less what hogen's typed fields already say.
//
//go:embed template
var template embed.FS

// patchFile is one patch file and where it applies.
type patchFile struct {
	name string // as messages give it
	data []byte
	// target is "all", "controlplane", "worker" or a node's name.
	target string
}

// readPatches reads the patches: the repository's rendered talos/patches
// directory (dir, nil when there is none), whose files are what the
// cluster runs, the template's own and the user's; a template file the
// directory lacks comes from hogen's equivalents.
func readPatches(dir fs.FS, dirName string, nodes []importer.Node, o *importer.Obj) ([]patchFile, error) {
	var out []patchFile
	have := map[string]bool{}
	if dir != nil {
		err := fs.WalkDir(dir, ".", func(p string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() || !(strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
				return err
			}
			sub, _, ok := strings.Cut(p, "/")
			target := targetOf(sub, nodes)
			if !ok || target == "" {
				o.Warn("", "%s not imported: talos/patches/ holds global/, controller/, worker/ and one directory per node, and %q is none of them", path.Join(dirName, p), sub)
				return nil
			}
			b, err := fs.ReadFile(dir, p)
			if err != nil {
				return err
			}
			have[p] = true
			out = append(out, patchFile{name: path.Join(dirName, p), data: b, target: target})
			return nil
		})
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("reading %s: %w", dirName, err)
		}
	}
	err := fs.WalkDir(template, "template", func(p string, e fs.DirEntry, err error) error {
		rel := strings.TrimPrefix(p, "template/")
		if err != nil || e.IsDir() || have[rel] {
			return err
		}
		b, _ := template.ReadFile(p)
		sub, _, _ := strings.Cut(rel, "/")
		out = append(out, patchFile{name: "cluster-template's " + rel, data: b, target: targetOf(sub, nil)})
		return nil
	})
	slices.SortStableFunc(out, func(a, b patchFile) int { return strings.Compare(path.Base(a.name), path.Base(b.name)) })
	return out, err
}

func targetOf(dir string, nodes []importer.Node) string {
	switch dir {
	case "global":
		return "all"
	case "controller":
		return "controlplane"
	case "worker":
		return "worker"
	}
	for _, n := range nodes {
		if n.Name == dir {
			return n.Name
		}
	}
	return ""
}

// applyPatches adds the patch files to the cluster and nodes. What a patch
// sets that a hogen field already says with the same value is left to the
// field (hogen writes it; lists would add up); the sysctls of global
// patches become cluster.sysctls.
func applyPatches(files []patchFile, subst func(string) (string, importer.Note), c *importer.Cluster, nodes []importer.Node, ws *importer.Warnings) error {
	for _, f := range files {
		docs, err := importer.ParseDocs(f.name, f.data, ws)
		if err != nil {
			return err
		}
		at := "cluster.patches." + f.target
		if !slices.Contains([]string{"all", "controlplane", "worker"}, f.target) {
			at = "nodes." + f.target + ".patches"
		}
		for _, d := range docs {
			d.Substitute(subst)
			if f.target == "all" {
				sysctls(d, c, at)
			}
			typed(d, c, at)
			e, err := d.Expr(prune(d.Root), "", at)
			if err != nil {
				return err
			}
			if e == nil || isEmpty(e) {
				continue
			}
			if i := slices.IndexFunc(nodes, func(n importer.Node) bool { return n.Name == f.target }); i >= 0 {
				nodes[i].Patches = append(nodes[i].Patches, e)
			} else {
				c.Patches[f.target] = append(c.Patches[f.target], e)
			}
		}
	}
	return nil
}

// sysctls moves machine.sysctls into cluster.sysctls.
func sysctls(d *importer.Doc, c *importer.Cluster, at string) {
	machine := child(d.Root, "machine")
	s := child(machine, "sysctls")
	if s == nil || s.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(s.Content); i += 2 {
		k, v := s.Content[i].Value, s.Content[i+1].Value
		if old, ok := c.Sysctls[k]; ok && old != v {
			d.Warn(s.Content[i], "machine.sysctls."+k, at, "set twice, to %q and %q: the later one is kept", old, v)
		}
		c.Sysctls[k] = v
	}
	remove(machine, "sysctls")
}

// typed removes the settings hogen's typed fields write, when the patch
// says the same; a different value stays, with a warning, since Talos adds
// the lists up.
func typed(d *importer.Doc, c *importer.Cluster, at string) {
	for _, t := range []struct {
		path []string
		want []string
	}{
		{[]string{"machine", "network", "nameservers"}, c.Nameservers},
		{[]string{"machine", "time", "servers"}, c.NTPServers},
		{[]string{"machine", "kubelet", "nodeIP", "validSubnets"}, []string{c.NodeCIDR}},
		{[]string{"cluster", "etcd", "advertisedSubnets"}, []string{c.NodeCIDR}},
		{[]string{"cluster", "proxy", "disabled"}, boolList(c.KubeProxy != nil && !*c.KubeProxy)},
		{[]string{"cluster", "allowSchedulingOnControlPlanes"}, boolList(c.ScheduleOnControlPlanes)},
	} {
		parent := d.Root
		for _, k := range t.path[:len(t.path)-1] {
			parent = child(parent, k)
		}
		v := child(parent, t.path[len(t.path)-1])
		if v == nil {
			continue
		}
		if slices.Equal(values(v), t.want) {
			remove(parent, t.path[len(t.path)-1])
			continue
		}
		d.Warn(v, strings.Join(t.path, "."), at, "differs from what hogen writes from cluster.cue (%s): both are applied; check which you want", strings.Join(t.want, ", "))
	}
}

func boolList(b bool) []string {
	if b {
		return []string{"true"}
	}
	return []string{"false"}
}

func values(n *yaml.Node) []string {
	if n.Kind == yaml.ScalarNode {
		return []string{n.Value}
	}
	var out []string
	for _, e := range n.Content {
		out = append(out, e.Value)
	}
	return out
}

func child(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func remove(n *yaml.Node, key string) {
	for i := 0; n != nil && i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			n.Content = slices.Delete(n.Content, i, i+2)
			return
		}
	}
}

// prune removes mappings left empty by the removals, so a patch does not
// set a section to nothing.
func prune(n *yaml.Node) *yaml.Node {
	if n.Kind != yaml.MappingNode {
		return n
	}
	for i := 0; i+1 < len(n.Content); {
		v := prune(n.Content[i+1])
		if v.Kind == yaml.MappingNode && len(v.Content) == 0 && v.Style&yaml.FlowStyle == 0 {
			n.Content = slices.Delete(n.Content, i, i+2)
			continue
		}
		i += 2
	}
	return n
}

func isEmpty(e ast.Expr) bool {
	s, ok := e.(*ast.StructLit)
	return ok && len(s.Elts) == 0
}
