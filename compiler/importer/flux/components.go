package flux

import (
	"errors"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/hogen-dev/hogen/compiler/importer"
)

// componentsDir holds the kustomize Components.
const componentsDir = "components"

// componentName is the name of the Component at FS path p, which the
// description at output path at uses: its directory under components/.
// A Component elsewhere gets a name from its path (hogen writes it under
// components/), warned about at node when given.
func (im *imp) componentName(d *importer.Doc, n *yaml.Node, p, at string) string {
	name, ok := strings.CutPrefix(p, im.r.at(componentsDir)+"/")
	if !ok || !componentPath(name) {
		parts := strings.Split(im.r.rel(p), "/")
		for i := range parts {
			parts[i] = label(parts[i])
		}
		name = strings.Join(parts, "/")
		if d != nil {
			d.Warn(n, "components", at, "hogen writes every Component under %s/components/: this one becomes %s", im.r.tree, name)
		}
	}
	if _, seen := im.compDirs[name]; !seen {
		im.compDirs[name] = p
		im.compOrder = append(im.compOrder, name)
	}
	return name
}

func componentPath(name string) bool {
	for _, part := range strings.Split(name, "/") {
		if !dirName.MatchString(part) {
			return false
		}
	}
	return true
}

// readComponents reads every Component the apps and namespaces use.
func (im *imp) readComponents() error {
	for i := 0; i < len(im.compOrder); i++ {
		name := im.compOrder[i]
		c, err := im.readComponent(name, im.compDirs[name])
		if err != nil {
			return err
		}
		im.d.components = append(im.d.components, c)
	}
	return nil
}

func (im *imp) readComponent(name, dir string) (*component, error) {
	at := "components." + name
	if !isDir(im.r.fsys, dir) || im.r.kustomizationFile(dir) == "" {
		return nil, fmt.Errorf("%s: the Component %s has no kustomization file", im.r.name(dir), name)
	}
	rd := &reader{r: im.r, at: at, base: dir, seen: map[string]bool{}}
	c, err := rd.read(dir, true)
	var un errUnmapped
	if errors.As(err, &un) {
		c, err = rd.built(dir, un)
	}
	if err != nil {
		return nil, err
	}
	out := &component{name: name}
	for _, p := range c.components {
		im.ws.Add(importer.Warning{File: im.r.name(im.r.kustomizationFile(dir)), At: at,
			Msg: fmt.Sprintf("hogen's Components do not include other Components: %s not imported; add it to the apps that use %s", im.r.rel(p), name)})
	}
	if c.namespace != "" {
		im.ws.Add(importer.Warning{File: im.r.name(im.r.kustomizationFile(dir)), At: at, Msg: "hogen's Components set no namespace: namespace " + c.namespace + " not imported"})
	}
	for _, p := range c.patches {
		v, err := decode(p.node)
		if err != nil {
			return nil, importerError(p.doc.File, p.node.Line, p.node.Column, "patches", err)
		}
		out.patches = append(out.patches, v)
	}
	var objs []*object
	for _, o := range c.objects {
		if o.head.APIVersion == "v1" && o.head.Kind == "Secret" {
			line, col := o.doc.Pos(o.node)
			im.ws.Add(importer.Warning{File: o.doc.File, Line: line, Col: col, At: at, Field: "Secret " + o.head.Metadata.Name,
				Msg: "not imported: hogen's Components hold no Secrets; list it under the secrets of each app that uses the Component"})
			continue
		}
		objs = append(objs, o)
	}
	if out.manifests, err = im.manifests(at, objs); err != nil {
		return nil, err
	}
	im.componentExternalSecrets(at, out.manifests)
	out.configMaps, err = im.configMaps(c.generators, at, im.r.rel(dir))
	return out, err
}
