package inputs

import (
	"maps"

	"github.com/hogen-dev/hogen/compiler/diag"
	"github.com/hogen-dev/hogen/compiler/model"
	"github.com/hogen-dev/hogen/compiler/secrets"
	"github.com/hogen-dev/hogen/emitters"
	"github.com/hogen-dev/hogen/emitters/talos"
)

// GuardLeaks fails when a file that is not encrypted holds a secret value
// hogen knows: the input secrets and the Talos key material (the bundle's
// keys and tokens, and the admin client key). It names the
// file and the secret, never the value. Values too short to scan for come
// back as warnings.
func GuardLeaks(d *model.Description, files []emitters.File) (diag.Diagnostics, error) {
	named := maps.Clone(d.Inputs.Secrets)
	if named == nil {
		named = map[string]string{}
	}
	for file, plain := range map[string][]byte{talos.SecretsFile: d.Inputs.TalosSecrets, talos.ClientFile: d.Inputs.TalosClient} {
		if plain == nil {
			continue
		}
		km, err := secrets.FlattenYAML(file, plain, secrets.TalosKeyMaterial)
		if err != nil {
			return nil, err
		}
		maps.Copy(named, km)
	}
	warns, err := secrets.GuardLeaks(files, named)
	var diags diag.Diagnostics
	for _, w := range warns {
		diags = append(diags, diag.Diagnostic{Warning: true, Path: "secrets." + w.Secret, Msg: w.Msg})
	}
	return diags, err
}
