package flux

import (
	"fmt"
	"io/fs"
	"maps"
	"path"
	"slices"

	"github.com/hogen-dev/hogen/compiler/importer"
)

// The two layouts (cluster.flux.layout) and Flux's namespace.
const (
	layoutFluxSystem = "flux-system"
	layoutNamespaced = "namespaced"
	fluxNamespace    = "flux-system"
	pruneAnnotation  = "kustomize.toolkit.fluxcd.io/prune"
)

// pendingApp is an app directory and the Flux Kustomizations its ks
// files hold, read before the layout is known.
type pendingApp struct {
	ref  appRef
	docs []*importer.Doc
}

// readNamespaces reads apps/<ns>/: each namespace's kustomization file
// (its namespace field, its Components, its Namespace object, the ks
// files of its apps). It returns the apps in directory order.
func (im *imp) readNamespaces() ([]*pendingApp, error) {
	entries, err := fs.ReadDir(im.r.fsys, im.ca.appsDir)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", im.r.name(im.ca.appsDir), err)
	}
	var apps []*pendingApp
	namespaced, flat := 0, 0
	for _, e := range entries {
		p := path.Join(im.ca.appsDir, e.Name())
		if !e.IsDir() {
			im.ws.Add(importer.Warning{File: im.r.name(p), At: "apps", Msg: "not imported: hogen's apps tree holds one directory per namespace"})
			continue
		}
		ns, found, err := im.readNamespace(p, e.Name())
		if err != nil {
			return nil, err
		}
		if ns.layout == layoutNamespaced {
			namespaced++
		} else {
			flat++
		}
		apps = append(apps, found...)
	}
	im.d.layout = layoutFluxSystem
	if namespaced > 0 {
		im.d.layout = layoutNamespaced
		if flat > 0 {
			im.ws.Add(importer.Warning{File: im.r.name(im.ca.appsDir), At: "cluster.flux",
				Msg: fmt.Sprintf("%d namespaces set namespace: in their kustomization file and %d do not: hogen's layout is one or the other, so all become namespaced", namespaced, flat)})
		}
	}
	return apps, nil
}

// nsRead is what one namespace directory says.
type nsRead struct {
	layout string
}

func (im *imp) readNamespace(dir, dirName string) (nsRead, []*pendingApp, error) {
	at := "namespaces." + dirName
	kfile := im.r.kustomizationFile(dir)
	if kfile == "" {
		im.ws.Add(importer.Warning{File: im.r.name(dir), At: "apps", Msg: "not imported: a namespace directory without a kustomization file (hogen's namespaces list their apps' ks.yaml in one)"})
		return nsRead{}, nil, nil
	}
	docs, err := im.r.parse(kfile)
	if err != nil {
		return nsRead{}, nil, err
	}
	k, err := importer.DocObj(docs[0])
	if err != nil {
		return nsRead{}, nil, err
	}
	k.At(at)
	k.Raw("apiVersion")
	k.Raw("kind")
	ns := &namespace{name: dirName}
	read := nsRead{layout: layoutFluxSystem}
	if n := k.Raw("namespace"); n != nil {
		read.layout = layoutNamespaced
		if n.Value != dirName {
			k.Warn("namespace", "hogen keeps a namespace's apps in the directory of that name: its apps move to apps/%s", n.Value)
			ns.name = n.Value
		}
	}
	if n := k.Raw("components"); n != nil {
		for _, c := range n.Content {
			ns.components = append(ns.components, im.componentName(k.Doc(), c, path.Join(dir, c.Value), at))
		}
	}
	apps, hasNamespace, err := im.namespaceResources(k, dir, ns)
	if err != nil {
		return nsRead{}, nil, err
	}
	if !hasNamespace {
		k.Warn("", "no Namespace object is listed here: hogen writes namespace.yaml for every apps namespace (emitters.namespaces)")
	}
	k.DoneWith("not imported: hogen's namespace kustomization files hold the namespace, its apps and its Components")
	for _, a := range apps {
		a.ref.namespace = ns.name
	}
	im.d.namespaces = append(im.d.namespaces, ns)
	return read, apps, nil
}

