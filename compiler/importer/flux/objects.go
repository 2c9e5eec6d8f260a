package flux

import (
	"errors"
	"fmt"
	"path"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/hogen-dev/hogen/compiler/importer"
)

// kustomizationContent reads what the Kustomization applies and sorts it
// into hogen's forms: releases and their sources, Secrets, generated
// ConfigMaps, Components, patches, and manifests for everything else.
func (im *imp) kustomizationContent(k *kustomization, spec *importer.Obj, fsDir string) error {
	rd := &reader{r: im.r, at: k.at, base: fsDir, overridden: k.targetNamespace != "", seen: map[string]bool{}}
	c, err := rd.read(fsDir, true)
	var un errUnmapped
	if errors.As(err, &un) {
		c, err = rd.built(fsDir, un)
	}
	if err != nil {
		return err
	}
	if c.namespace != "" && k.targetNamespace == "" {
		// Without a targetNamespace, the kustomization's namespace is
		// what Flux puts every object in: the same thing.
		k.targetNamespace = c.namespace
	}
	var comps []string
	for _, p := range c.components {
		comps = append(comps, im.componentName(nil, nil, p, k.at))
	}
	k.components = append(comps, k.components...)
	if err := im.kustomizationPatches(k, c.patches); err != nil {
		return err
	}
	if err := im.classify(k, c.objects); err != nil {
		return err
	}
	k.configMaps, err = im.configMaps(c.generators, k.at, im.r.rel(fsDir))
	return err
}

// kustomizationPatches adds the kustomization file's patches before the
// Flux Kustomization's own: Flux adds its to the file's, after them.
func (im *imp) kustomizationPatches(k *kustomization, ps []patchAt) error {
	if len(ps) == 0 {
		return nil
	}
	var list []any
	for _, p := range ps {
		v, err := decode(p.node)
		if err != nil {
			return importerError(p.doc.File, p.node.Line, p.node.Column, "patches", err)
		}
		m, _ := v.(map[string]any)
		if file, ok := m["path"].(string); ok {
			b, found, err := im.r.read(path.Join(path.Dir(strings.TrimPrefix(p.doc.File, im.r.display+"/")), file))
			if err != nil || !found {
				return importerError(p.doc.File, p.node.Line, p.node.Column, "patches", fmt.Errorf("the patch file %s cannot be read", file))
			}
			delete(m, "path")
			m["patch"] = string(b)
		}
		list = append(list, m)
	}
	own, _ := k.policy["patches"].([]any)
	k.policy["patches"] = append(list, own...)
	return nil
}

// classify sorts a Kustomization's objects.
func (im *imp) classify(k *kustomization, objs []*object) error {
	sources := map[string]*object{}
	for _, o := range objs {
		if o.group() == "source.toolkit.fluxcd.io" {
			sources[o.head.Kind+"/"+o.head.Metadata.Name] = o
		}
	}
	used := map[*object]bool{}
	var rest []*object
	for _, o := range objs {
		switch {
		case o.is("helm.toolkit.fluxcd.io", "HelmRelease"):
			r, src, nt, err := im.mapRelease(k, o, sources)
			if err != nil {
				return err
			}
			if nt != nil {
				line, col := o.doc.Pos(o.node)
				im.ws.Add(importer.Warning{File: o.doc.File, Line: line, Col: col, Field: nt.field, At: k.at,
					Msg: fmt.Sprintf("HelmRelease %s is kept as a manifest, with its source: %s", o.head.Metadata.Name, nt.why)})
				rest = append(rest, o)
				continue
			}
			k.releases = append(k.releases, r)
			used[src] = true
		case o.head.APIVersion == "v1" && o.head.Kind == "Secret":
			if err := im.secret(k, o); err != nil {
				return err
			}
		default:
			rest = append(rest, o)
		}
	}
	var ms []*object
	for _, o := range rest {
		if !used[o] {
			ms = append(ms, o)
		}
	}
	var err error
	if k.manifests, err = im.manifests(k.at, ms); err != nil {
		return err
	}
	for _, m := range k.manifests {
		im.overriddenNamespace(k, m)
	}
	return nil
}

