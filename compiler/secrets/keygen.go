package secrets

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"filippo.io/age"
)

// CreateKey writes a new age identity to path, in age-keygen's format, and
// returns its public key (the recipient). It never overwrites: an existing
// file is an error wrapping fs.ErrExist. The directory is created private
// (0700) and the file is 0600, as age-keygen and sops expect.
func CreateKey(path string, now time.Time) (string, error) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return "", fmt.Errorf("generating an age key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", fmt.Errorf("creating the key's directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return "", fmt.Errorf("%s already exists; hogen never overwrites a key: %w", path, err)
	}
	if err != nil {
		return "", fmt.Errorf("creating the key file: %w", err)
	}
	r := id.Recipient().String()
	_, err = fmt.Fprintf(f, "# created: %s\n# public key: %s\n%s\n", now.UTC().Format(time.RFC3339), r, id)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return "", fmt.Errorf("writing the key file: %w", err)
	}
	return r, nil
}
