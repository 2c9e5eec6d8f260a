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

// Secrets is a talsecret imported: the files to write, who they are
// encrypted to, and the key material for the leak guard.
type Secrets struct {
	// Files are talos/secrets.sops.yaml and talos/client.sops.yaml,
	// encrypted; nil when there was no talsecret.
	Files map[string][]byte
	// Recipients become cluster.sops.ageRecipients.
	Recipients []string
	// Keys are the decrypted key material, by where it lives.
	Keys map[string]string
}

// ImportSecrets imports talhelper's secrets bundle from dir (the
// directory talconfig.yaml is in; the `talosctl gen secrets` format, which
// hogen keeps too) as talos/secrets.sops.yaml, so the imported cluster
// keeps its CAs and tokens, with a new talosconfig client certificate
// signed by its OS CA as talos/client.sops.yaml. Both are encrypted to the
// bundle's own age recipients, or opts.AgeRecipients. A missing talsecret
// is warned about at o.
func ImportSecrets(dir fs.FS, opts importer.Options, o *importer.Obj) (*Secrets, error) {
	return importSecrets(dir, opts, &importer.Keyring{Getenv: opts.Getenv}, o)
}

func importSecrets(dir fs.FS, opts importer.Options, keys *importer.Keyring, o *importer.Obj) (*Secrets, error) {
	out := &Secrets{Recipients: opts.AgeRecipients, Keys: map[string]string{}}
	name, b, err := findTalsecret(dir, o)
	if err != nil || b == nil {
		return out, err
	}
	plain := b
	if importer.IsSOPS(b) {
		if len(out.Recipients) == 0 {
			if out.Recipients, err = secrets.Recipients(b); err != nil {
				return nil, fmt.Errorf("reading %s: %w", name, err)
			}
		}
		if plain, err = keys.Open(name, b); err != nil {
			return nil, err
		}
	}
	if len(out.Recipients) == 0 {
		return nil, fmt.Errorf("%s is not encrypted, and hogen keeps the Talos secrets encrypted: pass --age-recipient with your age public key", name)
	}
	client, err := talos.NewClientCert(plain)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	out.Files = map[string][]byte{}
	for path, data := range map[string][]byte{talos.SecretsFile: plain, talos.ClientFile: client} {
		if out.Files[path], err = secrets.Encrypt(data, out.Recipients, ""); err != nil {
			return nil, fmt.Errorf("encrypting %s: %w", path, err)
		}
		if m, err := secrets.FlattenYAML(path, data, secrets.TalosKeyMaterial); err == nil {
			maps.Copy(out.Keys, m)
		}
	}
	return out, nil
}

func findTalsecret(dir fs.FS, o *importer.Obj) (string, []byte, error) {
	if dir == nil {
		return "", nil, nil
	}
	var name string
	var data []byte
	for _, f := range talsecretFiles {
		b, err := fs.ReadFile(dir, f)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return "", nil, fmt.Errorf("reading %s: %w", f, err)
		}
		if name != "" {
			o.Warn("", "both %s and %s exist: the last, %s, is imported, as talhelper uses it", name, f, f)
		}
		name, data = f, b
	}
	if name == "" {
		o.Warn("", "no talsecret.yaml or talsecret.sops.yaml found: no Talos secrets imported; `hogen talos init` makes new ones, a new cluster identity that nodes talhelper configured will not accept")
	}
	return name, data, nil
}

// talsecret imports the talsecret beside talconfig.yaml.
func (im *imp) talsecret(root *importer.Obj) (map[string][]byte, error) {
	s, err := importSecrets(im.fsys, im.opts, im.keys, root)
	if err != nil {
		return nil, err
	}
	im.c.AgeRecipients, im.bundleKeys = s.Recipients, s.Keys
	return s.Files, nil
}
