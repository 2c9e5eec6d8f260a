package flux

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path"
	"slices"

	helmv2 "github.com/fluxcd/helm-controller/api/v2"
	sourcev1 "github.com/fluxcd/source-controller/api/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/kustomize/api/types"

	"github.com/hogen-dev/hogen/compiler/model"
)

// emitReleases writes a Kustomization's HelmReleases to helmrelease.yaml
// and their sources to one file per kind (ocirepository.yaml, ...), one
// document each, and lists the files in kust.
func emitReleases(t *tree, a *model.App, k *model.Kustomization, dir, ns string, kust *types.Kustomization) error {
	if len(k.Releases) == 0 {
		return nil
	}
	hrs := make([]any, 0, len(k.Releases))
	sources := map[string][]any{}
	for i := range k.Releases {
		r := &k.Releases[i]
		hr, err := helmRelease(a, k, r, ns)
		if err != nil {
			return fmt.Errorf("release %s: %w", r.Name, err)
		}
		hrs = append(hrs, hr)
		src, file := chartSource(r, ns)
		sources[file] = append(sources[file], src)
	}
	if err := t.add(path.Join(dir, "helmrelease.yaml"), hrs...); err != nil {
		return err
	}
	kust.Resources = append(kust.Resources, "./helmrelease.yaml")
	files := model.SortedKeys(sources)
	slices.Reverse(files) // ocirepository.yaml first: what most apps have, as home-ops lists it
	for _, file := range files {
		if err := t.add(path.Join(dir, file), sources[file]...); err != nil {
			return err
		}
		kust.Resources = append(kust.Resources, "./"+file)
	}
	return nil
}

// helmRelease is one HelmRelease: its policy as merged in the model, its
// chart's source, the values as they are, and what it waits for.
func helmRelease(a *model.App, k *model.Kustomization, r *model.Release, ns string) (*helmv2.HelmRelease, error) {
	hr := &helmv2.HelmRelease{
		TypeMeta:   metav1.TypeMeta{APIVersion: helmv2.GroupVersion.String(), Kind: helmv2.HelmReleaseKind},
		ObjectMeta: metav1.ObjectMeta{Name: r.Name, Namespace: ns},
	}
	if !r.Substitution {
		hr.Annotations = map[string]string{substituteAnnotation: "disabled"}
	}
	if err := decodePolicy(r.Policy, &hr.Spec); err != nil {
		return nil, err
	}
	switch c := r.Chart; {
	case c.IsOCI():
		hr.Spec.ChartRef = &helmv2.CrossNamespaceSourceReference{Kind: sourcev1.OCIRepositoryKind, Name: sourceName(r)}
	case c.IsGit():
		hr.Spec.Chart = &helmv2.HelmChartTemplate{Spec: helmv2.HelmChartTemplateSpec{
			Chart:     "./" + c.Path,
			SourceRef: helmv2.CrossNamespaceObjectReference{Kind: sourcev1.GitRepositoryKind, Name: sourceName(r)},
			// A Git chart changes with its revision, not its version.
			ReconcileStrategy: sourcev1.ReconcileStrategyRevision,
		}}
	default:
		hr.Spec.Chart = &helmv2.HelmChartTemplate{Spec: helmv2.HelmChartTemplateSpec{
			Chart:     c.Name,
			Version:   c.Version,
			SourceRef: helmv2.CrossNamespaceObjectReference{Kind: sourcev1.HelmRepositoryKind, Name: sourceName(r)},
		}}
	}
	values, err := chartValues(r.Values)
	if err != nil {
		return nil, err
	}
	if values != nil {
		hr.Spec.Values = &apiextensionsv1.JSON{Raw: values}
	}
	hr.Spec.DependsOn = dependencies(r.DependsOn, k.ObjectNamespace(a))
	return hr, nil
}

// chartValues returns the values object, or nil when there are none.
func chartValues(raw json.RawMessage) (json.RawMessage, error) {
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 || bytes.Equal(trimmed, []byte("null")) || bytes.Equal(trimmed, []byte("{}")) {
		return nil, nil
	}
	if trimmed[0] != '{' || !json.Valid(trimmed) {
		return nil, fmt.Errorf("values must be a JSON object")
	}
	return trimmed, nil
}
