package flux

import (
	"fmt"
	"path"
	"time"

	kustomizev1 "github.com/fluxcd/kustomize-controller/api/v1"
	meta "github.com/fluxcd/pkg/apis/meta"
	sourcev1 "github.com/fluxcd/source-controller/api/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/hogen-dev/hogen/compiler/model"
)

// Flux's own objects reconcile hourly and retry after two minutes, as the
// home-ops repositories do.
var (
	rootInterval = metav1.Duration{Duration: time.Hour}
	rootRetry    = metav1.Duration{Duration: 2 * time.Minute}
)

// emitCluster writes what the flux-system Kustomization applies (ks.yaml,
// and the FluxInstance when the operator installs Flux) and the meta tree.
//
// The directory gets no kustomization.yaml on purpose: with `flux
// bootstrap` it also holds flux-system/ (gotk-components.yaml,
// gotk-sync.yaml, kustomization.yaml), which `flux bootstrap` writes and
// hogen does not know; kustomize-controller generates the kustomization
// over everything in the directory.
//
// In the layout "namespaced" there is no cluster-meta: every namespace's
// kustomization.yaml includes the meta tree, so the substitution objects
// are where each app's Kustomization reads them, and cluster-apps decrypts
// cluster-secrets.
func emitCluster(t *tree, d *model.Description) error {
	f := d.Cluster.Flux
	secrets := len(d.Cluster.Substitutions.Secrets) > 0
	var objs []any
	var deps []string
	if hasMeta(d) && f.Layout != model.LayoutNamespaced {
		objs = append(objs, rootKustomization(d.Inputs.RepoPath, ClusterMeta, MetaDir, nil, secrets))
		deps = []string{ClusterMeta}
	}
	apps := rootKustomization(d.Inputs.RepoPath, ClusterApps, AppsDir, deps, secrets && f.Layout == model.LayoutNamespaced)
	if err := decodePolicy(f.ClusterApps, &apps.Spec); err != nil {
		return fmt.Errorf("cluster.flux.clusterApps: %w", err)
	}
	objs = append(objs, apps)
	webhook, err := emitReceiver(t, d)
	if err != nil {
		return err
	}
	if webhook != nil {
		objs = append(objs, webhook)
	}
	if err := t.add(path.Join(f.Source.Path, "ks.yaml"), objs...); err != nil {
		return err
	}
	switch f.Install {
	case InstallOperator:
		if err := t.add(path.Join(f.Source.Path, "fluxinstance.yaml"), FluxInstance(d)); err != nil {
			return err
		}
	case InstallBootstrap, "":
	default:
		return fmt.Errorf("cluster.flux.install: %q is neither %q nor %q", f.Install, InstallBootstrap, InstallOperator)
	}
	return emitMeta(t, d)
}

// rootKustomization is a Kustomization in flux-system over a tree of the
// repository; meta waits for its objects so apps find them.
func rootKustomization(repo, name, dir string, deps []string, decrypt bool) *kustomizev1.Kustomization {
	ks := &kustomizev1.Kustomization{
		TypeMeta:   metav1.TypeMeta{APIVersion: kustomizev1.GroupVersion.String(), Kind: kustomizev1.KustomizationKind},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: Namespace},
		Spec: kustomizev1.KustomizationSpec{
			Interval:      rootInterval,
			RetryInterval: &rootRetry,
			Path:          repoPath(repo, dir),
			Prune:         true,
			SourceRef:     kustomizev1.CrossNamespaceSourceReference{Kind: sourcev1.GitRepositoryKind, Name: SourceName},
			Wait:          name == ClusterMeta,
		},
	}
	if name == ClusterMeta {
		ks.Spec.TargetNamespace = Namespace
	}
	for _, dep := range deps {
		ks.Spec.DependsOn = append(ks.Spec.DependsOn, meta.DependencyReference{Name: dep})
	}
	if decrypt {
		ks.Spec.Decryption = sopsDecryption()
	}
	return ks
}

// hasMeta tells whether there are cluster-wide substitution objects.
func hasMeta(d *model.Description) bool {
	return len(d.Cluster.Substitutions.Settings)+len(d.Cluster.Substitutions.Secrets) > 0
}
