// Package inputs reads the secret inputs beside a description
// (secrets.sops.yaml, the Talos secrets bundle and client certificate):
// their names without a key, their values with one; it warns about inputs
// behind the recipients, re-encrypts them on rotate, and guards every
// output against leaking what they hold.
package inputs

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"

	"github.com/hogen-dev/hogen/compiler/check"
	"github.com/hogen-dev/hogen/compiler/diag"
	"github.com/hogen-dev/hogen/compiler/model"
	"github.com/hogen-dev/hogen/compiler/secrets"
	"github.com/hogen-dev/hogen/emitters/talos"
)

// SecretNames lists the names in dir's secrets.sops.yaml without a key
// (SOPS keeps keys in clear); no file means no secrets.
func SecretNames(dir string) ([]string, error) {
	b, err := readInput(dir, secrets.InputFile)
	if b == nil || err != nil {
		return nil, err
	}
	names, err := secrets.Names(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, secrets.InputFile), err)
	}
	return names, nil
}

// Unlocked is what opening a description's secret inputs gave.
type Unlocked struct {
	// Identities are the age keys found; empty when none was.
	Identities *secrets.Identities
	// Locked lists the encrypted inputs no key was found for. Their
	// outputs are kept as they are and reported unverified.
	Locked []string
	// Need, when keys were found but none is a recipient of the locked
	// inputs, lists their recipients: the keys that would open them.
	Need []string
}

// lockedBy takes a KeyError (keys found, none of them a recipient: another
// cluster's key in sops' default key file, say) for a locked input, as if
// no key were found: for a check, a key that opens nothing is no worse
// than none. The recipients it needs are kept for the warning.
func (u *Unlocked) lockedBy(rel string, err error) bool {
	var ke *secrets.KeyError
	if !errors.As(err, &ke) {
		return false
	}
	u.Locked = append(u.Locked, rel)
	u.Need = slices.Compact(slices.Sorted(slices.Values(append(u.Need, ke.Need...))))
	return true
}

// Unlock decrypts the description's secret inputs into d.Inputs, with the
// age keys getenv leads to (as sops finds them): secrets.sops.yaml, and the
// Talos secrets bundle and client certificate. No key is not an error: the
// inputs stay locked and are listed. Keys none of which is a recipient
// count as no key, and Need says which would do. A tampered file is an
// error. A referenced secret that is empty is
// reported at its reference.
func Unlock(d *model.Description, dir string, getenv func(string) string) (*Unlocked, error) {
	ids, err := secrets.LoadIdentities(getenv)
	if err != nil {
		return nil, err
	}
	u := &Unlocked{Identities: ids}
	// read returns an input's encrypted bytes, or nil (not there, or no key
	// to open it: then it is listed as locked).
	read := func(rel string) ([]byte, error) {
		b, err := readInput(dir, rel)
		if b != nil && ids.Empty() {
			u.Locked = append(u.Locked, rel)
			return nil, nil
		}
		return b, err
	}
	decrypt := func(rel string) ([]byte, error) {
		b, err := read(rel)
		if b == nil || err != nil {
			return nil, err
		}
		plain, err := secrets.Decrypt(b, ids)
		if u.lockedBy(rel, err) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Join(dir, rel), err)
		}
		return plain, nil
	}
	b, err := read(secrets.InputFile)
	switch {
	case err != nil:
		return nil, err
	case b != nil:
		if d.Inputs.Secrets, err = secrets.DecryptValues(b, ids); u.lockedBy(secrets.InputFile, err) {
			d.Inputs.Secrets = nil
		} else if err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Join(dir, secrets.InputFile), err)
		}
	case len(u.Locked) == 0:
		d.Inputs.Secrets = map[string]string{} // no input file: no secrets
	}
	if d.Inputs.TalosSecrets, err = decrypt(talos.SecretsFile); err != nil {
		return nil, err
	}
	if d.Inputs.TalosClient, err = decrypt(talos.ClientFile); err != nil {
		return nil, err
	}
	d.Inputs.TalosLocked = slices.Contains(u.Locked, talos.SecretsFile)
	if ds := emptySecrets(d); len(ds) > 0 {
		return nil, ds
	}
	return u, nil
}

// emptySecrets reports every reference to a secret whose value is empty:
// an empty token shipped to a cluster fails late and far from its cause.
func emptySecrets(d *model.Description) diag.Diagnostics {
	c := &diag.Collector{Pos: d.Pos}
	check.ForEachSecretRef(d, func(path, name string) {
		if v, ok := d.Inputs.Secrets[name]; ok && v == "" {
			c.Errorf(path, fmt.Sprintf("set it: echo -n VALUE | hogen secrets set %s", name), "secret %q is empty in %s", name, secrets.InputFile)
		}
	})
	return c.Diags.Sorted()
}
