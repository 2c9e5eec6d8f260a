package flux

import (
	"maps"
	"slices"
	"strings"

	"cuelang.org/go/cue/ast"
	"gopkg.in/yaml.v3"

	"github.com/hogen-dev/hogen/compiler/importer"
)

// writer builds the CUE of the import. anchors are the fields TODO
// comments are placed under, by output path ("apps.echo"); outer the
// fields written on the line of another (`apps: echo:`), by that field.
type writer struct {
	im      *imp
	anchors map[string]*ast.Field
	outer   map[*ast.Field]*ast.Field
}

// nested is `outer: inner` with inner's field on the same line
// (`apps: echo: {...}`).
func (w *writer) nested(outer string, inner *ast.Field) *ast.Field {
	f := importer.TopField(outer, &ast.StructLit{Elts: []ast.Decl{inner}})
	if w.outer == nil {
		w.outer = map[*ast.Field]*ast.Field{}
	}
	w.outer[inner] = f
	return f
}

func (w *writer) anchor(at string, f *ast.Field) *ast.Field {
	w.anchors[at] = f
	return f
}

// apps are the apps.cue fields: one `apps: <name>: {...}` per app, by
// namespace, then name.
func (w *writer) apps() ([]*ast.Field, error) {
	apps := slices.Clone(w.im.d.apps)
	slices.SortStableFunc(apps, func(a, b *app) int {
		return strings.Compare(a.namespace+"/"+a.name, b.namespace+"/"+b.name)
	})
	var out []*ast.Field
	for _, a := range apps {
		var s importer.Struct
		s.Set("namespace", ast.NewString(a.namespace))
		if a.bootstrap {
			s.Set("bootstrap", ast.NewBool(true))
		}
		var more importer.Struct
		for _, k := range a.kustomizations {
			body, err := w.kustomization(a, k)
			if err != nil {
				return nil, err
			}
			if k.own {
				s.Append(body)
				continue
			}
			w.anchor(k.at, more.Set(k.dir, body.Expr()))
		}
		if more.Len() > 0 {
			w.anchor("apps."+a.name+".kustomizations", s.Set("kustomizations", more.Expr()))
		}
		f := &ast.Field{Label: importer.Label(a.name), Value: s.Expr()}
		w.anchor("apps."+a.name, f)
		out = append(out, w.nested("apps", f))
	}
	return out, nil
}

// kustomization is one Kustomization's fields.
func (w *writer) kustomization(a *app, k *kustomization) (*importer.Struct, error) {
	var s importer.Struct
	if !k.own && k.name != a.name+"-"+k.dir {
		s.Set("name", ast.NewString(k.name))
	}
	s.SetIf("dependsOn", importer.Strs(w.im.dependencyNames(k)))
	s.SetIf("components", importer.Strs(k.components))
	if len(k.substitute) > 0 {
		s.Set("substitute", stringMap(k.substitute))
	}
	if len(k.substituteFrom) > 0 {
		s.Set("substituteFrom", importer.Any(k.substituteFrom))
	}
	switch k.targetNamespace {
	case a.namespace:
	case "":
		s.Set("targetNamespace", ast.NewNull())
	default:
		s.Set("targetNamespace", ast.NewString(k.targetNamespace))
	}
	if hc := w.im.healthChecks(a, k); len(hc) > 0 {
		s.Set("healthChecks", importer.Any(hc))
	}
	setPolicy(&s, ownPolicy(w.im.effective.kustomization, k.policy))
	if err := w.releases(&s, k); err != nil {
		return nil, err
	}
	if err := w.manifests(&s, k.at, k.manifests); err != nil {
		return nil, err
	}
	w.externalSecrets(&s, k)
	if len(k.configMaps) > 0 {
		s.Set("configMaps", configMapsExpr(k.configMaps))
	}
	if len(k.secrets) > 0 {
		var sec importer.Struct
		for _, name := range slices.Sorted(maps.Keys(k.secrets)) {
			sec.Set(name, stringMap(k.secrets[name]))
		}
		w.anchor(k.at+".secrets", s.Set("secrets", sec.Expr()))
	}
	return &s, nil
}

// setPolicy writes policy fields, in name order.
func setPolicy(s *importer.Struct, p map[string]any) {
	for _, key := range slices.Sorted(maps.Keys(p)) {
		s.Set(key, importer.Any(p[key]))
	}
}

// releases writes the short form (chart and values) for a Kustomization
// whose one release is named after it and says nothing else, releases
// otherwise.
func (w *writer) releases(s *importer.Struct, k *kustomization) error {
	if len(k.releases) == 0 {
		return nil
	}
	if r := k.releases[0]; len(k.releases) == 1 && r.name == k.name && r.substitution && len(r.dependsOn) == 0 && len(w.im.releasePolicy(k, r)) == 0 {
		s.Set("chart", w.chart(r.chart))
		return w.values(s, r)
	}
	var rs importer.Struct
	for _, r := range k.releases {
		var b importer.Struct
		b.Set("chart", w.chart(r.chart))
		if err := w.values(&b, r); err != nil {
			return err
		}
		b.SetIf("dependsOn", importer.Strs(r.dependsOn))
		if !r.substitution {
			b.Set("substitution", ast.NewBool(false))
		}
		setPolicy(&b, w.im.releasePolicy(k, r))
		w.anchor(r.at, rs.Set(r.name, b.Expr()))
	}
	s.Set("releases", rs.Expr())
	return nil
}

