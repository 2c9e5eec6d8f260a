package flux

import (
	"encoding/json"
	"fmt"
	"path"
	"strconv"
	"strings"

	"sigs.k8s.io/kustomize/api/types"

	"github.com/hogen-dev/hogen/compiler/model"
)

// A build's shape is what kustomize's outcome for it depends on, with
// every name (of objects, generated ConfigMaps, the namespace) replaced by
// the order in which it first appears: the files listed, each object's
// apiVersion, kind and annotation keys, the generators, the Components.
// kustomize treats names as opaque strings it compares and copies, and
// reads an object's body only to patch it, so two builds of one shape are
// one computation under a renaming: they succeed or fail together, and
// kustomize runs once per shape. That is what keeps a build of thousands of
// apps cheap (most apps share a handful of shapes). A build that patches
// (its Flux Kustomization's patches, a Component's) has no shape: it reads
// bodies, and always runs.
type shape struct {
	b     strings.Builder
	names map[string]int
}

func (s *shape) name(n string) string {
	if n == "" {
		return ""
	}
	if s.names == nil {
		s.names = map[string]int{}
	}
	i, ok := s.names[n]
	if !ok {
		i = len(s.names)
		s.names[n] = i
	}
	return "#" + strconv.Itoa(i)
}

func (s *shape) object(file, apiVersion, kind, name, ns string, annotations map[string]string) {
	fmt.Fprintf(&s.b, "obj %s %s %s %s %s %q\n", file, apiVersion, kind, s.name(name), s.name(ns), model.SortedKeys(annotations))
}

// buildShape is the shape of the build of Kustomization k's directory, as
// Flux builds it (kust with Flux's additions); "" when it patches.
func buildShape(d *model.Description, a *model.App, k *model.Kustomization, kust *types.Kustomization) string {
	if len(kust.Patches) > 0 {
		return ""
	}
	for _, c := range k.Components {
		if comp, _ := d.Component(c); len(comp.Patches) > 0 {
			return ""
		}
	}
	var s shape
	fmt.Fprintf(&s.b, "depth %d\nnamespace %s\nresources %q\ncomponents %q\n",
		strings.Count(path.Join(appDir(a), k.Dir), "/"), s.name(kust.Namespace), kust.Resources, kust.Components)
	for _, g := range kust.ConfigMapGenerator {
		fmt.Fprintf(&s.b, "configmap %s %s %q", s.name(g.Name), s.name(g.Namespace), g.FileSources)
		if o := g.Options; o != nil {
			fmt.Fprintf(&s.b, " %v %q %q", o.DisableNameSuffixHash, model.SortedKeys(o.Labels), model.SortedKeys(o.Annotations))
		}
		s.b.WriteString("\n")
	}
	ns := generatedNamespace(a, k)
	for _, r := range k.Releases {
		var ann map[string]string
		if !r.Substitution {
			ann = map[string]string{substituteAnnotation: "disabled"}
		}
		s.object("helmrelease.yaml", "helm.toolkit.fluxcd.io/v2", "HelmRelease", r.Name, ns, ann)
		_, file := chartSource(&r, ns)
		s.object(file, "source.toolkit.fluxcd.io/v1", file, sourceName(&r), ns, nil)
	}
	for _, name := range model.SortedKeys(k.Secrets) {
		s.object("secret.sops.yaml", "v1", "Secret", name, ns, nil)
	}
	for _, m := range k.Manifests {
		s.object(m.File+".yaml", m.APIVersion, m.Kind, m.Name, m.Namespace, manifestAnnotations(m))
	}
	return s.b.String()
}

func manifestAnnotations(m model.Manifest) map[string]string {
	var head struct {
		Metadata struct {
			Annotations map[string]string `json:"annotations"`
		} `json:"metadata"`
	}
	_ = json.Unmarshal(m.Object, &head)
	return head.Metadata.Annotations
}

// namespaceShape is the shape of a namespace's kustomization.yaml build:
// its Namespace, and the Flux Kustomizations of its apps' ks.yaml files.
func namespaceShape(d *model.Description, ns string, kust types.Kustomization) string {
	var s shape
	fmt.Fprintf(&s.b, "namespace %s %d\ncomponents %q\n", s.name(kust.Namespace), len(kust.Resources), kust.Components)
	for _, r := range kust.Resources {
		if !strings.HasSuffix(r, "/ks.yaml") {
			fmt.Fprintf(&s.b, "resource %s\n", r)
		}
	}
	s.object("namespace.yaml", "v1", "Namespace", ns, "", nil)
	for _, a := range d.Apps {
		if a.Namespace != ns {
			continue
		}
		fmt.Fprintf(&s.b, "app %s\n", s.name(a.Name))
		for _, k := range a.Kustomizations {
			s.object("ks.yaml", "kustomize.toolkit.fluxcd.io/v1", "Kustomization", k.Name, k.Namespace, nil)
		}
	}
	return s.b.String()
}
