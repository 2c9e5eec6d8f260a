package flux

import (
	"path"
	"slices"
	"strings"

	helmv2 "github.com/fluxcd/helm-controller/api/v2"
	kustomizev1 "github.com/fluxcd/kustomize-controller/api/v1"
	"github.com/fluxcd/pkg/apis/meta"
	sourcev1 "github.com/fluxcd/source-controller/api/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/hogen-dev/hogen/compiler/model"
)

// fluxKustomization is one Flux Kustomization of an app's ks.yaml: its
// policy as merged in the model, then what it applies and waits for. repo
// is the description's directory in its Git repository: Flux reads paths
// from the repository's root.
func fluxKustomization(repo string, a *model.App, k *model.Kustomization) (*kustomizev1.Kustomization, error) {
	ks := &kustomizev1.Kustomization{
		TypeMeta:   metav1.TypeMeta{APIVersion: kustomizev1.GroupVersion.String(), Kind: kustomizev1.KustomizationKind},
		ObjectMeta: metav1.ObjectMeta{Name: k.Name},
	}
	if err := decodePolicy(k.Policy, &ks.Spec); err != nil {
		return nil, err
	}
	if k.Namespace == Namespace {
		// In the namespaced layout the namespace's kustomization.yaml sets it.
		ks.ObjectMeta.Namespace = Namespace
	}
	dir := path.Join(appDir(a), k.Dir)
	ks.Spec.Path = repoPath(repo, dir)
	ks.Spec.SourceRef = kustomizev1.CrossNamespaceSourceReference{Kind: sourcev1.GitRepositoryKind, Name: SourceName}
	if k.Namespace != Namespace {
		ks.Spec.SourceRef.Namespace = Namespace
	}
	ks.Spec.TargetNamespace = k.TargetNamespace
	for _, c := range k.Components {
		ks.Spec.Components = append(ks.Spec.Components, relPath(dir, path.Join(ComponentsDir, c)))
	}
	ks.Spec.CommonMetadata = commonMetadata(ks.Spec.CommonMetadata, k.Labels)
	ks.Spec.PostBuild = postBuild(k)
	ks.Spec.DependsOn = dependencies(k.DependsOn, k.Namespace)
	if len(k.Secrets) > 0 {
		ks.Spec.Decryption = sopsDecryption()
	}
	// With wait, Flux checks every object it applied and ignores
	// healthChecks: list them only when they mean something.
	if !ks.Spec.Wait {
		ks.Spec.HealthChecks = healthChecks(a, k)
	}
	return ks, nil
}

// commonMetadata adds the app label to what the policy sets.
func commonMetadata(cm *kustomizev1.CommonMetadata, labels map[string]string) *kustomizev1.CommonMetadata {
	if len(labels) == 0 {
		return cm
	}
	if cm == nil {
		cm = &kustomizev1.CommonMetadata{}
	}
	if cm.Labels == nil {
		cm.Labels = map[string]string{}
	}
	for k, v := range labels {
		if _, set := cm.Labels[k]; !set {
			cm.Labels[k] = v
		}
	}
	return cm
}

// dependencies are dependsOn entries in name order, once each, with the
// namespace only where it is not the dependent's own.
func dependencies(deps []model.Dependency, own string) []meta.DependencyReference {
	var out []meta.DependencyReference
	for _, d := range deps {
		ref := meta.DependencyReference{Name: d.Name}
		if d.Namespace != own {
			ref.Namespace = d.Namespace
		}
		if !slices.Contains(out, ref) {
			out = append(out, ref)
		}
	}
	slices.SortFunc(out, func(a, b meta.DependencyReference) int {
		return strings.Compare(a.Namespace+"/"+a.Name, b.Namespace+"/"+b.Name)
	})
	return out
}

// repoPath is the path Flux reads for dir, a path relative to the
// description: "./" and dir inside the repository.
func repoPath(repo, dir string) string { return "./" + path.Join(repo, dir) }

func sopsDecryption() *kustomizev1.Decryption {
	return &kustomizev1.Decryption{Provider: "sops", SecretRef: &meta.LocalObjectReference{Name: SOPSSecret}}
}

// healthChecks waits on the Kustomization's HelmReleases (unless
// cluster.flux.releaseHealthChecks is false), then on what the user
// listed.
func healthChecks(a *model.App, k *model.Kustomization) []meta.NamespacedObjectKindReference {
	var out []meta.NamespacedObjectKindReference
	releases := k.Releases
	if k.OmitReleaseHealthChecks {
		releases = nil
	}
	for _, r := range releases {
		out = append(out, meta.NamespacedObjectKindReference{
			APIVersion: helmv2.GroupVersion.String(), Kind: helmv2.HelmReleaseKind, Name: r.Name, Namespace: k.ObjectNamespace(a),
		})
	}
	for _, h := range k.HealthChecks {
		out = append(out, meta.NamespacedObjectKindReference{APIVersion: h.APIVersion, Kind: h.Kind, Name: h.Name, Namespace: h.Namespace})
	}
	return out
}

// postBuild is the Kustomization's substitution: its own variables and
// the objects it reads more from; nil when there is none or it is off.
func postBuild(k *model.Kustomization) *kustomizev1.PostBuild {
	if !k.Substitution || len(k.Substitute)+len(k.SubstituteFrom) == 0 {
		return nil
	}
	pb := &kustomizev1.PostBuild{Substitute: k.Substitute}
	for _, ref := range k.SubstituteFrom {
		pb.SubstituteFrom = append(pb.SubstituteFrom, kustomizev1.SubstituteReference{Kind: ref.Kind, Name: ref.Name, Optional: ref.Optional})
	}
	return pb
}
