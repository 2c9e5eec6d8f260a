package flux

import (
	"fmt"
	"path"
	"strings"

	kustomizev1 "github.com/fluxcd/kustomize-controller/api/v1"
	"sigs.k8s.io/kustomize/api/types"

	"github.com/hogen-dev/hogen/compiler/model"
)

// appDir is kubernetes/apps/<ns>/<app>.
func appDir(a *model.App) string { return path.Join(AppsDir, a.Namespace, a.Name) }

// emitApp writes the app's ks.yaml, one document per Flux Kustomization,
// and each Kustomization's directory. It reads nothing of d but the
// inputs: the secret values its Secrets name.
func emitApp(t *tree, d *model.Description, a model.App) error {
	var docs []any
	for i := range a.Kustomizations {
		k := &a.Kustomizations[i]
		ks, err := fluxKustomization(d.Inputs.RepoPath, &a, k)
		if err != nil {
			return inKustomization(&a, k, err)
		}
		docs = append(docs, ks)
		if err := emitKustomizationDir(t, d, &a, k, ks); err != nil {
			return inKustomization(&a, k, err)
		}
	}
	return t.add(path.Join(appDir(&a), "ks.yaml"), docs...)
}

// inKustomization names the Kustomization in err when it is not the
// app's own.
func inKustomization(a *model.App, k *model.Kustomization, err error) error {
	if k.Name == a.Name {
		return err
	}
	return fmt.Errorf("Kustomization %s: %w", k.Name, err)
}

// emitKustomizationDir writes the directory one Flux Kustomization
// applies, and records how Flux builds it.
func emitKustomizationDir(t *tree, d *model.Description, a *model.App, k *model.Kustomization, ks *kustomizev1.Kustomization) error {
	dir := path.Join(appDir(a), k.Dir)
	ns := generatedNamespace(a, k)
	kust := kustomization(nil)
	if err := emitReleases(t, a, k, dir, ns, &kust); err != nil {
		return err
	}
	if len(k.Secrets) > 0 {
		if err := emitAppSecrets(t, d, k, path.Join(dir, "secret.sops.yaml"), ns); err != nil {
			return err
		}
		kust.Resources = append(kust.Resources, "./secret.sops.yaml")
	}
	esFiles, err := emitExternalSecrets(t, d, k, dir, ns)
	if err != nil {
		return err
	}
	kust.Resources = append(kust.Resources, esFiles...)
	files, err := emitManifests(t, k.Manifests, dir)
	if err != nil {
		return err
	}
	kust.Resources = append(kust.Resources, files...)
	kust.ConfigMapGenerator = emitConfigMaps(t, k.ConfigMaps, dir, ns)
	if err := t.add(path.Join(dir, "kustomization.yaml"), kust); err != nil {
		return err
	}
	b := fluxBuildOf(ks, dir, kust)
	b.shape = buildShape(d, a, k, b.flux)
	t.builds = append(t.builds, b)
	return nil
}

// generatedNamespace is the namespace hogen writes into the objects it
// generates: none when Flux sets it (targetNamespace), else the app's.
func generatedNamespace(a *model.App, k *model.Kustomization) string {
	if k.TargetNamespace != "" {
		return ""
	}
	return a.Namespace
}

// kustomization is a kustomize.config.k8s.io Kustomization listing files.
func kustomization(resources []string) types.Kustomization {
	return types.Kustomization{
		TypeMeta:  types.TypeMeta{APIVersion: types.KustomizationVersion, Kind: types.KustomizationKind},
		Resources: resources,
	}
}

// relPath is the slash path target relative to the directory from, both
// relative to the repository root, as kustomize and Flux take it:
// "../../../../components/volsync".
func relPath(from, target string) string {
	f, t := strings.Split(from, "/"), strings.Split(target, "/")
	i := 0
	for i < len(f) && i < len(t) && f[i] == t[i] {
		i++
	}
	return strings.Repeat("../", len(f)-i) + strings.Join(t[i:], "/")
}
