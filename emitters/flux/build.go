package flux

import (
	"bytes"
	"context"
	"fmt"
	"path"

	kustomizev1 "github.com/fluxcd/kustomize-controller/api/v1"
	"github.com/fluxcd/pkg/envsubst"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resmap"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	"github.com/hogen-dev/hogen/compiler/model"
	"github.com/hogen-dev/hogen/emitters/manifest"
	"github.com/hogen-dev/hogen/emitters/namespaces"
)

// fluxBuild is one kustomize build as Flux runs it.
type fluxBuild struct {
	// dir is the directory built.
	dir string
	// flux is the kustomization.yaml Flux builds there: the one written,
	// with the Flux Kustomization's components, targetNamespace and
	// patches added, as kustomize-controller adds them. Nil builds the
	// file as written.
	flux *types.Kustomization
	// substitute is the Kustomization's postBuild substitution; nil when
	// it has none.
	substitute *kustomizev1.PostBuild
}

// fluxBuildOf is how Flux builds the directory of Kustomization ks.
func fluxBuildOf(ks *kustomizev1.Kustomization, dir string, written types.Kustomization) fluxBuild {
	kust := written
	kust.Namespace = ks.Spec.TargetNamespace
	kust.Components = append(kust.Components, ks.Spec.Components...)
	for _, p := range ks.Spec.Patches {
		kp := types.Patch{Patch: p.Patch}
		if p.Target != nil {
			kp.Target = &types.Selector{AnnotationSelector: p.Target.AnnotationSelector, LabelSelector: p.Target.LabelSelector}
			kp.Target.Group, kp.Target.Version, kp.Target.Kind = p.Target.Group, p.Target.Version, p.Target.Kind
			kp.Target.Name, kp.Target.Namespace = p.Target.Name, p.Target.Namespace
		}
		kust.Patches = append(kust.Patches, kp)
	}
	return fluxBuild{dir: dir, flux: &kust, substitute: ks.Spec.PostBuild}
}

// componentBuild builds a Component by itself, as the one component of an
// empty kustomization: a Component no app uses is still checked.
func componentBuild(name, dir string) fluxBuild {
	root := path.Join(".hogen-check", dir)
	k := kustomization(nil)
	k.Components = []string{relPath(root, dir)}
	return fluxBuild{dir: root, flux: &k}
}

// plainBuild builds a directory's kustomization.yaml as written.
func plainBuild(dir string) fluxBuild { return fluxBuild{dir: dir} }

// build runs kustomize over every build recorded, in an in-memory copy of
// the tree, the way kustomize-controller will: a file listed but missing,
// a Component that does not resolve, a duplicate object or a malformed
// manifest fails here, at build time, not in the cluster. After each build
// the postBuild variables are substituted, as Flux does, and what comes
// out must still be YAML. The namespaces emitter's files are added when it
// runs, since the namespace kustomizations list them.
func (t *tree) build(ctx context.Context, d *model.Description) error {
	fs, err := t.stage(ctx, d)
	if err != nil {
		return err
	}
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	for _, b := range t.builds {
		if err := ctx.Err(); err != nil {
			return err
		}
		if b.flux != nil {
			data, err := manifest.Encode(b.flux)
			if err != nil {
				return fmt.Errorf("kustomize build %s: %w", b.dir, err)
			}
			if err := fs.WriteFile("/"+b.dir+"/kustomization.yaml", data); err != nil {
				return fmt.Errorf("kustomize build: staging %s: %w", b.dir, err)
			}
		}
		m, err := k.Run(fs, "/"+b.dir)
		if err != nil {
			return fmt.Errorf("kustomize build %s: %w", b.dir, err)
		}
		if err := substituteCheck(d, b, m); err != nil {
			return fmt.Errorf("kustomize build %s: %w", b.dir, err)
		}
	}
	return nil
}

// stage writes the tree into an in-memory file system.
func (t *tree) stage(ctx context.Context, d *model.Description) (filesys.FileSystem, error) {
	fs := filesys.MakeFsInMemory()
	for _, f := range t.files {
		data := f.Data
		if data == nil {
			data = t.standin[f.Path]
		}
		if err := fs.WriteFile("/"+f.Path, data); err != nil {
			return nil, fmt.Errorf("kustomize build: staging %s: %w", f.Path, err)
		}
	}
	if d.Emitters.Namespaces.Enabled {
		nsFiles, err := namespaces.Emit(ctx, d)
		if err != nil {
			return nil, err
		}
		for _, f := range nsFiles {
			if err := fs.WriteFile("/"+f.Path, f.Data); err != nil {
				return nil, fmt.Errorf("kustomize build: staging %s: %w", f.Path, err)
			}
		}
	}
	return fs, nil
}

// substituteCheck substitutes a build's postBuild variables into each of
// its objects that does not opt out, with Flux's own envsubst, and parses
// the result. Values hogen cannot know (secrets, substituteFrom objects of
// the app's) stand in as a word: what matters is whether the structure
// survives.
func substituteCheck(d *model.Description, b fluxBuild, m resmap.ResMap) error {
	if b.substitute == nil {
		return nil
	}
	vars := func(name string) (string, bool) {
		if v, ok := b.substitute.Substitute[name]; ok {
			return v, true
		}
		if v, ok := d.Cluster.Substitutions.Settings[name]; ok {
			return v, true
		}
		return "value", true
	}
	for _, r := range m.Resources() {
		if r.GetAnnotations()[substituteAnnotation] == "disabled" {
			continue
		}
		y, err := r.AsYAML()
		if err != nil || !bytes.Contains(y, []byte("${")) {
			continue
		}
		out, err := envsubst.Eval(string(y), vars)
		if err != nil {
			return fmt.Errorf("%s %s: Flux cannot substitute its variables: %w", r.GetKind(), r.GetName(), err)
		}
		var v any
		if err := yaml.Unmarshal([]byte(out), &v); err != nil {
			return fmt.Errorf("%s %s: not YAML once Flux substitutes its variables: %w", r.GetKind(), r.GetName(), err)
		}
	}
	return nil
}
