package flux

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	helmv2 "github.com/fluxcd/helm-controller/api/v2"
	kustomizev1 "github.com/fluxcd/kustomize-controller/api/v1"
	"github.com/fluxcd/pkg/apis/meta"
	sourcev1 "github.com/fluxcd/source-controller/api/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/kustomize/api/types"

	"github.com/hogen-dev/hogen/compiler/model"
)

// Remediation defaults, written into every HelmRelease so a reviewer sees
// them: retry a failed install or upgrade three times, roll an upgrade back
// when it keeps failing, and clean up what a failed upgrade created.
const remediationRetries = 3

// appDir is kubernetes/apps/<ns>/<app>.
func appDir(a model.App) string { return path.Join(AppsDir, a.Namespace, a.Name) }

// emitApp writes the app's Flux Kustomization and its app/ directory.
func emitApp(t *tree, d *model.Description, a model.App) error {
	ks, err := appKustomization(d, a)
	if err != nil {
		return err
	}
	if err := t.add(path.Join(appDir(a), "ks.yaml"), ks); err != nil {
		return err
	}
	dir := path.Join(appDir(a), "app")
	hr, err := helmRelease(a)
	if err != nil {
		return err
	}
	resources := []string{"./helmrelease.yaml"}
	if err := t.add(path.Join(dir, "helmrelease.yaml"), hr); err != nil {
		return err
	}
	src, file := chartSource(a)
	resources = append(resources, "./"+file)
	if err := t.add(path.Join(dir, file), src); err != nil {
		return err
	}
	if len(a.Secrets) > 0 {
		if err := emitAppSecrets(t, d, a, path.Join(dir, "secret.sops.yaml")); err != nil {
			return err
		}
		resources = append(resources, "./secret.sops.yaml")
	}
	extra, err := emitManifests(t, a, dir)
	if err != nil {
		return err
	}
	return t.add(path.Join(dir, "kustomization.yaml"), kustomization(append(resources, extra...)))
}

// kustomization is a kustomize.config.k8s.io Kustomization listing files.
func kustomization(resources []string) types.Kustomization {
	return types.Kustomization{
		TypeMeta:  types.TypeMeta{APIVersion: types.KustomizationVersion, Kind: types.KustomizationKind},
		Resources: resources,
	}
}

// appKustomization is kubernetes/apps/<ns>/<app>/ks.yaml.
func appKustomization(d *model.Description, a model.App) (*kustomizev1.Kustomization, error) {
	durs, err := durations(a.Interval, a.Timeout, a.RetryInterval)
	if err != nil {
		return nil, err
	}
	ks := &kustomizev1.Kustomization{
		TypeMeta:   metav1.TypeMeta{APIVersion: kustomizev1.GroupVersion.String(), Kind: kustomizev1.KustomizationKind},
		ObjectMeta: metav1.ObjectMeta{Name: a.Name, Namespace: Namespace},
		Spec: kustomizev1.KustomizationSpec{
			CommonMetadata:  &kustomizev1.CommonMetadata{Labels: map[string]string{"app.kubernetes.io/name": a.Name}},
			Interval:        durs[0],
			Timeout:         &durs[1],
			RetryInterval:   &durs[2],
			Path:            "./" + path.Join(appDir(a), "app"),
			Prune:           a.Prune,
			Wait:            a.Wait,
			SourceRef:       kustomizev1.CrossNamespaceSourceReference{Kind: sourcev1.GitRepositoryKind, Name: SourceName},
			TargetNamespace: a.Namespace,
			PostBuild:       postBuild(d),
		},
	}
	for _, dep := range sortedUniq(a.DependsOn) {
		ks.Spec.DependsOn = append(ks.Spec.DependsOn, meta.DependencyReference{Name: dep})
	}
	if len(a.Secrets) > 0 {
		ks.Spec.Decryption = sopsDecryption()
	}
	// With wait, Flux checks every object it applied and ignores
	// healthChecks: list them only when they mean something.
	if !a.Wait {
		ks.Spec.HealthChecks = healthChecks(a)
	}
	return ks, nil
}

func sopsDecryption() *kustomizev1.Decryption {
	return &kustomizev1.Decryption{Provider: "sops", SecretRef: &meta.LocalObjectReference{Name: SOPSSecret}}
}

// healthChecks waits on the app's HelmRelease, then on what the user listed.
func healthChecks(a model.App) []meta.NamespacedObjectKindReference {
	out := []meta.NamespacedObjectKindReference{{
		APIVersion: helmv2.GroupVersion.String(), Kind: helmv2.HelmReleaseKind, Name: a.Name, Namespace: a.Namespace,
	}}
	for _, h := range a.HealthChecks {
		out = append(out, meta.NamespacedObjectKindReference{APIVersion: h.APIVersion, Kind: h.Kind, Name: h.Name, Namespace: h.Namespace})
	}
	return out
}

// postBuild substitutes from the cluster-wide objects that exist; nil when
// the description has no substitutions.
func postBuild(d *model.Description) *kustomizev1.PostBuild {
	var from []kustomizev1.SubstituteReference
	if len(d.Cluster.Substitutions.Settings) > 0 {
		from = append(from, kustomizev1.SubstituteReference{Kind: "ConfigMap", Name: SettingsName})
	}
	if len(d.Cluster.Substitutions.Secrets) > 0 {
		from = append(from, kustomizev1.SubstituteReference{Kind: "Secret", Name: SecretsName})
	}
	if from == nil {
		return nil
	}
	return &kustomizev1.PostBuild{SubstituteFrom: from}
}

