package flux

import (
	"fmt"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/hogen-dev/hogen/compiler/importer"
)

// notTyped is why a HelmRelease (or its source) is kept as a manifest.
type notTyped struct{ field, why string }

// mapRelease maps a HelmRelease and its chart's source, found among the
// Kustomization's sources. A release with what hogen's releases have no
// form for is kept, with its source, as manifests (nil, with the reason).
func (im *imp) mapRelease(k *kustomization, o *object, sources map[string]*object) (*release, *object, *notTyped, error) {
	if !strings.HasPrefix(o.head.APIVersion, "helm.toolkit.fluxcd.io/v2") {
		return nil, nil, &notTyped{"apiVersion", o.head.APIVersion + " is not helm.toolkit.fluxcd.io/v2"}, nil
	}
	if nt := im.releaseMeta(k, o); nt != nil {
		return nil, nil, nt, nil
	}
	r := &release{obj: o, name: o.head.Metadata.Name, substitution: o.head.Metadata.Annotations[substituteAnnotation] != "disabled",
		at: k.at + ".releases." + o.head.Metadata.Name}
	var spec map[string]*yaml.Node
	if err := specNodes(o, &spec); err != nil {
		return nil, nil, nil, err
	}
	src, nt, err := im.releaseChart(r, spec, sources)
	if nt != nil || err != nil {
		return nil, nil, nt, err
	}
	policy := map[string]any{}
	for key, n := range spec {
		switch {
		case key == "chart" || key == "chartRef":
		case key == "values":
			r.values = n
		case key == "dependsOn":
			var deps []struct{ Name, Namespace string }
			if err := n.Decode(&deps); err != nil {
				return nil, nil, nil, importerError(o.doc.File, n.Line, n.Column, "spec.dependsOn", err)
			}
			for _, d := range deps {
				r.dependsOn = append(r.dependsOn, d.Name)
			}
		case isKey(helmReleasePolicyKeys, key):
			v, err := decode(n)
			if err != nil {
				return nil, nil, nil, importerError(o.doc.File, n.Line, n.Column, "spec."+key, err)
			}
			policy[key] = shortDurations(key, v)
		default:
			return nil, nil, &notTyped{"spec." + key, "hogen's releases have no form for it"}, nil
		}
	}
	r.policy = mergeAll(policy, im.ca.hrSpecs...)
	if why := im.schema.releasePolicy(r.policy); why != "" {
		return nil, nil, &notTyped{"spec", why}, nil
	}
	return r, src, nil, nil
}

const substituteAnnotation = "kustomize.toolkit.fluxcd.io/substitute"

// releaseMeta checks the metadata hogen writes for a release: its name,
// the namespace it would get anyway, Flux's substitute annotation.
func (im *imp) releaseMeta(k *kustomization, o *object) *notTyped {
	m := o.head.Metadata
	if len(m.Labels) > 0 {
		return &notTyped{"metadata.labels", "hogen's releases have no labels"}
	}
	for a, v := range m.Annotations {
		if a != substituteAnnotation || v != "disabled" {
			return &notTyped{"metadata.annotations", "hogen's releases have no annotations but " + substituteAnnotation + ": disabled"}
		}
	}
	if m.Namespace != "" && k.targetNamespace == "" && m.Namespace != k.appNamespace {
		return &notTyped{"metadata.namespace", "hogen puts a release in its app's namespace"}
	}
	if !dirName.MatchString(m.Name) {
		return &notTyped{"metadata.name", "hogen's release names are DNS-1123 labels"}
	}
	return nil
}

// specNodes reads an object's spec as its fields' nodes.
func specNodes(o *object, into *map[string]*yaml.Node) error {
	*into = map[string]*yaml.Node{}
	for i := 0; i+1 < len(o.node.Content); i += 2 {
		if o.node.Content[i].Value != "spec" {
			continue
		}
		spec := o.node.Content[i+1]
		if spec.Kind != yaml.MappingNode {
			return importerError(o.doc.File, spec.Line, spec.Column, "spec", fmt.Errorf("want a mapping"))
		}
		for j := 0; j+1 < len(spec.Content); j += 2 {
			(*into)[spec.Content[j].Value] = spec.Content[j+1]
		}
	}
	return nil
}

// chartVersion is #ChartVersion.
var chartVersion = regexp.MustCompile(`^v?[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.+-]+)?$`)

