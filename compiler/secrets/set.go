package secrets

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/getsops/sops/v3"
)

// maxValue bounds a value read from stdin: secrets are tokens, passwords
// and small credential files, and a runaway pipe should not fill memory.
const maxValue = 1 << 20

// ReadValue reads a secret value, dropping one trailing newline (what
// `echo` and an editor add) so a pasted token is the token.
func ReadValue(r io.Reader) (string, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxValue+1))
	if err != nil {
		return "", fmt.Errorf("reading the value: %w", err)
	}
	if len(b) > maxValue {
		return "", fmt.Errorf("reading the value: longer than %d bytes", maxValue)
	}
	b = bytes.TrimSuffix(b, []byte("\n"))
	b = bytes.TrimSuffix(b, []byte("\r"))
	return string(b), nil
}

// SetOptions says how SetValue encrypts.
type SetOptions struct {
	// Recipients to encrypt to. Empty keeps the existing file's; a new file
	// needs them. Different from the file's, they re-encrypt every value
	// to the new set (rotation).
	Recipients []string
	// Identities open the existing file, whose other values must be
	// decrypted to re-encrypt them with the new one (sops has one data key
	// and one MAC per file). Not needed for a new file.
	Identities *Identities
}

// SetValue sets secret name to value in the InputFile at path, creating it
// if needed, and re-encrypts. Plaintext never touches the disk: the file is
// replaced atomically by an encrypted temporary file beside it.
func SetValue(path, name, value string, opts SetOptions) error {
	if err := ValidName(name); err != nil {
		return err
	}
	if value == "" {
		return fmt.Errorf("secret %q: the value is empty (pipe it on stdin)", name)
	}
	branch, recipients, err := currentEntries(path, opts)
	if err != nil {
		return err
	}
	if len(opts.Recipients) > 0 {
		recipients = opts.Recipients
	}
	branch = setItem(branch, name, value)
	out, err := encryptBranches(sops.TreeBranches{branch}, recipients, "", nil)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return WriteFileAtomic(path, out)
}

// currentEntries decrypts the existing file, if any, into its entries (with
// comments) and its recipients.
func currentEntries(path string, opts SetOptions) (sops.TreeBranch, []string, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if len(opts.Recipients) == 0 {
			return nil, nil, fmt.Errorf("%s does not exist yet: give the age recipients to encrypt it to "+
				"(cluster.sops.ageRecipients; 'hogen secrets init' prints yours)", path)
		}
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("reading secrets: %w", err)
	}
	if _, _, err := parseInput(data); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	tree, err := decryptTree(data, opts.Identities)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return tree.Branches[0], recipientsOf(tree), nil
}

// setItem replaces name's value in place, keeping order and comments, or
// appends it.
func setItem(b sops.TreeBranch, name, value string) sops.TreeBranch {
	for i, item := range b {
		if item.Key == name {
			b[i].Value = value
			return b
		}
	}
	return append(b, sops.TreeItem{Key: name, Value: value})
}

// WriteFileAtomic replaces path with data through a temporary file in the
// same directory and a rename, so a reader sees the old file or the new
// one, never a part. An existing file's permissions are kept.
func WriteFileAtomic(path string, data []byte) (err error) {
	mode := fs.FileMode(0o644)
	if fi, err := os.Stat(path); err == nil {
		mode = fi.Mode().Perm()
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = tmp.Chmod(mode); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// AddValues adds values to the InputFile encrypted in existing, keeping its
// entries, comments and recipients, and returns the file re-encrypted. A
// name it holds already with the same value is left as it is; with another
// value it is an error that names it (never the values): a secret is not
// replaced behind the user's back.
func AddValues(existing []byte, values map[string]string, ids *Identities) ([]byte, error) {
	if _, _, err := parseInput(existing); err != nil {
		return nil, err
	}
	tree, err := decryptTree(existing, ids)
	if err != nil {
		return nil, err
	}
	branch := tree.Branches[0]
	have := map[string]any{}
	for _, item := range branch {
		if k, ok := item.Key.(string); ok {
			have[k] = item.Value
		}
	}
	var clash []string
	for _, name := range slices.Sorted(maps.Keys(values)) {
		old, ok := have[name]
		switch {
		case !ok:
			branch = append(branch, sops.TreeItem{Key: name, Value: values[name]})
		case old != values[name]:
			clash = append(clash, name)
		}
	}
	if len(clash) > 0 {
		return nil, fmt.Errorf("it holds %s already, with other values", quoteAll(clash))
	}
	return encryptBranches(sops.TreeBranches{branch}, recipientsOf(tree), "", nil)
}

func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, ", ")
}
