// Package talhelper imports a talhelper talconfig.yaml into a hogen
// description (cluster.cue and nodes.cue).
//
// What maps: cluster name, versions, endpoint, domain, pod and service
// networks, CNI, scheduling on control planes, API and machine cert SANs,
// patches (inline, or @file read beside talconfig.yaml), per-role patches
// and schematics, and per node: hostname, addresses, role, install disk or
// selector, labels, annotations, taints, the first network interface
// (name or MAC, MTU, VIP, default route, VLAN-free static IPv4 and IPv6
// addresses and their networks),
// nameservers, schematic, kernel modules and extra cert SANs (as patches).
// Everything else is reported as a warning and a TODO(import) comment.
package talhelper

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"path"
	"strconv"
	"strings"

	"cuelang.org/go/cue/ast"
	"gopkg.in/yaml.v3"

	"github.com/hogen-dev/hogen/compiler/importer"
)

// Import reads talconfig.yaml (src, named file in messages); fsys holds the
// files its "@" patches name, relative to talconfig.yaml's directory (nil:
// such patches are reported and left out).
func Import(file string, src []byte, fsys fs.FS, opts importer.Options) (*importer.Result, error) {
	ws := &importer.Warnings{}
	root, err := importer.ParseObj(file, src, ws)
	if err != nil {
		return nil, err
	}
	im := &imp{file: file, fsys: fsys, opts: opts, ws: ws, c: importer.Cluster{Patches: map[string][]ast.Expr{}}}
	if err := im.cluster(root); err != nil {
		return nil, err
	}
	nodes, err := root.Objs("nodes")
	if err != nil {
		return nil, err
	}
	if len(nodes) == 0 {
		return nil, fmt.Errorf("%s: no nodes: a talconfig.yaml lists its nodes under `nodes:`", file)
	}
	roles := map[string]*role{}
	for _, r := range []string{"controlPlane", "worker"} {
		if roles[r], err = im.role(root, r); err != nil {
			return nil, err
		}
	}
	root.Done()
	var out []importer.Node
	for _, n := range nodes {
		node, err := im.node(n, roles)
		if err != nil {
			return nil, err
		}
		out = append(out, node)
	}
	im.finish(root, nodes, out)
	return importer.Build(opts, im.c, out, ws)
}

type imp struct {
	file string
	fsys fs.FS
	opts importer.Options
	ws   *importer.Warnings
	c    importer.Cluster
	// seen are cluster-wide values nodes gave, to detect disagreement.
	mtus, gateways, vips, nameservers map[string]string // value -> whose (see agree)
	cidrs, cidr6s                     map[string]string
}

// role is a controlPlane: or worker: section.
type role struct {
	schematic *importer.Schematic
}

func (im *imp) cluster(root *importer.Obj) error {
	var err error
	c := &im.c
	get := func(key string) string {
		if err != nil {
			return ""
		}
		var s string
		s, err = root.String(key)
		return s
	}
	c.Name = get("clusterName")
	c.TalosVersion = importer.VersionV(get("talosVersion"))
	c.KubernetesVersion = importer.VersionV(get("kubernetesVersion"))
	endpoint := get("endpoint")
	c.Domain = get("domain")
	if err != nil {
		return err
	}
	if c.Name == "" {
		return fmt.Errorf("%s: clusterName is missing", im.file)
	}
	if err := im.endpoint(root, endpoint); err != nil {
		return err
	}
	im.versions(root)
	for _, key := range []string{"allowSchedulingOnControlPlanes", "allowSchedulingOnMasters"} {
		b, err := root.Bool(key)
		if err != nil {
			return err
		}
		c.ScheduleOnControlPlanes = c.ScheduleOnControlPlanes || b
	}
	if c.CertSANs, err = root.Strings("additionalApiServerCertSans"); err != nil {
		return err
	}
	machineSANs, err := root.Strings("additionalMachineCertSans")
	if err != nil {
		return err
	}
	if len(machineSANs) > 0 {
		c.Patches["all"] = append(c.Patches["all"], certSANsPatch(machineSANs))
	}
	if c.Pods, err = root.Strings("clusterPodNets"); err != nil {
		return err
	}
	if c.Services, err = root.Strings("clusterSvcNets"); err != nil {
		return err
	}
	if err := im.cni(root); err != nil {
		return err
	}
	c.Patches["all"], err = im.patches(root, c.Patches["all"])
	return err
}

func (im *imp) endpoint(root *importer.Obj, endpoint string) error {
	u, err := url.Parse(endpoint)
	if endpoint == "" || err != nil || u.Hostname() == "" {
		return fmt.Errorf("%s: endpoint %q is not a URL like https://192.168.1.10:6443", im.file, endpoint)
	}
	im.c.Endpoint = u.Hostname()
	if p := u.Port(); p != "" {
		im.c.Port, _ = strconv.Atoi(p)
	}
	return nil
}