// releaseChart finds the release's chart: chartRef to an OCIRepository,
// or chart.spec with a HelmRepository or GitRepository.
func (im *imp) releaseChart(r *release, spec map[string]*yaml.Node, sources map[string]*object) (*object, *notTyped, error) {
	var ref struct{ Kind, Name, Namespace string }
	var tmpl struct {
		Spec struct {
			Chart, Version, ReconcileStrategy string
			SourceRef                         struct{ Kind, Name, Namespace string } `yaml:"sourceRef"`
			Rest                              map[string]any                         `yaml:",inline"`
		}
		Rest map[string]any `yaml:",inline"`
	}
	switch {
	case spec["chartRef"] != nil:
		if err := spec["chartRef"].Decode(&ref); err != nil {
			return nil, nil, err
		}
		if ref.Kind != "OCIRepository" {
			return nil, &notTyped{"spec.chartRef", "hogen's releases refer to an OCIRepository, not a " + ref.Kind}, nil
		}
	case spec["chart"] != nil:
		if err := spec["chart"].Decode(&tmpl); err != nil {
			return nil, nil, err
		}
		if len(tmpl.Rest) > 0 || len(tmpl.Spec.Rest) > 0 {
			return nil, &notTyped{"spec.chart", "hogen's releases take chart, version and sourceRef in chart.spec, nothing else"}, nil
		}
		ref = tmpl.Spec.SourceRef
	default:
		return nil, &notTyped{"spec", "it has no chart"}, nil
	}
	src := sources[ref.Kind+"/"+ref.Name]
	if src == nil && ref.Namespace != "" {
		if src = im.shared[ref.Kind+"/"+ref.Namespace+"/"+ref.Name]; src != nil {
			im.ws.Add(importer.Warning{File: r.obj.doc.File, Line: r.obj.node.Line, Col: r.obj.node.Column, Field: "spec.chart.spec.sourceRef", At: r.at,
				Msg: fmt.Sprintf("the %s %s in %s, which several releases may share, becomes this release's own: hogen writes a source beside each release", ref.Kind, ref.Name, ref.Namespace)})
		}
	}
	if src == nil {
		return nil, &notTyped{"spec", fmt.Sprintf("its %s %s is not beside it in the Kustomization", ref.Kind, ref.Name)}, nil
	}
	if ref.Name != r.name {
		r.chart.source = ref.Name
	}
	nt, err := im.sourceChart(&r.chart, src, tmpl.Spec.Chart, tmpl.Spec.Version, tmpl.Spec.ReconcileStrategy)
	return src, nt, err
}

// sourceChart reads the source object into c: the repository or Git
// reference, the version, the interval.
func (im *imp) sourceChart(c *chart, src *object, name, version, strategy string) (*notTyped, error) {
	var s struct {
		Spec struct {
			URL, Interval, Type string
			Ref                 map[string]any `yaml:"ref"`
			LayerSelector       struct {
				MediaType string `yaml:"mediaType"`
				Operation string `yaml:"operation"`
			} `yaml:"layerSelector"`
			Rest map[string]any `yaml:",inline"`
		}
		Rest map[string]any `yaml:",inline"`
	}
	if err := src.node.Decode(&s); err != nil {
		return nil, importerError(src.doc.File, src.node.Line, src.node.Column, "", err)
	}
	if len(s.Spec.Rest) > 0 || len(src.head.Metadata.Labels)+len(src.head.Metadata.Annotations) > 0 {
		return &notTyped{"spec", fmt.Sprintf("its %s %s has fields hogen's chart sources do not", src.head.Kind, src.head.Metadata.Name)}, nil
	}
	c.interval = shortDuration(s.Spec.Interval)
	switch src.head.Kind {
	case "OCIRepository":
		tag, _ := s.Spec.Ref["tag"].(string)
		ls := s.Spec.LayerSelector
		if len(s.Spec.Ref) != 1 || tag == "" || ls.MediaType != helmLayer || ls.Operation != "copy" || !strings.HasPrefix(s.Spec.URL, "oci://") {
			return &notTyped{"spec", "its OCIRepository is not a Helm chart at a tag (ref.tag, the chart's layer copied)"}, nil
		}
		i := strings.LastIndex(s.Spec.URL, "/")
		c.repo, c.name, c.version = s.Spec.URL[:i], s.Spec.URL[i+1:], tag
		c.renovate = refComment(src.node)
	case "HelmRepository":
		if s.Spec.Type != "" && s.Spec.Type != "default" || strategy != "" && strategy != "ChartVersion" {
			return &notTyped{"spec", "hogen's HelmRepository sources are HTTP Helm repositories"}, nil
		}
		c.repo, c.name, c.version = strings.TrimRight(s.Spec.URL, "/"), name, version
	case "GitRepository":
		if strategy != "Revision" || version != "" && version != "*" {
			return &notTyped{"spec.chart.spec", "hogen's Git charts follow the Git revision (reconcileStrategy: Revision)"}, nil
		}
		c.git, c.path, c.ref = s.Spec.URL, strings.TrimPrefix(name, "./"), s.Spec.Ref
	}
	if c.git == "" && !chartVersion.MatchString(c.version) {
		return &notTyped{"spec", fmt.Sprintf("its chart version %q is not a SemVer version", c.version)}, nil
	}
	return nil, nil
}

// helmLayer is the media type of a Helm chart in an OCI artifact.
const helmLayer = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"

// refComment is the `renovate:` comment on an OCIRepository's tag.
func refComment(n *yaml.Node) []string {
	var out []string
	walkPairs(n, func(path []string, k, v *yaml.Node) {
		if strings.Join(path, ".") == "spec.ref.tag" {
			for _, l := range importerComments(k, v) {
				if strings.HasPrefix(l, "renovate:") {
					out = append(out, l)
				}
			}
		}
	})
	return out
}

// walkPairs calls f for every key of mapping n and the mappings under it.
func walkPairs(n *yaml.Node, f func(path []string, k, v *yaml.Node)) {
	var walk func(n *yaml.Node, path []string)
	walk = func(n *yaml.Node, path []string) {
		if n.Kind != yaml.MappingNode {
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			p := append(append([]string{}, path...), n.Content[i].Value)
			f(p, n.Content[i], n.Content[i+1])
			walk(n.Content[i+1], p)
		}
	}
	walk(n, nil)
}

// importerComments are the comments above key k and after value v.
func importerComments(k, v *yaml.Node) []string {
	var out []string
	for _, t := range []string{k.HeadComment, k.LineComment, v.LineComment} {
		for _, l := range strings.Split(t, "\n") {
			if l = strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(l), "#")); l != "" {
				out = append(out, l)
			}
		}
	}
	return out
}