// helmRelease is the app's HelmRelease, with the model's values as they are.
// The app's timeout bounds the Helm install and upgrade too: a chart given
// 15m in its Kustomization would otherwise still fail at Helm's 5m default.
func helmRelease(a model.App) (*helmv2.HelmRelease, error) {
	durs, err := durations(a.Interval, a.Timeout)
	if err != nil {
		return nil, err
	}
	rollback := helmv2.RollbackRemediationStrategy
	hr := &helmv2.HelmRelease{
		TypeMeta:   metav1.TypeMeta{APIVersion: helmv2.GroupVersion.String(), Kind: helmv2.HelmReleaseKind},
		ObjectMeta: metav1.ObjectMeta{Name: a.Name},
		Spec: helmv2.HelmReleaseSpec{
			Interval: durs[0],
			Timeout:  &durs[1],
			Install:  &helmv2.Install{Remediation: &helmv2.InstallRemediation{Retries: remediationRetries}},
			Upgrade: &helmv2.Upgrade{
				CleanupOnFail: true,
				Remediation:   &helmv2.UpgradeRemediation{Retries: remediationRetries, Strategy: &rollback},
			},
		},
	}
	if a.Chart.IsOCI() {
		hr.Spec.ChartRef = &helmv2.CrossNamespaceSourceReference{Kind: sourcev1.OCIRepositoryKind, Name: a.Name}
	} else {
		hr.Spec.Chart = &helmv2.HelmChartTemplate{Spec: helmv2.HelmChartTemplateSpec{
			Chart:     a.Chart.Name,
			Version:   a.Chart.Version,
			SourceRef: helmv2.CrossNamespaceObjectReference{Kind: sourcev1.HelmRepositoryKind, Name: a.Name},
		}}
	}
	values, err := chartValues(a.Values)
	if err != nil {
		return nil, err
	}
	if values != nil {
		hr.Spec.Values = &apiextensionsv1.JSON{Raw: values}
	}
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

// chartSource is the OCIRepository (oci:// charts, at <repo>/<chart> and
// tagged with the version) or the HelmRepository the chart comes from, and
// its file name. Both are named after the app, so they never clash.
func chartSource(a model.App) (any, string) {
	interval := metav1.Duration{Duration: time.Hour}
	repo := strings.TrimRight(a.Chart.Repo, "/")
	if a.Chart.IsOCI() {
		return &sourcev1.OCIRepository{
			TypeMeta:   metav1.TypeMeta{APIVersion: sourcev1.GroupVersion.String(), Kind: sourcev1.OCIRepositoryKind},
			ObjectMeta: metav1.ObjectMeta{Name: a.Name},
			Spec: sourcev1.OCIRepositorySpec{
				URL:       repo + "/" + a.Chart.Name,
				Reference: &sourcev1.OCIRepositoryRef{Tag: a.Chart.Version},
				// A Helm chart is one layer of this type; copy it as is.
				LayerSelector: &sourcev1.OCILayerSelector{MediaType: "application/vnd.cncf.helm.chart.content.v1.tar+gzip", Operation: sourcev1.OCILayerCopy},
				Interval:      interval,
			},
		}, "ocirepository.yaml"
	}
	return &sourcev1.HelmRepository{
		TypeMeta:   metav1.TypeMeta{APIVersion: sourcev1.GroupVersion.String(), Kind: sourcev1.HelmRepositoryKind},
		ObjectMeta: metav1.ObjectMeta{Name: a.Name},
		Spec:       sourcev1.HelmRepositorySpec{URL: repo, Interval: interval},
	}, "helmrepository.yaml"
}

// emitManifests writes the app's extra objects, one file each, and returns
// their entries for kustomization.yaml in name order.
func emitManifests(t *tree, a model.App, dir string) ([]string, error) {
	stems := make([]string, 0, len(a.Manifests))
	for stem := range a.Manifests {
		stems = append(stems, stem)
	}
	slices.Sort(stems)
	var out []string
	for _, stem := range stems {
		var head struct {
			Kind string `json:"kind"`
		}
		if err := json.Unmarshal(a.Manifests[stem], &head); err != nil {
			return nil, fmt.Errorf("manifest %q: %w", stem, err)
		}
		if head.Kind == "Secret" {
			return nil, fmt.Errorf("manifest %q is a Secret and would be written in plaintext: list it under secrets instead", stem)
		}
		if err := t.add(path.Join(dir, stem+".yaml"), a.Manifests[stem]); err != nil {
			return nil, err
		}
		out = append(out, "./"+stem+".yaml")
	}
	return out, nil
}

// durations parses Kubernetes durations such as "1h" or "2m30s".
func durations(ss ...string) ([]metav1.Duration, error) {
	out := make([]metav1.Duration, len(ss))
	for i, s := range ss {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("duration %q: want a positive duration such as \"5m\" or \"1h\"", s)
		}
		out[i] = metav1.Duration{Duration: d}
	}
	return out, nil
}