// namespaceResources reads what a namespace's kustomization lists: its
// Namespace object, and the ks files of its apps.
func (im *imp) namespaceResources(k *importer.Obj, dir string, ns *namespace) ([]*pendingApp, bool, error) {
	n := k.Raw("resources")
	if n == nil {
		return nil, false, nil
	}
	var apps []*pendingApp
	byDir := map[string]*pendingApp{}
	hasNamespace := false
	for _, e := range n.Content {
		p := path.Join(dir, e.Value)
		if p == im.r.at(metaDir) {
			// hogen's namespaced layout: each namespace has a copy of the
			// substitution objects.
			if err := im.readMeta(p); err != nil {
				return nil, false, err
			}
			continue
		}
		if isDir(im.r.fsys, p) {
			k.Doc().Warn(e, "resources", "namespaces."+ns.name, "not imported: a namespace's kustomization lists its Namespace and its apps' ks.yaml files, not directories")
			continue
		}
		docs, err := im.r.parse(p)
		if err != nil {
			return nil, false, err
		}
		for _, d := range docs {
			var head objectHead
			if err := d.Root.Decode(&head); err != nil {
				return nil, false, importerError(d.File, d.Root.Line, d.Root.Column, "", err)
			}
			o := &object{doc: d, node: d.Root, head: head}
			switch {
			case head.APIVersion == "v1" && head.Kind == "Namespace":
				hasNamespace = true
				im.namespaceObject(ns, o)
			case o.is("kustomize.toolkit.fluxcd.io", "Kustomization"):
				appDir := path.Dir(p)
				a := byDir[appDir]
				if a == nil {
					a = &pendingApp{ref: appRef{name: label(path.Base(appDir)), dir: appDir}}
					byDir[appDir] = a
					apps = append(apps, a)
				}
				a.docs = append(a.docs, d)
			default:
				line, col := d.Pos(d.Root)
				im.ws.Add(importer.Warning{File: d.File, Line: line, Col: col, At: "namespaces." + ns.name,
					Msg: fmt.Sprintf("%s %s is not imported: hogen's namespace directories hold the Namespace and the apps' Kustomizations; move it into an app", head.Kind, head.Metadata.Name)})
			}
		}
	}
	return apps, hasNamespace, nil
}

// namespaceObject reads a Namespace's labels and annotations. hogen
// always sets Flux's prune: disabled on it, so it is never deleted.
func (im *imp) namespaceObject(ns *namespace, o *object) {
	m := o.head.Metadata
	ns.labels = m.Labels
	for k, v := range m.Annotations {
		if k == pruneAnnotation && v == "disabled" {
			continue
		}
		if ns.annotations == nil {
			ns.annotations = map[string]string{}
		}
		ns.annotations[k] = v
	}
	line, col := o.doc.Pos(o.node)
	if m.Annotations[pruneAnnotation] != "disabled" {
		im.ws.Add(importer.Warning{File: o.doc.File, Line: line, Col: col, Field: "metadata.annotations", At: "namespaces." + ns.name,
			Msg: "hogen adds " + pruneAnnotation + ": disabled to every Namespace, so Flux never deletes one with all it holds"})
	}
	if m.Name != "_" && m.Name != ns.name {
		im.ws.Add(importer.Warning{File: o.doc.File, Line: line, Col: col, Field: "metadata.name", At: "namespaces." + ns.name,
			Msg: fmt.Sprintf("hogen names the Namespace of apps/%s %s", ns.name, ns.name)})
	}
	var rest map[string]any
	_ = o.node.Decode(&rest)
	delete(rest, "apiVersion")
	delete(rest, "kind")
	delete(rest, "metadata")
	for _, key := range slices.Sorted(maps.Keys(rest)) {
		im.ws.Add(importer.Warning{File: o.doc.File, Line: line, Col: col, Field: key, At: "namespaces." + ns.name, Msg: "not imported: hogen's Namespaces have labels and annotations only"})
	}
}
