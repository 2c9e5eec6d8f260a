package flux

import (
	"fmt"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/hogen-dev/hogen/compiler/importer"
)

// filesDir holds, in the description directory, the files generated
// ConfigMaps read: each at its path in the kubernetes/ tree.
const filesDir = "files"

// configMaps maps configMapGenerator entries: literals become data, files
// are copied into the description directory under files/ (at their path
// in the tree, relDir being the kustomization's), options become labels,
// annotations, substitution and hashSuffix. An entry hogen has no form
// for is warned about, and left out.
func (im *imp) configMaps(gens []*generator, at, relDir string) ([]*configMap, error) {
	var out []*configMap
	for _, g := range gens {
		cm, err := im.configMap(g, at)
		if err != nil {
			return nil, err
		}
		if cm != nil {
			out = append(out, cm)
		}
	}
	return out, nil
}

func (im *imp) configMap(g *generator, at string) (*configMap, error) {
	a := g.args
	line, col := g.doc.Pos(g.node)
	warn := func(format string, args ...any) {
		im.ws.Add(importer.Warning{File: g.doc.File, Line: line, Col: col, Field: "configMapGenerator " + a.Name, At: at + ".configMaps", Msg: fmt.Sprintf(format, args...)})
	}
	switch {
	case a.Behavior != "" && a.Behavior != "create":
		warn("not imported: hogen's ConfigMaps are created, not merged with or replacing another (behavior %s)", a.Behavior)
		return nil, nil
	case len(a.EnvSources) > 0:
		warn("not imported: hogen's ConfigMaps take data and files, not env files: write the variables as data")
		return nil, nil
	case a.Namespace != "":
		warn("hogen's ConfigMaps live in the Kustomization's namespace: namespace %s not kept", a.Namespace)
	}
	cm := &configMap{name: a.Name, data: map[string]string{}, files: map[string]string{}, substitution: true}
	if o := g.options; o != nil {
		cm.hashSuffix = !o.DisableNameSuffixHash
		cm.labels = o.Labels
		for k, v := range o.Annotations {
			if k == substituteAnnotation && v == "disabled" {
				cm.substitution = false
				continue
			}
			if cm.annotations == nil {
				cm.annotations = map[string]string{}
			}
			cm.annotations[k] = v
		}
		if o.Immutable {
			warn("hogen's ConfigMaps are not immutable: immutable not kept")
		}
	} else {
		cm.hashSuffix = true
	}
	for _, lit := range a.LiteralSources {
		k, v, _ := strings.Cut(lit, "=")
		cm.data[k] = strings.Trim(v, `"'`)
	}
	for _, src := range a.FileSources {
		key, file, ok := strings.Cut(src, "=")
		if !ok {
			key, file = path.Base(src), src
		}
		p := path.Join(g.dir, file)
		b, found, err := im.r.read(p)
		if err != nil || !found || !utf8.Valid(b) {
			warn("not imported: file %s cannot be read as text", file)
			return nil, err
		}
		dst := path.Join(filesDir, im.r.rel(p))
		im.d.files[dst] = b
		cm.files[key] = dst
	}
	return cm, nil
}
