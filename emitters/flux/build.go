package flux

import (
	"context"
	"fmt"
	"path"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/hogen-dev/hogen/compiler/model"
	"github.com/hogen-dev/hogen/emitters/namespaces"
)

// build runs kustomize over every kustomization.yaml in the tree, in an
// in-memory copy of it, the way kustomize-controller will: a file listed
// but missing, a duplicate object or a malformed manifest fails here, at
// build time, not in the cluster. The namespaces emitter's files are
// added when it runs, since the namespace kustomizations list them.
func (t *tree) build(ctx context.Context, d *model.Description) error {
	fs := filesys.MakeFsInMemory()
	for _, f := range t.files {
		data := f.Data
		if data == nil {
			data = t.standin[f.Path]
		}
		if err := fs.WriteFile("/"+f.Path, data); err != nil {
			return fmt.Errorf("kustomize build: staging %s: %w", f.Path, err)
		}
	}
	if d.Emitters.Namespaces.Enabled {
		nsFiles, err := namespaces.Emit(ctx, d)
		if err != nil {
			return err
		}
		for _, f := range nsFiles {
			if err := fs.WriteFile("/"+f.Path, f.Data); err != nil {
				return fmt.Errorf("kustomize build: staging %s: %w", f.Path, err)
			}
		}
	}
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	for _, f := range t.files {
		if path.Base(f.Path) != "kustomization.yaml" {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		dir := path.Dir(f.Path)
		if _, err := k.Run(fs, "/"+dir); err != nil {
			return fmt.Errorf("kustomize build %s: %w", dir, err)
		}
	}
	return nil
}
