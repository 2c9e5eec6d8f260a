package flux

import (
	"errors"
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/hogen-dev/hogen/compiler/diag"
	"github.com/hogen-dev/hogen/compiler/importer"
)

// appRef is where an app's Kustomizations come from.
type appRef struct {
	name, namespace string
	// dir is the app's FS directory (apps/<ns>/<app>).
	dir string
}

// mapKustomization maps one Flux Kustomization of an app's ks.yaml.
func (im *imp) mapKustomization(a *app, ref appRef, d *importer.Doc) (*kustomization, error) {
	o, err := importer.DocObj(d)
	if err != nil {
		return nil, err
	}
	var head objectHead
	if err := d.Root.Decode(&head); err != nil {
		return nil, importerError(d.File, d.Root.Line, d.Root.Column, "", err)
	}
	spec, err := o.Obj("spec")
	if err != nil || spec == nil {
		return nil, importerError(d.File, d.Root.Line, d.Root.Column, "spec", errors.New("a Flux Kustomization needs a spec"))
	}
	k := &kustomization{name: head.Metadata.Name, obj: &object{doc: d, node: d.Root, head: head}, appNamespace: ref.namespace}
	fsDir, err := im.kustomizationDir(k, ref, spec)
	if err != nil {
		return nil, err
	}
	k.own = k.dir == "app" && k.name == a.name
	k.at = "apps." + a.name
	if !k.own {
		k.at += ".kustomizations." + k.dir
	}
	o.At(k.at)
	spec.At(k.at)
	im.kustomizationMeta(k, ref, o)
	if err := im.kustomizationSpec(k, spec, fsDir); err != nil {
		return nil, err
	}
	o.Done()
	if err := im.kustomizationContent(k, spec, fsDir); err != nil {
		return nil, err
	}
	return k, nil
}

// dirName is what a directory name may be in hogen: a DNS-1123 label.
var dirName = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

// kustomizationDir is the FS directory the Kustomization applies; its
// directory under the app's becomes k.dir. A path hogen cannot write
// where it was (deeper, or outside the app) is warned about.
func (im *imp) kustomizationDir(k *kustomization, ref appRef, spec *importer.Obj) (string, error) {
	p, _ := spec.String("path")
	fsDir, ok := im.r.fsPath(p)
	if !ok || !isDir(im.r.fsys, fsDir) {
		line, col := spec.Line(), 1
		if n := spec.Raw("path"); n != nil {
			line, col = spec.Doc().Pos(n)
		}
		return "", importerError(spec.File(), line, col, spec.Field("path"), fmt.Errorf("%q is not a directory of %s", p, im.r.display))
	}
	rel, under := strings.CutPrefix(fsDir, ref.dir+"/")
	k.dir = rel
	if !under || strings.Contains(rel, "/") || !dirName.MatchString(rel) {
		k.dir = label(strings.ReplaceAll(strings.TrimPrefix(rel, "../"), "/", "-"))
		defer spec.Warn("path", "hogen writes each Kustomization of an app in a directory of the app's (%s/%s): its path becomes ./%s/%s/%s, its objects the same",
			im.r.rel(ref.dir), k.dir, im.r.tree, im.r.rel(ref.dir), k.dir)
	}
	return fsDir, nil
}

// label is s made a DNS-1123 label: lower case, '-' for anything else,
// at most 63 characters.
func label(s string) string {
	b := []byte(strings.ToLower(s))
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			b[i] = '-'
		}
	}
	out := strings.Trim(string(b), "-")
	if len(out) > 63 {
		out = strings.Trim(out[:63], "-")
	}
	if out == "" {
		out = "x"
	}
	return out
}

// kustomizationMeta reads the Kustomization's metadata: its name, and its
// namespace, which the layout decides.
func (im *imp) kustomizationMeta(k *kustomization, ref appRef, o *importer.Obj) {
	o.Raw("apiVersion")
	o.Raw("kind")
	meta, _ := o.Obj("metadata")
	if meta == nil {
		return
	}
	meta.Raw("name")
	ns, _ := meta.String("namespace")
	switch {
	case im.d.layout == layoutNamespaced && ns != "" && ns != ref.namespace:
		meta.Warn("namespace", "in the namespaced layout each Kustomization lives in its app's namespace (%s): not imported", ref.namespace)
	case im.d.layout != layoutNamespaced && ns != "" && ns != fluxNamespace:
		meta.Warn("namespace", "in the flux-system layout every Kustomization lives in flux-system: not imported")
	}
	meta.DoneWith("not imported: hogen has no form for a Flux Kustomization's labels or annotations")
}

