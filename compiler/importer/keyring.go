package importer

import (
	"fmt"

	"gopkg.in/yaml.v3"

	"github.com/hogen-dev/hogen/compiler/secrets"
)

// Keyring opens SOPS files with the age keys sops would find (through
// Getenv: SOPS_AGE_KEY_FILE, SOPS_AGE_KEY, the default key file), looked
// up once, when the first encrypted file is met.
type Keyring struct {
	Getenv func(string) string
	ids    *secrets.Identities
}

// Open decrypts the SOPS file name holding b and checks its MAC. An error
// wraps secrets.ErrNoKey when no age key was found.
func (k *Keyring) Open(name string, b []byte) ([]byte, error) {
	if k.ids == nil {
		getenv := k.Getenv
		if getenv == nil {
			getenv = func(string) string { return "" }
		}
		ids, err := secrets.LoadIdentities(getenv)
		if err != nil {
			return nil, fmt.Errorf("finding the age key for %s: %w", name, err)
		}
		k.ids = ids
	}
	plain, err := secrets.Decrypt(b, k.ids)
	if err != nil {
		return nil, fmt.Errorf("decrypting %s: %w", name, err)
	}
	return plain, nil
}

// IsSOPS tells whether b is a SOPS-encrypted YAML document: it has a
// top-level sops mapping with a MAC.
func IsSOPS(b []byte) bool {
	var top map[string]any
	if yaml.Unmarshal(b, &top) != nil {
		return false
	}
	m, ok := top["sops"].(map[string]any)
	return ok && m["mac"] != nil
}
