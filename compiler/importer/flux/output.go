package flux

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"cuelang.org/go/cue/ast"
	"gopkg.in/yaml.v3"

	"github.com/hogen-dev/hogen/compiler/importer"
	"github.com/hogen-dev/hogen/compiler/secrets"
)

// The files an import writes into the description directory.
const (
	appsFile       = "apps.cue"
	componentsFile = "components.cue"
	fluxFile       = "flux.cue"
)

// Files are the description files an import writes and replaces (with
// secrets.sops.yaml, which it never replaces).
var Files = []string{appsFile, componentsFile, fluxFile}

// output is the import's files: apps.cue, components.cue (Components and
// namespaces), flux.cue (cluster.flux and bootstrap), secrets.sops.yaml
// and the ConfigMaps' files, with the warnings as TODO comments.
func (im *imp) output() (map[string][]byte, error) {
	w := &writer{im: im, anchors: map[string]*ast.Field{}}
	apps, err := w.apps()
	if err != nil {
		return nil, err
	}
	comps, err := w.components()
	if err != nil {
		return nil, err
	}
	flux := w.flux()
	unplaced := w.placeTodos()
	pkg := im.opts.Package
	if pkg == "" {
		pkg = "cluster"
	}
	files := map[string][]byte{}
	for _, f := range []struct {
		name   string
		fields []*ast.Field
	}{{appsFile, apps}, {componentsFile, comps}, {fluxFile, flux}} {
		if len(f.fields) == 0 {
			continue
		}
		b, err := importer.File(pkg, unplaced, f.fields...)
		if err != nil {
			return nil, err
		}
		unplaced = nil
		files[f.name] = b
	}
	maps.Copy(files, im.d.files)
	if len(im.d.secrets) > 0 {
		plain, err := yaml.Marshal(im.d.secrets)
		if err != nil {
			return nil, err
		}
		if files[secrets.InputFile], err = secrets.Encrypt(plain, im.d.recipients, ""); err != nil {
			return nil, fmt.Errorf("encrypting %s: %w", secrets.InputFile, err)
		}
	}
	return files, nil
}

// components are the components.cue fields: `components: <name>: {...}`
// and `namespaces: <ns>: {...}`.
func (w *writer) components() ([]*ast.Field, error) {
	var out []*ast.Field
	for _, c := range w.im.d.components {
		var s importer.Struct
		if err := w.manifests(&s, "components."+c.name, c.manifests); err != nil {
			return nil, err
		}
		if len(c.configMaps) > 0 {
			s.Set("configMaps", configMapsExpr(c.configMaps))
		}
		if len(c.patches) > 0 {
			s.Set("patches", importer.Any(c.patches))
		}
		f := &ast.Field{Label: importer.Label(c.name), Value: s.Expr()}
		w.anchor("components."+c.name, f)
		out = append(out, w.nested("components", f))
	}
	for _, ns := range w.im.d.namespaces {
		var s importer.Struct
		if len(ns.labels) > 0 {
			s.Set("labels", stringMap(ns.labels))
		}
		if len(ns.annotations) > 0 {
			s.Set("annotations", stringMap(ns.annotations))
		}
		s.SetIf("components", importer.Strs(ns.components))
		if s.Len() == 0 && w.im.hasApps(ns.name) {
			continue
		}
		f := &ast.Field{Label: importer.Label(ns.name), Value: s.Expr()}
		w.anchor("namespaces."+ns.name, f)
		out = append(out, w.nested("namespaces", f))
	}
	return out, nil
}

// flux are the flux.cue fields: cluster.flux's layout, labels, health
// checks, cluster-apps' policy and the defaults; the SOPS recipients of
// secrets.sops.yaml; the releases whose CRDs come before Flux.
func (w *writer) flux() []*ast.Field {
	d := w.im.d
	var f importer.Struct
	if d.layout == layoutNamespaced {
		f.Set("layout", ast.NewString(layoutNamespaced))
	}
	switch {
	case d.appLabel == nil:
		f.Set("appLabel", ast.NewNull())
	case *d.appLabel != defaultAppLabel:
		f.Set("appLabel", ast.NewString(*d.appLabel))
	}
	if !d.releaseHealthChecks {
		f.Set("releaseHealthChecks", ast.NewBool(false))
	}
	if len(d.clusterApps) > 0 {
		f.Set("clusterApps", importer.Any(d.clusterApps))
	}
	var defs importer.Struct
	if len(d.defaults.kustomization) > 0 {
		defs.Set("kustomization", importer.Any(d.defaults.kustomization))
	}
	if len(d.defaults.helmRelease) > 0 {
		defs.Set("helmRelease", importer.Any(d.defaults.helmRelease))
	}
	if d.defaults.sourceInterval != w.im.hogen.sourceInterval {
		var src importer.Struct
		src.Set("interval", ast.NewString(d.defaults.sourceInterval))
		defs.Set("source", src.Expr())
	}
	if defs.Len() > 0 {
		f.Set("defaults", defs.Expr())
	}
	var cluster importer.Struct
	fluxField := cluster.Set("flux", f.Expr())
	w.anchor("cluster.flux", fluxField)
	var subs importer.Struct
	if len(d.settings) > 0 {
		subs.Set("settings", stringMap(d.settings))
	}
	if len(d.secretVars) > 0 {
		subs.Set("secrets", stringMap(d.secretVars))
	}
	if subs.Len() > 0 {
		w.anchor("cluster.substitutions", cluster.Set("substitutions", subs.Expr()))
	}
	if len(d.secrets) > 0 && !d.recipientsSet {
		var sops importer.Struct
		sops.Set("ageRecipients", importer.Strs(d.recipients))
		cluster.Set("sops", sops.Expr())
	}
	clusterField := importer.TopField("cluster", cluster.Expr())
	w.anchor("cluster", clusterField)
	out := []*ast.Field{clusterField}
	if len(d.bootstrapCRDs) > 0 {
		var b importer.Struct
		b.Set("crds", importer.Strs(d.bootstrapCRDs))
		out = append(out, importer.TopField("bootstrap", b.Expr()))
	}
	return out
}

// defaultAppLabel is cluster.flux.appLabel's default.
const defaultAppLabel = "app.kubernetes.io/name"

// placeTodos puts each warning as a TODO comment on the deepest field of
// its output path, and returns those whose path has no field, for the top
// of the first file. A field written on its parent's line (`apps: echo:`)
// takes its comments on that line.
func (w *writer) placeTodos() []string {
	var top []string
	for _, warn := range w.im.ws.List() {
		parts := strings.Split(warn.At, ".")
		placed := false
		for i := len(parts); i > 0 && !placed; i-- {
			if f := w.anchors[strings.Join(parts[:i], ".")]; f != nil {
				f = importer.Deepest(f, parts[i:])
				if outer := w.outer[f]; outer != nil {
					f = outer
				}
				importer.Comment(f, warn.Todo())
				placed = true
			}
		}
		if !placed {
			top = append(top, warn.Todo())
		}
	}
	return top
}

func (im *imp) hasApps(ns string) bool {
	return slices.ContainsFunc(im.d.apps, func(a *app) bool { return a.namespace == ns })
}
