package flux

import (
	"bytes"
	"context"
	"fmt"
	"path"
	"slices"
	"strings"

	kustomizev1 "github.com/fluxcd/kustomize-controller/api/v1"
	"github.com/fluxcd/pkg/envsubst"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	"github.com/hogen-dev/hogen/compiler/model"
	"github.com/hogen-dev/hogen/emitters"
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
	// it has none. sources are the directories whose files the build
	// reads: its own and its Components'.
	substitute *kustomizev1.PostBuild
	sources    []string
	// shape is what the build's outcome depends on, names aside; builds of
	// one shape run once. Empty: always run.
	shape string
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
	sources := []string{dir}
	for _, c := range ks.Spec.Components {
		sources = append(sources, path.Join(dir, c))
	}
	return fluxBuild{dir: dir, flux: &kust, substitute: ks.Spec.PostBuild, sources: sources}
}

// checkRoot holds the kustomizations hogen builds only to check a tree.
const checkRoot = ".hogen-check"

// componentBuild builds a Component by itself, as the one component of an
// empty kustomization: a Component no app uses is still checked.
func componentBuild(name, dir string) fluxBuild {
	root := path.Join(checkRoot, dir)
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
//
// Builds of one shape run kustomize once (see shape.go): they are the same
// computation under a renaming.
func (t *tree) build(ctx context.Context, d *model.Description) error {
	fs, err := t.stage(ctx, d)
	if err != nil {
		return err
	}
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	done := map[string]bool{}
	for _, b := range t.builds {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := t.substituteCheck(d, b); err != nil {
			return fmt.Errorf("kustomize build %s: %w", b.dir, err)
		}
		if b.shape != "" && done[b.shape] {
			continue
		}
		done[b.shape] = true
		if b.flux != nil {
			data, err := manifest.Encode(b.flux)
			if err != nil {
				return fmt.Errorf("kustomize build %s: %w", b.dir, err)
			}
			if err := fs.WriteFile("/"+b.dir+"/kustomization.yaml", data); err != nil {
				return fmt.Errorf("kustomize build: staging %s: %w", b.dir, err)
			}
		}
		if _, err := k.Run(fs, "/"+b.dir); err != nil {
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

// substituteCheck substitutes a build's postBuild variables into each
// object it reads that does not opt out, with Flux's own envsubst, and
// parses the result: a value that breaks the YAML fails here, not in the
// cluster. It reads the objects as hogen wrote them (kustomize only adds
// metadata, never a variable), and only those that hold one. Values hogen
// cannot know (secrets, the app's substituteFrom objects) stand in as a
// word: what matters is whether the structure survives.
func (t *tree) substituteCheck(d *model.Description, b fluxBuild) error {
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
	for _, dir := range b.sources {
		for _, f := range t.under(dir) {
			if err := substituteFile(f, t.standin[f.Path], vars); err != nil {
				return err
			}
		}
	}
	return nil
}

// under returns the files directly or deeper under dir, skipping
// ConfigMap contents (resources/), which are not objects. The files are
// sorted.
func (t *tree) under(dir string) []emitters.File {
	prefix := dir + "/"
	i, _ := slices.BinarySearchFunc(t.files, prefix, func(f emitters.File, p string) int { return strings.Compare(f.Path, p) })
	var out []emitters.File
	for ; i < len(t.files) && strings.HasPrefix(t.files[i].Path, prefix); i++ {
		if !strings.Contains(t.files[i].Path[len(prefix):], resourcesDir+"/") {
			out = append(out, t.files[i])
		}
	}
	return out
}

var docSeparator = []byte("\n---\n")

func substituteFile(f emitters.File, standin []byte, vars func(string) (string, bool)) error {
	data := f.Data
	if data == nil {
		data = standin
	}
	if !bytes.Contains(data, []byte("${")) {
		return nil
	}
	for _, doc := range bytes.Split(data, docSeparator) {
		if !bytes.Contains(doc, []byte("${")) || bytes.Contains(doc, []byte(substituteAnnotation+": disabled")) {
			continue
		}
		unsafe := false
		out, err := envsubst.Eval(string(doc), func(name string) (string, bool) {
			v, ok := vars(name)
			unsafe = unsafe || !plainSafe(v)
			return v, ok
		})
		if err != nil {
			return fmt.Errorf("%s: Flux cannot substitute its variables: %w", f.Path, err)
		}
		if !unsafe {
			continue // such values cannot change the document's structure
		}
		var v any
		if err := yaml.Unmarshal([]byte(out), &v); err != nil {
			return fmt.Errorf("%s: not YAML once Flux substitutes its variables: %w", f.Path, err)
		}
	}
	return nil
}

// plainSafe tells whether a value, put anywhere a variable may stand in
// hogen's YAML (a plain or quoted scalar), leaves the document's structure
// as it is: letters, digits and . _ - / @ + only.
func plainSafe(v string) bool {
	for _, r := range v {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._-/@+", r)) {
			return false
		}
	}
	return true
}
