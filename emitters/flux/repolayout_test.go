package flux

import (
	"path"
	"strings"
	"testing"

	kustomizev1 "github.com/fluxcd/kustomize-controller/api/v1"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	"github.com/hogen-dev/hogen/compiler/model"
)

// TestRepoLayouts puts the generated tree where a repository keeps it,
// at its root or in a sub-folder (cluster/), and follows every path Flux
// reads from the repository's root: each Flux Kustomization's spec.path
// must build with kustomize there (Components found through it), and the
// sync path of `flux bootstrap` and of the FluxInstance must hold ks.yaml.
func TestRepoLayouts(t *testing.T) {
	for _, tc := range []struct{ name, repo string }{
		{"root", ""},
		{"sub-folder", "cluster"},
		{"nested", "clusters/home"},
	} {
		for _, gc := range goldenCases {
			t.Run(tc.name+"/"+gc.name, func(t *testing.T) {
				d := gc.model(t)
				d.Inputs.RepoPath = tc.repo
				fs := filesys.MakeFsInMemory()
				tree := emitTree(t, d)
				for p, data := range tree {
					if err := fs.WriteFile("/"+path.Join(tc.repo, p), []byte(data)); err != nil {
						t.Fatal(err)
					}
				}
				built := 0
				for p, data := range tree {
					for _, ks := range fluxKustomizations(t, data) {
						built++
						dir := strings.TrimPrefix(ks.Spec.Path, "./")
						if !fs.Exists("/" + path.Join(dir, "kustomization.yaml")) {
							// Flux generates a kustomization over the
							// directory's files: it must be there.
							if !fs.IsDir("/" + dir) {
								t.Errorf("%s: Kustomization %s: spec.path %s is no directory of the repository", p, ks.Name, ks.Spec.Path)
							}
							continue
						}
						if _, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(fs, "/"+dir); err != nil {
							t.Errorf("%s: Kustomization %s: spec.path %s does not build from the repository root: %v", p, ks.Name, ks.Spec.Path, err)
						}
					}
				}
				if built < 2 {
					t.Errorf("followed %d Flux Kustomizations; every case has cluster-apps and apps", built)
				}
				sync := syncPath(d)
				if !fs.Exists("/" + path.Join(sync, "ks.yaml")) {
					t.Errorf("sync path %s holds no ks.yaml", sync)
				}
			})
		}
	}
}

// syncPath is the path Flux syncs: the FluxInstance's, or the one `flux
// bootstrap` is given.
func syncPath(d *model.Description) string {
	if d.Cluster.Flux.Install == InstallOperator {
		return FluxInstance(d)["spec"].(map[string]any)["sync"].(map[string]any)["path"].(string)
	}
	for _, arg := range strings.Fields(BootstrapCommand(d)) {
		if p, ok := strings.CutPrefix(arg, "--path="); ok {
			return p
		}
	}
	return ""
}

// fluxKustomizations are the Flux Kustomizations of a YAML stream.
func fluxKustomizations(t *testing.T, stream string) []kustomizev1.Kustomization {
	var out []kustomizev1.Kustomization
	for _, doc := range strings.Split(stream, "\n---\n") {
		var ks kustomizev1.Kustomization
		if yaml.Unmarshal([]byte(doc), &ks) != nil || ks.Kind != kustomizev1.KustomizationKind || ks.APIVersion != kustomizev1.GroupVersion.String() {
			continue
		}
		out = append(out, ks)
	}
	return out
}