// kustomizationSpec reads the spec: policy, dependsOn, Components,
// substitution, target namespace, health checks.
func (im *imp) kustomizationSpec(k *kustomization, spec *importer.Obj, fsDir string) error {
	var err error
	if k.policy, err = im.policyFields(spec, kustomizationPolicyKeys); err != nil {
		return err
	}
	if _, own := k.policy["patches"]; own && len(im.ca.hrSpecs) > 0 {
		// kustomize replaces a custom resource's lists when it patches it.
		spec.Warn("patches", "not imported: cluster-apps' patch sets the patches of every app's Kustomization, so Flux never applies these; move them into cluster.flux.defaults or the objects they patch")
		delete(k.policy, "patches")
	}
	if im.ca.ksSpec != nil {
		k.policy = mergeAll(k.policy, im.ca.ksSpec)
	}
	im.sourceRef(spec)
	if err := im.dependsOn(k, spec); err != nil {
		return err
	}
	if n := spec.Raw("components"); n != nil {
		for _, c := range n.Content {
			name := im.componentName(spec.Doc(), c, path.Join(fsDir, c.Value), k.at)
			k.components = append(k.components, name)
		}
	}
	if err := im.postBuild(k, spec); err != nil {
		return err
	}
	if n := spec.Raw("targetNamespace"); n != nil {
		k.targetNamespace = n.Value
	}
	if n := spec.Raw("healthChecks"); n != nil {
		v, err := decode(n)
		if err != nil {
			return importerError(spec.File(), n.Line, n.Column, spec.Field("healthChecks"), err)
		}
		k.healthChecks, _ = v.([]any)
	}
	im.decryption(spec)
	spec.DoneWith("not imported: hogen has no form for it in a Flux Kustomization; add it to the generated ks.yaml by hand, or ask for the field")
	return nil
}

func (im *imp) dependsOn(k *kustomization, spec *importer.Obj) error {
	deps, err := spec.Objs("dependsOn")
	if err != nil {
		return err
	}
	for _, dep := range deps {
		name, _ := dep.String("name")
		ns, _ := dep.String("namespace")
		k.dependsOn = append(k.dependsOn, dependency{name: name, namespace: ns, obj: &object{doc: spec.Doc(), node: dep.Node()}})
		dep.DoneWith("not imported: hogen's dependsOn names a Kustomization")
	}
	return nil
}

func (im *imp) postBuild(k *kustomization, spec *importer.Obj) error {
	pb, err := spec.Obj("postBuild")
	if err != nil || pb == nil {
		return err
	}
	if n := pb.Raw("substitute"); n != nil {
		if err := n.Decode(&k.substitute); err != nil {
			return importerError(pb.File(), n.Line, n.Column, pb.Field("substitute"), err)
		}
	}
	if n := pb.Raw("substituteFrom"); n != nil {
		v, err := decode(n)
		if err != nil {
			return importerError(pb.File(), n.Line, n.Column, pb.Field("substituteFrom"), err)
		}
		list, _ := v.([]any)
		for _, ref := range list {
			if !im.isClusterSubstitution(ref) {
				k.substituteFrom = append(k.substituteFrom, ref)
			}
		}
	}
	pb.DoneWith("not imported: hogen has no form for it in postBuild")
	return nil
}

// decryption checks that a Kustomization decrypts with sops-age, which
// hogen's Kustomizations with secrets do.
func (im *imp) decryption(spec *importer.Obj) {
	dec, _ := spec.Obj("decryption")
	if dec == nil {
		return
	}
	provider, _ := dec.String("provider")
	ref, _ := dec.Obj("secretRef")
	name := ""
	if ref != nil {
		name, _ = ref.String("name")
		ref.Drop()
	}
	if provider != "sops" || name != "sops-age" {
		spec.Warn("decryption", "hogen's Kustomizations decrypt SOPS with the Secret sops-age: %s with %q not imported", provider, name)
	}
	dec.Drop()
}

// importerError is a problem of the input at file:line:col. The input
// is what Flux applies, so its fix is Flux's: the tree must apply as it is.
func importerError(file string, line, col int, field string, err error) error {
	var ds diag.Diagnostics
	if errors.As(err, &ds) {
		return err // positioned already
	}
	return importer.InputError(file, line, col, field, err.Error(), "correct it so that Flux would apply the tree as it is (flux build kustomization), then import again")
}
