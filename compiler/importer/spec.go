package importer

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"cuelang.org/go/cue/ast"
)

// Cluster is what an importer found for cluster.cue, before it is written.
// Zero values are left out of the output, so hogen's defaults apply.
type Cluster struct {
	Name, Domain                    string
	TalosVersion, KubernetesVersion string
	Schematic                       *Schematic
	Endpoint                        string
	Port                            int
	VIP                             string
	CertSANs                        []string
	NodeCIDR, NodeCIDR6             string
	Gateway, Gateway6               string
	Nameservers, NTPServers         []string
	MTU, VLAN                       int
	Pods, Services                  []string
	CNI                             string
	KubeProxy                       *bool
	ScheduleOnControlPlanes         bool
	DiskEncryptionTPM               bool
	Patches                         map[string][]ast.Expr // "all", "controlplane", "worker"
	Sysctls                         map[string]string
	FluxURL, FluxBranch             string
	Settings                        map[string]string
	AgeRecipients                   []string
}

// Schematic is an Image Factory schematic.
type Schematic struct {
	Extensions, ExtraKernelArgs []string
}

// Equal tells whether two schematics are the same (nil is empty).
func (s *Schematic) Equal(o *Schematic) bool {
	var a, b Schematic
	if s != nil {
		a = *s
	}
	if o != nil {
		b = *o
	}
	return slices.Equal(a.Extensions, b.Extensions) && slices.Equal(a.ExtraKernelArgs, b.ExtraKernelArgs)
}

// Node is what an importer found for one node.
type Node struct {
	Name, Role, Address, Address6 string
	InterfaceName, MAC            string
	// Links, Volumes: node.links and node.volumes, as CUE.
	Links, Volumes []ast.Expr
	// Nameservers are the node's own (node.nameservers).
	Nameservers         []string
	DiskPath            string
	DiskSelector        [][2]string // key, value in schema order
	Labels, Annotations map[string]string
	Taints              [][3]string // key, value, effect
	Patches             []ast.Expr
	Schematic           *Schematic
}

// Build writes cluster.cue and nodes.cue for c and nodes, with the TODO
// comments of ws.
func Build(opts Options, c Cluster, nodes []Node, ws *Warnings) (*Result, error) {
	pkg := opts.Package
	if pkg == "" {
		pkg = "cluster"
	}
	if !ast.IsValidIdent(pkg) || strings.HasPrefix(pkg, "#") || strings.HasPrefix(pkg, "_") {
		return nil, fmt.Errorf("package %q is not a CUE identifier: use letters, digits and _", pkg)
	}
	cluster := TopField("cluster", clusterExpr(c))
	var ns Struct
	for _, n := range nodes {
		ns.Set(n.Name, nodeExpr(n))
	}
	nodesField := TopField("nodes", ns.Expr())
	todos := map[*ast.Field][]string{}
	var order []*ast.Field
	for _, w := range ws.List() {
		top := cluster
		if strings.HasPrefix(w.At, "nodes.") {
			top = nodesField
		}
		f := deepest(top, strings.Split(w.At, ".")[1:])
		if todos[f] == nil {
			order = append(order, f)
		}
		todos[f] = append(todos[f], w.Todo())
	}
	for _, f := range order {
		Comment(f, todos[f]...)
	}
	clusterCUE, err := File(pkg, nil, cluster)
	if err != nil {
		return nil, err
	}
	nodesCUE, err := File(pkg, nil, nodesField)
	if err != nil {
		return nil, err
	}
	return &Result{
		Files:    map[string][]byte{"cluster.cue": clusterCUE, "nodes.cue": nodesCUE},
		Warnings: ws.List(),
	}, nil
}

func clusterExpr(c Cluster) ast.Expr {
	var s Struct
	s.Set("name", ast.NewString(c.Name))
	s.SetIf("domain", Str(c.Domain))
	var talos Struct
	Comment(talos.Set("version", ast.NewString(c.TalosVersion)), "renovate: datasource=github-releases depName=siderolabs/talos")
	if c.Schematic != nil {
		talos.Set("schematic", schematicExpr(c.Schematic))
	}
	s.Set("talos", talos.Expr())
	var k8s Struct
	Comment(k8s.Set("version", ast.NewString(c.KubernetesVersion)), "renovate: datasource=github-releases depName=kubernetes/kubernetes")
	s.Set("kubernetes", k8s.Expr())
	var api Struct
	api.Set("endpoint", ast.NewString(c.Endpoint))
	if c.Port != 0 && c.Port != 6443 {
		api.Set("port", Int(c.Port))
	}
	api.SetIf("vip", Str(c.VIP))
	api.SetIf("certSANs", Strs(c.CertSANs))
	s.Set("api", api.Expr())
	s.Set("network", networkExpr(c))
	if c.ScheduleOnControlPlanes {
		s.Set("scheduleOnControlPlanes", ast.NewBool(true))
	}
	if c.DiskEncryptionTPM {
		tpm := func() ast.Expr {
			var p Struct
			p.Set("keys", Strs([]string{"tpm"}))
			return p.Expr()
		}
		var de Struct
		de.Set("state", tpm())
		de.Set("ephemeral", tpm())
		s.Set("diskEncryption", de.Expr())
	}
	s.SetIf("sysctls", stringMap(c.Sysctls))
	s.SetIf("patches", patchesExpr(c.Patches))
	if len(c.Settings) > 0 {
		var settings Struct
		for _, k := range sortedKeys(c.Settings) {
			settings.Set(k, ast.NewString(c.Settings[k]))
		}
		var subs Struct
		subs.Set("settings", settings.Expr())
		s.Set("substitutions", subs.Expr())
	}
	var src Struct
	src.Set("url", ast.NewString(c.FluxURL))
	src.SetIf("branch", Str(c.FluxBranch))
	var flux Struct
	flux.Set("source", src.Expr())
	s.Set("flux", flux.Expr())
	if len(c.AgeRecipients) > 0 {
		var sops Struct
		sops.Set("ageRecipients", Strs(c.AgeRecipients))
		s.Set("sops", sops.Expr())
	}
	return s.Expr()
}

