package flux

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"testing"

	kustomizev1 "github.com/fluxcd/kustomize-controller/api/v1"
	"github.com/fluxcd/pkg/envsubst"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

// applied is an object Flux applies, and the Flux Kustomization that
// applies it.
type applied struct {
	obj map[string]any
	by  string
}

// fluxApply returns the objects Flux applies from the repository in fsys,
// by apiVersion/kind/namespace/name: the Kustomizations of
// kubernetes/flux/cluster (what the flux-system sync applies), then every
// Flux Kustomization those apply, each built as kustomize-controller
// builds it (its kustomization file, or one generated over the
// directory's YAML, with the Kustomization's targetNamespace, patches and
// Components added; krusty without load restrictions or plugins; then
// commonMetadata and postBuild substitution).
func fluxApply(t *testing.T, fsys fs.FS) map[string]applied {
	t.Helper()
	mem := filesys.MakeFsInMemory()
	err := fs.WalkDir(fsys, ".", func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		return mem.WriteFile("/"+p, b)
	})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]applied{}
	var queue []map[string]any
	roots, err := fs.ReadDir(fsys, "kubernetes/flux/cluster")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range roots {
		b, err := fs.ReadFile(fsys, path.Join("kubernetes/flux/cluster", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range yamlObjects(t, e.Name(), b) {
			out[objectKey(o)] = applied{obj: o, by: "flux-system"}
			queue = append(queue, o)
		}
	}
	for len(queue) > 0 {
		ks := queue[0]
		queue = queue[1:]
		if !isFluxKustomization(ks) {
			continue
		}
		name := objectKey(ks)
		for _, o := range fluxBuild(t, mem, ks) {
			k := objectKey(o)
			if prev, dup := out[k]; dup {
				t.Errorf("%s is applied by both %s and %s", k, prev.by, name)
			}
			out[k] = applied{obj: o, by: name}
			queue = append(queue, o)
		}
	}
	return out
}

func isFluxKustomization(o map[string]any) bool {
	av, _ := o["apiVersion"].(string)
	return o["kind"] == "Kustomization" && strings.HasPrefix(av, "kustomize.toolkit.fluxcd.io/")
}

// objectKey is apiVersion/kind/namespace/name.
func objectKey(o map[string]any) string {
	meta, _ := o["metadata"].(map[string]any)
	return fmt.Sprintf("%v %v %v/%v", o["apiVersion"], o["kind"], meta["namespace"], meta["name"])
}

func yamlObjects(t *testing.T, name string, b []byte) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, doc := range strings.Split(string(b), "\n---") {
		var o map[string]any
		if err := yaml.Unmarshal([]byte(doc), &o); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(o) > 0 {
			out = append(out, o)
		}
	}
	return out
}

// fluxBuild builds what one Flux Kustomization applies.
func fluxBuild(t *testing.T, mem filesys.FileSystem, obj map[string]any) []map[string]any {
	t.Helper()
	var ks kustomizev1.Kustomization
	b, _ := yaml.Marshal(obj)
	if err := yaml.Unmarshal(b, &ks); err != nil {
		t.Fatalf("%s: %v", objectKey(obj), err)
	}
	dir := "/" + path.Clean(strings.TrimPrefix(ks.Spec.Path, "./"))
	kfile := dir + "/kustomization.yaml"
	var kust types.Kustomization
	original, readErr := mem.ReadFile(kfile)
	if readErr == nil {
		if err := yaml.Unmarshal(original, &kust); err != nil {
			t.Fatalf("%s: %v", kfile, err)
		}
	} else {
		kust = types.Kustomization{TypeMeta: types.TypeMeta{APIVersion: types.KustomizationVersion, Kind: types.KustomizationKind}, Resources: scan(t, mem, dir)}
	}
	if ks.Spec.TargetNamespace != "" {
		kust.Namespace = ks.Spec.TargetNamespace
	}
	for _, p := range ks.Spec.Patches {
		kp := types.Patch{Patch: p.Patch}
		if s := p.Target; s != nil {
			kp.Target = &types.Selector{AnnotationSelector: s.AnnotationSelector, LabelSelector: s.LabelSelector}
			kp.Target.Group, kp.Target.Version, kp.Target.Kind, kp.Target.Name, kp.Target.Namespace = s.Group, s.Version, s.Kind, s.Name, s.Namespace
		}
		kust.Patches = append(kust.Patches, kp)
	}
	kust.Components = append(kust.Components, ks.Spec.Components...)
	gen, _ := yaml.Marshal(kust)
	if err := mem.WriteFile(kfile, gen); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if readErr == nil {
			_ = mem.WriteFile(kfile, original)
		} else {
			_ = mem.RemoveAll(kfile)
		}
	}()
	opts := krusty.MakeDefaultOptions()
	opts.LoadRestrictions = types.LoadRestrictionsNone
	opts.PluginConfig = types.DisabledPluginConfig()
	res, err := krusty.MakeKustomizer(opts).Run(mem, dir)
	if err != nil {
		t.Fatalf("building %s (%s): %v", dir, objectKey(obj), err)
	}
	var out []map[string]any
	for _, r := range res.Resources() {
		m, err := r.Map()
		if err != nil {
			t.Fatal(err)
		}
		m = withMetadata(m, ks.Spec.CommonMetadata)
		out = append(out, substituted(t, m, ks.Spec.PostBuild))
	}
	return out
}

// scan lists what Flux generates a kustomization of: every .yaml file
// under dir, and the directories below that have a kustomization file.
func scan(t *testing.T, mem filesys.FileSystem, dir string) []string {
	t.Helper()
	var out []string
	err := mem.Walk(dir, func(p string, info fs.FileInfo, err error) error {
		if err != nil || p == dir {
			return err
		}
		if info.IsDir() {
			if mem.Exists(p + "/kustomization.yaml") {
				out = append(out, "."+strings.TrimPrefix(p, dir))
				return fs.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml") {
			out = append(out, "."+strings.TrimPrefix(p, dir))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// withMetadata adds commonMetadata's labels and annotations to o.
func withMetadata(o map[string]any, cm *kustomizev1.CommonMetadata) map[string]any {
	if cm == nil {
		return o
	}
	meta, _ := o["metadata"].(map[string]any)
	for field, add := range map[string]map[string]string{"labels": cm.Labels, "annotations": cm.Annotations} {
		if len(add) == 0 {
			continue
		}
		m, _ := meta[field].(map[string]any)
		if m == nil {
			m = map[string]any{}
		}
		for k, v := range add {
			m[k] = v
		}
		meta[field] = m
	}
	return o
}

// substituted is o with the postBuild variables substituted, as Flux does
// (an object may opt out; a variable nothing defines is empty).
// substituteFrom objects are not in the repository: their variables are
// left as Flux would leave undefined ones.
func substituted(t *testing.T, o map[string]any, pb *kustomizev1.PostBuild) map[string]any {
	t.Helper()
	meta, _ := o["metadata"].(map[string]any)
	ann, _ := meta["annotations"].(map[string]any)
	if pb == nil || ann[substituteAnnotation] == "disabled" {
		return o
	}
	b, _ := yaml.Marshal(o)
	out, err := envsubst.Eval(string(b), func(name string) (string, bool) {
		return pb.Substitute[name], true // Flux's, unless substituteStrict
	})
	if err != nil {
		t.Fatalf("%s: substituting: %v", objectKey(o), err)
	}
	var m map[string]any
	if err := yaml.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("%s: substituted: %v", objectKey(o), err)
	}
	return m
}