// versions fills what the input lacks from the options or the defaults.
func (im *imp) versions(root *importer.Obj) {
	c := &im.c
	if v := im.opts.TalosVersion; v != "" {
		c.TalosVersion = importer.VersionV(v)
	} else if c.TalosVersion == "" {
		c.TalosVersion = importer.DefaultTalosVersion
		root.Warn("talosVersion", "not given: set to %s; check it is what your nodes run (or pass --talos-version)", c.TalosVersion)
	}
	if v := im.opts.KubernetesVersion; v != "" {
		c.KubernetesVersion = importer.VersionV(v)
	} else if c.KubernetesVersion == "" {
		c.KubernetesVersion = importer.DefaultKubernetesVersion
		root.Warn("kubernetesVersion", "not given: set to %s; check it is what your cluster runs (or pass --kubernetes-version)", c.KubernetesVersion)
	}
}

func (im *imp) cni(root *importer.Obj) error {
	cni, err := root.Obj("cniConfig")
	if err != nil || cni == nil {
		return err
	}
	name, err := cni.String("name")
	if err != nil {
		return err
	}
	switch name {
	case "none", "flannel":
		im.c.CNI = name
	case "custom":
		im.c.CNI = "none"
		cni.Warn("name", "custom CNI: set to \"none\"; install your CNI as a bootstrap app instead of cniConfig.urls")
		cni.Take("urls")
	default:
		cni.Warn("name", "unknown CNI %q: left at hogen's default (flannel)", name)
	}
	cni.Done()
	return nil
}

func certSANsPatch(sans []string) ast.Expr {
	var machine, p importer.Struct
	machine.Set("certSANs", importer.Strs(sans))
	p.Set("machine", machine.Expr())
	return p.Expr()
}

// role reads a controlPlane: or worker: section.
func (im *imp) role(root *importer.Obj, key string) (*role, error) {
	o, err := root.Obj(key)
	if err != nil || o == nil {
		return &role{}, err
	}
	target := map[string]string{"controlPlane": "controlplane", "worker": "worker"}[key]
	if im.c.Patches[target], err = im.patches(o, im.c.Patches[target]); err != nil {
		return nil, err
	}
	r := &role{}
	if r.schematic, err = schematic(o); err != nil {
		return nil, err
	}
	o.Done()
	return r, nil
}

// schematic reads schematic.customization.
func schematic(o *importer.Obj) (*importer.Schematic, error) {
	s, err := o.Obj("schematic")
	if err != nil || s == nil {
		return nil, err
	}
	cust, err := s.Obj("customization")
	if err != nil || cust == nil {
		s.Done()
		return nil, err
	}
	out := &importer.Schematic{}
	if out.ExtraKernelArgs, err = cust.Strings("extraKernelArgs"); err != nil {
		return nil, err
	}
	ext, err := cust.Obj("systemExtensions")
	if err != nil {
		return nil, err
	}
	if ext != nil {
		if out.Extensions, err = ext.Strings("officialExtensions"); err != nil {
			return nil, err
		}
		ext.Done()
	}
	cust.Done()
	s.Done()
	return out, nil
}

// patches reads key "patches": inline YAML strings or @file references.
// A patch with several documents becomes one patch per document.
func (im *imp) patches(o *importer.Obj, into []ast.Expr) ([]ast.Expr, error) {
	list, err := o.Strings("patches")
	if err != nil {
		return nil, err
	}
	for i, p := range list {
		src := []byte(p)
		if name, ok := strings.CutPrefix(strings.TrimSpace(p), "@"); ok {
			b, err := im.readPatch(name)
			if err != nil {
				o.Warn("patches", "patch %d (%s) not imported: %v", i, name, err)
				continue
			}
			src = b
		}
		if strings.Contains(string(src), "${") {
			o.Warn("patches", "patch %d uses ${...}: hogen does not substitute talenv variables; replace them in the imported patch", i)
		}
		exprs, err := patchExprs(src)
		if err != nil {
			return nil, fmt.Errorf("%s: %s: patch %d: %w", im.file, o.Field("patches"), i, err)
		}
		into = append(into, exprs...)
	}
	return into, nil
}

func (im *imp) readPatch(name string) ([]byte, error) {
	if im.fsys == nil {
		return nil, fmt.Errorf("no directory to read it from")
	}
	p := path.Clean(strings.TrimPrefix(name, "./"))
	if !fs.ValidPath(p) {
		return nil, fmt.Errorf("the path leaves talconfig.yaml's directory")
	}
	return fs.ReadFile(im.fsys, p)
}

func patchExprs(src []byte) ([]ast.Expr, error) {
	dec := yaml.NewDecoder(strings.NewReader(string(src)))
	var out []ast.Expr
	for {
		var doc yaml.Node
		if err := dec.Decode(&doc); err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return nil, err
		}
		if len(doc.Content) == 0 {
			continue
		}
		e, err := importer.YAMLExpr(&doc)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
}