// manifests are objects kept as they are, each under a name made from
// its file's (the name of the object too when the file holds several).
func (im *imp) manifests(at string, objs []*object) ([]*manifest, error) {
	var out []*manifest
	taken := map[string]bool{}
	for _, o := range objs {
		m := &manifest{obj: o}
		for _, stem := range stemsOf(o) {
			if !taken[stem] && !reservedStem(stem) {
				m.stem = stem
				break
			}
		}
		for i := 2; m.stem == ""; i++ {
			if s := fmt.Sprintf("%s-%d", stemsOf(o)[0], i); !taken[s] {
				m.stem = s
			}
		}
		taken[m.stem] = true
		if o.is("kustomize.toolkit.fluxcd.io", "Kustomization") {
			line, col := o.doc.Pos(o.node)
			im.ws.Add(importer.Warning{File: o.doc.File, Line: line, Col: col, At: at + ".manifests." + m.stem,
				Msg: fmt.Sprintf("Flux Kustomization %s is kept as a manifest: the import does not follow it to what it applies", o.head.Metadata.Name)})
		}
		if err := im.withReleaseDefaults(m); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// withReleaseDefaults applies cluster-apps' HelmRelease patches to a
// HelmRelease kept as a manifest, as Flux applies them: hogen writes
// them as cluster.flux.defaults, which reach only the releases it types.
func (im *imp) withReleaseDefaults(m *manifest) error {
	if !m.obj.is("helm.toolkit.fluxcd.io", "HelmRelease") || len(im.ca.hrSpecs) == 0 {
		return nil
	}
	v, err := decode(m.obj.node)
	if err != nil {
		return importerError(m.obj.doc.File, m.obj.node.Line, m.obj.node.Column, "", err)
	}
	obj, _ := v.(map[string]any)
	spec, _ := obj["spec"].(map[string]any)
	obj["spec"] = mergeAll(spec, im.ca.hrSpecs...)
	m.value = obj
	return nil
}

// stemsOf are the names an object's manifest may get, best first: its
// file's name (and its own when the file holds several), then the same
// with the file's directories.
func stemsOf(o *object) []string {
	rel := strings.TrimSuffix(strings.TrimSuffix(o.rel, ".yaml"), ".yml")
	base := path.Base(rel)
	dirs := strings.ReplaceAll(rel, "/", "-")
	name := label(o.head.Metadata.Name)
	kind := strings.ToLower(o.head.Kind)
	if !o.multi {
		return []string{label(base), label(dirs), label(dirs + "-" + kind + "-" + name)}
	}
	return []string{label(base + "-" + name), label(base + "-" + kind + "-" + name), label(dirs + "-" + name), label(dirs + "-" + kind + "-" + name)}
}

// reservedStem tells whether hogen writes a file of that name itself in
// every Kustomization directory.
func reservedStem(s string) bool {
	switch s {
	case "kustomization", "helmrelease", "ocirepository", "helmrepository", "gitrepository":
		return true
	}
	return false
}

// overriddenNamespace leaves out a manifest's namespace that the
// Kustomization's targetNamespace replaces anyway (hogen refuses the
// contradiction), saying so.
func (im *imp) overriddenNamespace(k *kustomization, m *manifest) {
	ns := m.obj.head.Metadata.Namespace
	if ns == "" || k.targetNamespace == "" || ns == k.targetNamespace || strings.Contains(ns, "${") {
		return
	}
	meta := mappingValue(m.obj.node, "metadata")
	for i := 0; meta != nil && i+1 < len(meta.Content); i += 2 {
		if meta.Content[i].Value == "namespace" {
			line, col := m.obj.doc.Pos(meta.Content[i])
			im.ws.Add(importer.Warning{File: m.obj.doc.File, Line: line, Col: col, Field: "metadata.namespace", At: k.at + ".manifests." + m.stem,
				Msg: fmt.Sprintf("left out: Flux puts it in %s (targetNamespace), as hogen does", k.targetNamespace)})
			meta.Content = append(meta.Content[:i], meta.Content[i+2:]...)
			if m.value != nil {
				if md, ok := m.value.(map[string]any)["metadata"].(map[string]any); ok {
					delete(md, "namespace")
				}
			}
			return
		}
	}
}

// mappingValue is the value of key in mapping n, or nil.
func mappingValue(n *yaml.Node, key string) *yaml.Node {
	for i := 0; n != nil && i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}