func (w *writer) values(s *importer.Struct, r *release) error {
	if r.values == nil {
		return nil
	}
	e, err := importer.Value(r.values, importer.ValueOptions{Comments: true, Field: renovateImage})
	if err != nil {
		return importerError(r.at, r.values.Line, r.values.Column, "values", err)
	}
	s.Set("values", e)
	return nil
}

// chart is #Chart, with the `renovate:` comment that keeps its version
// tracked.
func (w *writer) chart(c chart) ast.Expr {
	var s importer.Struct
	if c.git != "" {
		s.Set("git", ast.NewString(c.git))
		ref := s.Set("ref", importer.Any(c.ref))
		if tag, ok := c.ref["tag"].(string); ok && tag != "" {
			importer.Comment(ref, "renovate: datasource=git-tags depName="+c.git)
		}
		s.Set("path", ast.NewString(c.path))
	} else {
		s.Set("repo", ast.NewString(c.repo))
		s.Set("name", ast.NewString(c.name))
		v := s.Set("version", ast.NewString(c.version))
		importer.Comment(v, chartRenovate(c)...)
	}
	if c.interval != w.im.effective.sourceInterval {
		s.Set("interval", ast.NewString(c.interval))
	}
	s.SetIf("source", importer.Str(c.source))
	return s.Expr()
}

// chartRenovate is the `renovate:` comment of a chart's version: the one
// its source had, or hogen's preset's form for its repository.
func chartRenovate(c chart) []string {
	if len(c.renovate) > 0 {
		return c.renovate
	}
	if oci, ok := strings.CutPrefix(c.repo, "oci://"); ok {
		return []string{"renovate: datasource=docker depName=" + strings.TrimSuffix(oci, "/") + "/" + c.name}
	}
	return []string{"renovate: datasource=helm depName=" + c.name + " registryUrl=" + c.repo}
}

// renovateImage puts a `renovate:` comment on an image's tag in values
// (a mapping with repository and tag, as charts take images), as
// Renovate's helm-values manager tracked it.
func renovateImage(m *yaml.Node, key string, f *ast.Field) {
	if key != "tag" || hasRenovate(f) {
		return
	}
	fields := map[string]string{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if v := m.Content[i+1]; v.Kind == yaml.ScalarNode {
			fields[m.Content[i].Value] = v.Value
		}
	}
	repo := fields["repository"]
	if repo == "" || fields["tag"] == "" {
		return
	}
	if reg := fields["registry"]; reg != "" {
		repo = reg + "/" + repo
	}
	importer.Comment(f, "renovate: datasource=docker depName="+repo)
}

func hasRenovate(f *ast.Field) bool {
	for _, cg := range ast.Comments(f) {
		for _, c := range cg.List {
			if strings.HasPrefix(strings.TrimSpace(strings.TrimPrefix(c.Text, "//")), "renovate:") {
				return true
			}
		}
	}
	return false
}

// manifests writes objects as they are, comments kept.
func (w *writer) manifests(s *importer.Struct, at string, ms []*manifest) error {
	if len(ms) == 0 {
		return nil
	}
	var out importer.Struct
	for _, m := range ms {
		var e ast.Expr
		if m.value != nil {
			e = importer.Any(m.value)
		} else {
			var err error
			if e, err = importer.Value(m.obj.node, importer.ValueOptions{Comments: true}); err != nil {
				line, col := m.obj.doc.Pos(m.obj.node)
				return importerError(m.obj.doc.File, line, col, "", err)
			}
		}
		w.anchor(at+".manifests."+m.stem, out.Set(m.stem, e))
	}
	w.anchor(at+".manifests", s.Set("manifests", out.Expr()))
	return nil
}

func configMapsExpr(cms []*configMap) ast.Expr {
	var out importer.Struct
	for _, cm := range cms {
		var s importer.Struct
		if len(cm.data) > 0 {
			s.Set("data", stringMap(cm.data))
		}
		if len(cm.files) > 0 {
			s.Set("files", stringMap(cm.files))
		}
		if len(cm.labels) > 0 {
			s.Set("labels", stringMap(cm.labels))
		}
		if len(cm.annotations) > 0 {
			s.Set("annotations", stringMap(cm.annotations))
		}
		if !cm.substitution {
			s.Set("substitution", ast.NewBool(false))
		}
		if cm.hashSuffix {
			s.Set("hashSuffix", ast.NewBool(true))
		}
		out.Set(cm.name, s.Expr())
	}
	return out.Expr()
}

func stringMap(m map[string]string) ast.Expr {
	var s importer.Struct
	for _, k := range slices.Sorted(maps.Keys(m)) {
		s.Set(k, ast.NewString(m[k]))
	}
	return s.Expr()
}
