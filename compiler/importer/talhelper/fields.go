package talhelper

import (
	"cuelang.org/go/cue/ast"
	talosconfig "github.com/siderolabs/talos/pkg/machinery/config"

	"github.com/hogen-dev/hogen/compiler/importer"
)

// nest is the patch setting path to v: nest(v, "machine", "kernel",
// "modules") is machine: kernel: modules: v.
func nest(v ast.Expr, path ...string) ast.Expr {
	for i := len(path) - 1; i >= 0; i-- {
		var s importer.Struct
		s.Set(path[i], v)
		v = s.Expr()
	}
	return v
}

// verbatim is the patch setting path to key's value as written in the
// node's (or its role's) entry, the shape talhelper gives it being Talos'.
func (im *imp) verbatim(n *node, key string, path ...string) error {
	o, fromRole := n.src(key)
	v := o.Raw(key)
	if v == nil {
		return nil
	}
	e, err := o.Expr(key)
	if err != nil || e == nil {
		return err
	}
	n.add(nest(e, path...), fromRole)
	return nil
}

// extras maps node fields that are Talos settings hogen has no node field
// for: each becomes a patch of the node.
func (im *imp) extras(n *node) error {
	o, _ := n.src("nameservers")
	var err error
	if n.nameservers, err = o.Strings("nameservers"); err != nil {
		return err
	}
	if err := im.appended(n, "extraMachineCertSans", "overrideMachineCertSans", "machine", "certSANs"); err != nil {
		return err
	}
	if err := im.appended(n, "extraManifests", "overrideExtraManifests", "cluster", "extraManifests"); err != nil {
		return err
	}
	for _, f := range []struct {
		key  string
		path []string
	}{
		{"kernelModules", []string{"machine", "kernel", "modules"}},
		{"machineDisks", []string{"machine", "disks"}},
	} {
		if err := im.verbatim(n, f.key, f.path...); err != nil {
			return err
		}
	}
	o, fromRole := n.src("disableSearchDomain")
	disable, err := o.Bool("disableSearchDomain")
	if err != nil {
		return err
	}
	if disable {
		n.add(im.disableSearchDomain(), fromRole)
	}
	o, _ = n.src("ignoreHostname")
	if ignore, err := o.Bool("ignoreHostname"); err != nil {
		return err
	} else if ignore {
		o.Warn("ignoreHostname", "not imported: hogen always sets the node's hostname to its name")
	}
	return im.files(n)
}

// appended reads a list field talhelper appends the role's value to
// unless the node's override flag is set.
func (im *imp) appended(n *node, key, override string, path ...string) error {
	list, err := n.obj.Strings(key)
	if err != nil {
		return err
	}
	skip, err := n.obj.Bool(override)
	if err != nil {
		return err
	}
	if r := n.role.obj; r != nil && !skip {
		more, err := r.At(n.at + ".patches").Strings(key)
		if err != nil {
			return err
		}
		list = append(list, more...)
	}
	if len(list) > 0 {
		n.add(nest(importer.Strs(list), path...), false)
	}
	return nil
}

// image reads what decides the node's installer image: the schematic,
// machineSpec and talosImageURL.
func (im *imp) image(n *node) error {
	o, _ := n.src("schematic")
	var err error
	if n.Schematic, err = schematic(o); err != nil {
		return err
	}
	o, _ = n.src("machineSpec")
	spec, err := o.Obj("machineSpec")
	if err != nil {
		return err
	}
	if spec != nil {
		for _, kv := range [][2]string{{"mode", "metal"}, {"arch", "amd64"}} {
			if v, err := spec.String(kv[0]); err != nil {
				return err
			} else if v != "" && v != kv[1] {
				spec.Warn(kv[0], "%s %q not imported: hogen builds %s installer images", kv[0], v, kv[1])
			}
		}
		for _, key := range []string{"secureboot", "useUKI"} {
			if on, err := spec.Bool(key); err != nil {
				return err
			} else if on {
				spec.Warn(key, "not imported: hogen does not build SecureBoot (UKI) installer images yet; the node gets the plain installer")
			}
		}
		spec.Done()
	}
	o, _ = n.src("talosImageURL")
	if url, err := o.String("talosImageURL"); err != nil {
		return err
	} else if url != "" {
		o.Warn("talosImageURL", "not imported: hogen builds the installer image from the schematic")
	}
	return nil
}

// schematic reads schematic.customization.
func schematic(o *importer.Obj) (*importer.Schematic, error) {
	s, err := o.Obj("schematic")
	if err != nil || s == nil {
		return nil, err
	}
	if s.Has("overlay") {
		s.Take("overlay")
		s.Warn("overlay", "not imported: hogen's schematic has no overlay (board support) yet; the node's installer has none")
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

// disableSearchDomain is the patch for talhelper's disableSearchDomain:
// a ResolverConfig document where the Talos version has them (hogen
// writes the node's resolver as one, which the legacy field would clash
// with; Talos merges the patch into it), machine.network's field before.
func (im *imp) disableSearchDomain() ast.Expr {
	if c, err := talosconfig.ParseContractFromVersion(im.c.TalosVersion); err == nil && c.MultidocNetworkConfigSupported() {
		return document("ResolverConfig", func(s *importer.Struct) {
			s.Set("searchDomains", nest(ast.NewBool(true), "disableDefault"))
		})
	}
	return nest(ast.NewBool(true), "machine", "network", "disableSearchDomain")
}
