package inputs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/hogen-dev/hogen/compiler/diag"
	"github.com/hogen-dev/hogen/compiler/model"
	"github.com/hogen-dev/hogen/compiler/secrets"
	"github.com/hogen-dev/hogen/emitters/talos"
)

// SecretInputs are the encrypted inputs a build reads, as slash paths under
// the description directory: the secret values, the Talos secrets bundle
// and the Talos admin client certificate. A build re-encrypts the files it
// generates for new recipients, but never these: it cannot remake them, and
// opening them may need a key the build does not have.
var SecretInputs = []string{secrets.InputFile, talos.SecretsFile, talos.ClientFile}

// readInput reads the secret input rel; nil when it does not exist.
func readInput(dir, rel string) ([]byte, error) {
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading secrets: %w", err)
	}
	return b, nil
}

// Stale warns about each secret input in dir that is not encrypted to
// exactly cluster.sops.ageRecipients: with only the key of a recipient
// added there, the next build cannot open it. SOPS keeps recipients in
// clear, so this needs no key. A file that cannot be read or parsed is
// left to the readers that report it as an error.
func Stale(d *model.Description, dir string) diag.Diagnostics {
	want := d.Cluster.SOPS.AgeRecipients
	if len(want) == 0 {
		return nil
	}
	c := &diag.Collector{Pos: d.Pos}
	for _, rel := range SecretInputs {
		b, err := readInput(dir, rel)
		if b == nil || err != nil {
			continue
		}
		have, err := secrets.Recipients(b)
		if err != nil || secrets.SameRecipients(have, want) {
			continue
		}
		c.Warnf("cluster.sops.ageRecipients", fmt.Sprintf("run 'hogen secrets rotate %s' with a key that opens it; "+
			"until then, a key only this list holds cannot open it", dir),
			"%s is still encrypted to %s, not to these recipients",
			filepath.Join(dir, filepath.FromSlash(rel)), strings.Join(have, ", "))
	}
	return c.Diags
}

// RotateInputs re-encrypts each secret input in dir that is not encrypted
// to exactly recipients, opening it with ids, and returns the slash paths
// it rewrote. Values stay as they are. It writes nothing unless every
// input that needs it opens; the error then names each file and the
// recipients whose key opens it. Each file is replaced atomically, so a
// write that fails half way leaves whole files, each openable, and running
// it again finishes the job.
func RotateInputs(dir string, recipients []string, ids *secrets.Identities) ([]string, error) {
	var rotated []string
	out := map[string][]byte{}
	var errs []error
	for _, rel := range SecretInputs {
		b, err := readInput(dir, rel)
		if b == nil || err != nil {
			errs = append(errs, err)
			continue
		}
		enc, changed, err := secrets.Reencrypt(b, recipients, ids)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("%s: %w", filepath.Join(dir, filepath.FromSlash(rel)), err))
		case changed:
			rotated = append(rotated, rel)
			out[rel] = enc
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	for i, rel := range rotated {
		if err := secrets.WriteFileAtomic(filepath.Join(dir, filepath.FromSlash(rel)), out[rel]); err != nil {
			// Each file is whole, old or new; say which are new, since
			// running rotate again finishes the rest.
			return rotated[:i], fmt.Errorf("%w (re-encrypted before it: %d of %d; run rotate again)", err, i, len(rotated))
		}
	}
	return rotated, nil
}
