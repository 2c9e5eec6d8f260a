package talhelper

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"

	"github.com/hogen-dev/hogen/compiler/importer"
	"github.com/hogen-dev/hogen/compiler/secrets"
	"github.com/hogen-dev/hogen/emitters/talos"
)

// talsecretFiles are the files talhelper reads the Talos secrets bundle
// from, beside talconfig.yaml; when several exist, the last one is used,
// as talhelper does.
var talsecretFiles = []string{"talsecret.yaml", "talsecret.sops.yaml", "talsecret.yml", "talsecret.sops.yml"}

// talsecret imports talhelper's secrets bundle (the `talosctl gen secrets`
// format hogen keeps too) as talos/secrets.sops.yaml, so the imported
// cluster keeps its CAs and tokens, with a new talosconfig client
// certificate signed by its OS CA as talos/client.sops.yaml. Both are
// encrypted to the bundle's own age recipients (or --age-recipient), which
// become cluster.sops.ageRecipients.
func (im *imp) talsecret(root *importer.Obj) (map[string][]byte, error) {
	im.c.AgeRecipients = im.opts.AgeRecipients
	name, b, err := im.findTalsecret(root)
	if err != nil || b == nil {
		return nil, err
	}
	plain := b
	if isSOPS(b) {
		if len(im.c.AgeRecipients) == 0 {
			if im.c.AgeRecipients, err = secrets.Recipients(b); err != nil {
				return nil, fmt.Errorf("reading %s: %w", name, err)
			}
		}
		if plain, err = im.keys.decrypt(name, b); err != nil {
			return nil, err
		}
	}
	if len(im.c.AgeRecipients) == 0 {
		return nil, fmt.Errorf("%s is not encrypted, and hogen keeps the Talos secrets encrypted: pass --age-recipient with your age public key", name)
	}
	client, err := talos.NewClientCert(plain)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	im.bundle, im.client = plain, client
	out := map[string][]byte{}
	for path, data := range map[string][]byte{talos.SecretsFile: plain, talos.ClientFile: client} {
		if out[path], err = secrets.Encrypt(data, im.c.AgeRecipients, ""); err != nil {
			return nil, fmt.Errorf("encrypting %s: %w", path, err)
		}
	}
	return out, nil
}

func (im *imp) findTalsecret(root *importer.Obj) (string, []byte, error) {
	var name string
	var data []byte
	for _, f := range talsecretFiles {
		if im.fsys == nil {
			break
		}
		b, err := fs.ReadFile(im.fsys, f)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return "", nil, fmt.Errorf("reading %s: %w", f, err)
		}
		if name != "" {
			root.Warn("", "both %s and %s exist: the last, %s, is imported, as talhelper uses it", name, f, f)
		}
		name, data = f, b
	}
	if name == "" && im.fsys != nil {
		root.Warn("", "no talsecret.yaml beside talconfig.yaml: no Talos secrets imported; `hogen talos init` makes new ones, a new cluster identity that nodes talhelper configured will not accept")
	}
	return name, data, nil
}

// bundleKeys are the imported bundle's and client's key material, for the
// leak guard.
func (im *imp) bundleKeys() map[string]string {
	out := map[string]string{}
	for label, data := range map[string][]byte{"talsecret": im.bundle, "talos client": im.client} {
		if data == nil {
			continue
		}
		if m, err := secrets.FlattenYAML(label, data, secrets.TalosKeyMaterial); err == nil {
			maps.Copy(out, m)
		}
	}
	return out
}
