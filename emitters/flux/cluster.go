package flux

import (
	"fmt"
	"path"
	"regexp"
	"strings"
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
func emitCluster(t *tree, d *model.Description) error {
	f := d.Cluster.Flux
	hasMeta := len(d.Cluster.Substitutions.Settings)+len(d.Cluster.Substitutions.Secrets) > 0
	var objs []any
	if hasMeta {
		objs = append(objs, rootKustomization(ClusterMeta, MetaDir, nil, len(d.Cluster.Substitutions.Secrets) > 0))
	}
	var deps []string
	if hasMeta {
		deps = []string{ClusterMeta}
	}
	objs = append(objs, rootKustomization(ClusterApps, AppsDir, deps, false))
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
func rootKustomization(name, dir string, deps []string, decrypt bool) *kustomizev1.Kustomization {
	ks := &kustomizev1.Kustomization{
		TypeMeta:   metav1.TypeMeta{APIVersion: kustomizev1.GroupVersion.String(), Kind: kustomizev1.KustomizationKind},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: Namespace},
		Spec: kustomizev1.KustomizationSpec{
			Interval:      rootInterval,
			RetryInterval: &rootRetry,
			Path:          "./" + dir,
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

// FluxInstance is the Flux Operator's object for install "operator": the
// Flux distribution (cluster.flux.version), the four controllers Helm
// releases need, and a sync section from cluster.flux.source, from which
// the operator creates the flux-system GitRepository and Kustomization.
// There is no Go module for the operator's API, so it is a plain object.
func FluxInstance(d *model.Description) map[string]any {
	src := d.Cluster.Flux.Source
	sync := map[string]any{
		"kind": sourcev1.GitRepositoryKind,
		"url":  src.URL,
		"ref":  "refs/heads/" + src.Branch,
		"path": src.Path,
	}
	if strings.HasPrefix(src.URL, "ssh://") {
		// An SSH deploy key, which `flux-operator create secret` or the
		// bootstrap puts in flux-system under this name.
		sync["pullSecret"] = SourceName
	}
	return map[string]any{
		"apiVersion": "fluxcd.controlplane.io/v1",
		"kind":       "FluxInstance",
		"metadata":   map[string]any{"name": "flux", "namespace": Namespace},
		"spec": map[string]any{
			"distribution": map[string]any{"version": fluxVersion(d), "registry": "ghcr.io/fluxcd"},
			"components":   []string{"source-controller", "kustomize-controller", "helm-controller", "notification-controller"},
			"cluster": map[string]any{
				"type":          "kubernetes",
				"networkPolicy": true,
				"domain":        d.Cluster.Domain,
			},
			"sync": sync,
		},
	}
}

func fluxVersion(d *model.Description) string {
	if v := d.Cluster.Flux.Version; v != "" {
		return v
	}
	return "2.x"
}

var exactVersion = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+$`)

// BootstrapCommand is the `flux bootstrap` call for install "bootstrap". It
// writes <path>/flux-system/ (gotk-components.yaml: the controllers;
// gotk-sync.yaml: the flux-system GitRepository and Kustomization from these
// flags; kustomization.yaml) and commits it; hogen writes everything else in
// <path>. An exact cluster.flux.version pins the controllers.
func BootstrapCommand(d *model.Description) string {
	src := d.Cluster.Flux.Source
	args := []string{"flux", "bootstrap", "git",
		"--url=" + src.URL, "--branch=" + src.Branch, "--path=" + src.Path}
	if v := fluxVersion(d); exactVersion.MatchString(v) {
		args = append(args, "--version=v"+v)
	}
	return strings.Join(args, " ")
}

// emitNamespaces writes kubernetes/apps/<ns>/kustomization.yaml: the
// namespace (when the namespaces emitter writes it) and each app's ks.yaml.
// No namespace: field, so the Kustomizations stay in flux-system.
func emitNamespaces(t *tree, d *model.Description) error {
	apps := map[string][]string{}
	for _, a := range d.Apps {
		apps[a.Namespace] = append(apps[a.Namespace], a.Name)
	}
	for _, ns := range d.Namespaces() {
		var resources []string
		if d.Emitters.Namespaces.Enabled {
			resources = append(resources, "./namespace.yaml")
		}
		for _, app := range sortedUniq(apps[ns]) {
			resources = append(resources, "./"+app+"/ks.yaml")
		}
		if err := t.add(path.Join(AppsDir, ns, "kustomization.yaml"), kustomization(resources)); err != nil {
			return err
		}
	}
	return nil
}
