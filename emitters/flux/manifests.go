package flux

import (
	"path"

	"sigs.k8s.io/kustomize/api/types"

	"github.com/hogen-dev/hogen/compiler/model"
)

// emitManifests writes extra objects as they are, one file each, and
// returns their entries for kustomization.yaml in name order. (The
// compiler refused a Secret among them: it would be plaintext.)
func emitManifests(t *tree, ms []model.Manifest, dir string) ([]string, error) {
	var out []string
	for _, m := range ms {
		if err := t.add(path.Join(dir, m.File+".yaml"), m.Object); err != nil {
			return nil, err
		}
		out = append(out, "./"+m.File+".yaml")
	}
	return out, nil
}

// resourcesDir holds the files of generated ConfigMaps, beside the
// kustomization.yaml that lists them (kustomize reads only files under
// its own directory).
const resourcesDir = "resources"

// emitConfigMaps writes each key of each ConfigMap to resources/<key> and
// returns the configMapGenerator entries that read them, as home-ops
// writes them: no name suffix, and substitution off where asked.
func emitConfigMaps(t *tree, cms []model.ConfigMap, dir, ns string) []types.ConfigMapArgs {
	var out []types.ConfigMapArgs
	for _, cm := range cms {
		args := types.ConfigMapArgs{GeneratorArgs: types.GeneratorArgs{Name: cm.Name, Namespace: ns}}
		for _, e := range cm.Entries {
			t.addRaw(path.Join(dir, resourcesDir, e.Key), []byte(e.Data))
			args.FileSources = append(args.FileSources, e.Key+"=./"+resourcesDir+"/"+e.Key)
		}
		opts := &types.GeneratorOptions{Labels: cm.Labels, Annotations: copyMap(cm.Annotations), DisableNameSuffixHash: !cm.HashSuffix}
		if !cm.Substitution {
			if opts.Annotations == nil {
				opts.Annotations = map[string]string{}
			}
			opts.Annotations[substituteAnnotation] = "disabled"
		}
		args.Options = opts
		out = append(out, args)
	}
	return out
}

func copyMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
