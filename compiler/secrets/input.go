package secrets

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/getsops/sops/v3"
)

// InputFile is the secret input file beside the description: a flat map
// from a secret's name to its value, every value SOPS/age encrypted. SOPS
// keeps the names in clear, so they are known without a key.
const InputFile = "secrets.sops.yaml"

// namePattern is what a secret name may look like, up to maxNameLen bytes:
// it is referred to from CUE and printed in messages, so it stays plain.
// (The length is checked apart: a counted repetition compiles to hundreds of
// instructions, which every hogen command paid for at start-up.)
var namePattern = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$`)

const maxNameLen = 253

// ValidName checks a secret name, saying what is allowed.
func ValidName(name string) error {
	switch {
	case len(name) > maxNameLen || !namePattern.MatchString(name):
		return fmt.Errorf("secret name %q: use letters, digits, '.', '_' and '-', starting and ending with a letter or digit", name)
	case name == "sops":
		return errors.New(`secret name "sops" is reserved for SOPS' metadata`)
	case strings.HasSuffix(name, sops.DefaultUnencryptedSuffix):
		return fmt.Errorf("secret name %q: sops leaves values whose name ends in %q unencrypted", name, sops.DefaultUnencryptedSuffix)
	}
	return nil
}

// Inputs are the secrets read from a description's InputFile.
type Inputs struct {
	// Path is the file read.
	Path string
	// Names are the secrets' names, sorted; known without a key.
	Names []string
	// Values maps a name to its value; nil when no key was found.
	Values map[string]string
	// NoKey says why Values is nil.
	NoKey string
	// Recipients are the file's age recipients.
	Recipients []string
}

// LoadInputs reads dir's InputFile: names always, values when an age key
// is found (LoadIdentities, through getenv). No file means no secrets. No
// key leaves Values nil with the reason in NoKey; a key that does not open
// the file, a tampered file or a malformed one is an error.
func LoadInputs(dir string, getenv func(string) string) (*Inputs, error) {
	path := filepath.Join(dir, InputFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &Inputs{Path: path, Values: map[string]string{}}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading secrets: %w", err)
	}
	tree, names, err := parseInput(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	in := &Inputs{Path: path, Names: names, Recipients: recipientsOf(tree)}
	ids, err := LoadIdentities(getenv)
	if err != nil {
		return nil, err
	}
	in.Values, err = DecryptValues(data, ids)
	if errors.Is(err, ErrNoKey) {
		in.Values = nil
		in.NoKey = fmt.Sprintf("%s: %v", path, err)
		return in, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return in, nil
}

// Value returns a referenced secret, failing, with the fix, when it is
// missing or empty (an empty token shipped to a cluster fails late and
// far from its cause).
func (in *Inputs) Value(name string) (string, error) {
	if in.Values == nil {
		return "", fmt.Errorf("secret %q: no value without a key: %s", name, in.NoKey)
	}
	v, ok := in.Values[name]
	switch {
	case !ok:
		return "", fmt.Errorf("secret %q is not in %s: add it with 'hogen secrets set %s'", name, in.Path, name)
	case v == "":
		return "", fmt.Errorf("secret %q in %s is empty: set it with 'hogen secrets set %s'", name, in.Path, name)
	}
	return v, nil
}

// Names lists the names in an encrypted InputFile without decrypting it,
// checking that the file is a flat map of encrypted strings.
func Names(data []byte) ([]string, error) {
	_, names, err := parseInput(data)
	return names, err
}

func parseInput(data []byte) (*sops.Tree, []string, error) {
	tree, err := loadEncrypted(data)
	if err != nil {
		return nil, nil, err
	}
	if len(tree.Branches) != 1 {
		return nil, nil, fmt.Errorf("want one YAML document, found %d", len(tree.Branches))
	}
	var names []string
	seen := map[string]bool{}
	for _, item := range tree.Branches[0] {
		if _, ok := item.Key.(sops.Comment); ok {
			continue
		}
		name, ok := item.Key.(string)
		if !ok {
			return nil, nil, fmt.Errorf("key %v is not a string: a secrets file maps names to values", item.Key)
		}
		if err := checkEntry(name, item.Value); err != nil {
			return nil, nil, err
		}
		if seen[name] {
			return nil, nil, fmt.Errorf("secret %q appears twice", name)
		}
		seen[name] = true
		names = append(names, name)
	}
	sort.Strings(names)
	return tree, names, nil
}

// checkEntry checks one top-level entry while still encrypted: a valid name
// and an encrypted string (sops records the type in clear), or the empty
// string, which sops never encrypts and which leaks nothing.
func checkEntry(name string, v any) error {
	if err := ValidName(name); err != nil {
		return err
	}
	s, ok := v.(string)
	switch {
	case ok && s == "":
		return nil // sops leaves empty strings unencrypted; a reference to it fails where it is made
	case !ok:
		return fmt.Errorf("secret %q is not a single value: a secrets file is a flat map of name: value", name)
	case !strings.HasPrefix(s, "ENC[") || !strings.HasSuffix(s, "]"):
		return fmt.Errorf("secret %q is stored in clear: re-create it with 'hogen secrets set %s'", name, name)
	case !strings.HasSuffix(s, ",type:str]"):
		return fmt.Errorf("secret %q is not a string: quote its value", name)
	}
	return nil
}

// DecryptValues decrypts an InputFile with ids and returns its values.
func DecryptValues(data []byte, ids *Identities) (map[string]string, error) {
	if _, _, err := parseInput(data); err != nil {
		return nil, err
	}
	tree, err := decryptTree(data, ids)
	if err != nil {
		return nil, err
	}
	return branchValues(tree.Branches[0])
}

func branchValues(b sops.TreeBranch) (map[string]string, error) {
	out := map[string]string{}
	for _, item := range b {
		name, ok := item.Key.(string)
		if !ok {
			continue // a comment
		}
		v, ok := item.Value.(string)
		if !ok {
			return nil, fmt.Errorf("secret %q is not a string", name)
		}
		out[name] = v
	}
	return out, nil
}
