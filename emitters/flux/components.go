package flux

import (
	"encoding/json"
	"fmt"
	"path"

	"sigs.k8s.io/kustomize/api/types"

	"github.com/hogen-dev/hogen/compiler/model"
)

// emitComponent writes kubernetes/components/<name>/: a kustomization.yaml
// of kind Component listing its manifests, generating its ConfigMaps and
// holding its patches. Flux adds it to the Kustomizations that name it.
func emitComponent(t *tree, c model.Component) error {
	dir := path.Join(ComponentsDir, c.Name)
	files, err := emitManifests(t, c.Manifests, dir)
	if err != nil {
		return err
	}
	kust := types.Kustomization{
		TypeMeta:           types.TypeMeta{APIVersion: types.ComponentVersion, Kind: types.ComponentKind},
		Resources:          files,
		ConfigMapGenerator: emitConfigMaps(t, c.ConfigMaps, dir, ""),
	}
	if kust.Patches, err = kustomizePatches(c.Patches); err != nil {
		return err
	}
	if err := t.add(path.Join(dir, "kustomization.yaml"), kust); err != nil {
		return err
	}
	t.builds = append(t.builds, componentBuild(c.Name, dir))
	return nil
}

// kustomizePatches reads patches in Flux's form (the model's) as
// kustomize's: the two have the same fields.
func kustomizePatches(raw json.RawMessage) ([]types.Patch, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	var ps []types.Patch
	if err := json.Unmarshal(raw, &ps); err != nil {
		return nil, fmt.Errorf("patches: %w", err)
	}
	return ps, nil
}