func patchesExpr(ps map[string][]ast.Expr) ast.Expr {
	var patches Struct
	for _, role := range []string{"all", "controlplane", "worker"} {
		if l := ps[role]; len(l) > 0 {
			patches.Set(role, List(l...))
		}
	}
	if patches.Len() == 0 {
		return nil
	}
	return patches.Expr()
}

func networkExpr(c Cluster) ast.Expr {
	var node Struct
	node.Set("cidr", ast.NewString(c.NodeCIDR))
	node.SetIf("cidr6", Str(c.NodeCIDR6))
	node.SetIf("gateway", Str(c.Gateway))
	node.SetIf("gateway6", Str(c.Gateway6))
	node.SetIf("nameservers", Strs(c.Nameservers))
	node.SetIf("ntpServers", Strs(c.NTPServers))
	if c.MTU != 0 && c.MTU != 1500 {
		node.Set("mtu", Int(c.MTU))
	}
	node.SetIf("vlan", Int(c.VLAN))
	var net Struct
	net.Set("node", node.Expr())
	net.SetIf("pods", Strs(c.Pods))
	net.SetIf("services", Strs(c.Services))
	net.SetIf("cni", Str(c.CNI))
	if c.KubeProxy != nil {
		net.Set("kubeProxy", ast.NewBool(*c.KubeProxy))
	}
	return net.Expr()
}

func schematicExpr(sc *Schematic) ast.Expr {
	var s Struct
	s.SetIf("extensions", Strs(sc.Extensions))
	s.SetIf("extraKernelArgs", Strs(sc.ExtraKernelArgs))
	return s.Expr()
}

func nodeExpr(n Node) ast.Expr {
	var s Struct
	s.Set("role", ast.NewString(n.Role))
	s.Set("address", ast.NewString(n.Address))
	s.SetIf("address6", Str(n.Address6))
	if n.InterfaceName != "" || n.MAC != "" {
		var i Struct
		i.SetIf("name", Str(n.InterfaceName))
		i.SetIf("mac", Str(n.MAC))
		s.Set("interface", i.Expr())
	}
	if len(n.Links) > 0 {
		s.Set("links", List(n.Links...))
	}
	s.SetIf("nameservers", Strs(n.Nameservers))
	var disk Struct
	disk.SetIf("path", Str(n.DiskPath))
	if len(n.DiskSelector) > 0 {
		var sel Struct
		for _, kv := range n.DiskSelector {
			sel.Set(kv[0], ast.NewString(kv[1]))
		}
		disk.Set("selector", sel.Expr())
	}
	if disk.Len() > 0 {
		s.Set("installDisk", disk.Expr())
	}
	if len(n.Volumes) > 0 {
		s.Set("volumes", List(n.Volumes...))
	}
	s.SetIf("labels", stringMap(n.Labels))
	s.SetIf("annotations", stringMap(n.Annotations))
	if len(n.Taints) > 0 {
		var ts []ast.Expr
		for _, t := range n.Taints {
			var ta Struct
			ta.Set("key", ast.NewString(t[0]))
			ta.SetIf("value", Str(t[1]))
			ta.Set("effect", ast.NewString(t[2]))
			ts = append(ts, ta.Expr())
		}
		s.Set("taints", List(ts...))
	}
	if len(n.Patches) > 0 {
		s.Set("patches", List(n.Patches...))
	}
	if n.Schematic != nil {
		s.Set("schematic", schematicExpr(n.Schematic))
	}
	return s.Expr()
}

func stringMap(m map[string]string) ast.Expr {
	if len(m) == 0 {
		return nil
	}
	var s Struct
	for _, k := range sortedKeys(m) {
		s.Set(k, ast.NewString(m[k]))
	}
	return s.Expr()
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Network returns the network prefix of addr/bits, or "" if it is not one.
func Network(cidr string) string {
	p, err := netip.ParsePrefix(strings.TrimSpace(cidr))
	if err != nil {
		return ""
	}
	return p.Masked().String()
}

// FirstHost returns the first address of a network (the usual gateway).
func FirstHost(cidr string) string {
	p, err := netip.ParsePrefix(cidr)
	if err != nil {
		return ""
	}
	return p.Masked().Addr().Next().String()
}

// Contains tells whether cidr contains addr.
func Contains(cidr, addr string) bool {
	p, err1 := netip.ParsePrefix(cidr)
	a, err2 := netip.ParseAddr(addr)
	return err1 == nil && err2 == nil && p.Contains(a)
}

// VersionV returns v with a leading "v".
func VersionV(v string) string {
	if v == "" || strings.HasPrefix(v, "v") {
		return v
	}
	return "v" + v
}
