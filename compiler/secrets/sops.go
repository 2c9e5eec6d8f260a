// Package secrets is hogen's secret handling, in-process with the sops and
// age libraries (no sops binary): it finds age keys where sops users keep
// them, encrypts and decrypts SOPS YAML that the sops CLI and Flux's
// kustomize-controller read, seals generated secret files without
// ciphertext churn (Sealer), manages the secret input file
// secrets.sops.yaml, re-encrypts input files for new recipients
// (Reencrypt), and guards against secret values leaking into
// plaintext output (GuardLeaks).
package secrets

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"filippo.io/age"
	"github.com/getsops/sops/v3"
	"github.com/getsops/sops/v3/aes"
	sopsage "github.com/getsops/sops/v3/age"
	"github.com/getsops/sops/v3/config"
	"github.com/getsops/sops/v3/keyservice"
	"github.com/getsops/sops/v3/stores"
	sopsyaml "github.com/getsops/sops/v3/stores/yaml"
)

// Indent is the YAML indentation of the files hogen encrypts. The .sops.yaml
// hogen writes sets the same (stores.yaml.indent), so `sops edit` does not
// reflow a file.
const Indent = 2

// sopsVersion is the sops library's version, which a file's metadata
// records. It is sops' version.Version, written out: that package brings a
// command-line and man-page library into the binary, which every hogen
// command paid for at start-up. TestSopsVersion keeps them equal.
const sopsVersion = "3.13.3"

// ErrNoKey means no age private key was found; the error wrapping it says
// where hogen looked.
var ErrNoKey = errors.New("no age private key found")

// ErrMAC means a file's message authentication code does not match its
// contents: it was changed without sops, or is corrupt.
var ErrMAC = errors.New("MAC mismatch")

// KeyError means age keys were found but none can open a file.
type KeyError struct {
	// Need are the file's recipients: a private key of one of them opens it.
	Need []string
	// Have are the public keys of the private keys found.
	Have []string
	// Searched is where keys were looked for.
	Searched string
}

func (e *KeyError) Error() string {
	return fmt.Sprintf("none of the age keys found (%s; their public keys: %s) opens it: it is encrypted to %s; "+
		"put the private key of one of those recipients in %s or sops' default key file",
		e.Searched, strings.Join(e.Have, ", "), strings.Join(e.Need, ", "), KeyFileEnv)
}

func newStore() *sopsyaml.Store {
	return sopsyaml.NewStore(&config.YAMLStoreConfig{Indent: Indent})
}

// Encrypt encrypts a YAML document to age recipients and returns SOPS YAML.
// encryptedRegex limits encryption to the values of matching keys (for a
// Kubernetes Secret `^(data|stringData)$`); "" encrypts every value, with
// the sops CLI's default unencrypted_suffix, as `sops encrypt` would.
func Encrypt(plainYAML []byte, recipients []string, encryptedRegex string) ([]byte, error) {
	return encrypt(plainYAML, recipients, encryptedRegex, nil)
}

// encrypt is Encrypt, keeping YAML nodes in nodes (nil: none kept).
func encrypt(plainYAML []byte, recipients []string, encryptedRegex string, nodes *nodeCache) ([]byte, error) {
	branches, err := loadPlain(plainYAML)
	if err != nil {
		return nil, fmt.Errorf("encrypting: reading the plaintext YAML: %w", err)
	}
	if len(branches) == 0 {
		return nil, errors.New("encrypting: the plaintext has no YAML document")
	}
	if newStore().HasSopsTopLevelKey(branches[0]) {
		return nil, fmt.Errorf("encrypting: the plaintext already has a top-level %q key (is it encrypted already?)", stores.SopsMetadataKey)
	}
	return encryptBranches(branches, recipients, encryptedRegex, nodes)
}

func encryptBranches(branches sops.TreeBranches, recipients []string, encryptedRegex string, nodes *nodeCache) ([]byte, error) {
	group, err := keyGroup(recipients)
	if err != nil {
		return nil, err
	}
	tree := sops.Tree{Branches: branches, Metadata: sops.Metadata{
		KeyGroups:      []sops.KeyGroup{group},
		EncryptedRegex: encryptedRegex,
		Version:        sopsVersion,
	}}
	if encryptedRegex == "" {
		tree.Metadata.UnencryptedSuffix = sops.DefaultUnencryptedSuffix
	}
	dataKey, errs := tree.GenerateDataKeyWithKeyServices([]keyservice.KeyServiceClient{ageKeyService{}.client()})
	if len(errs) > 0 {
		return nil, fmt.Errorf("encrypting the data key: %w", errors.Join(errs...))
	}
	// common.EncryptTree, with the compiled walk.
	cipher := aes.NewCipher()
	mac, err := encryptValues(&tree, dataKey, cipher)
	if err != nil {
		return nil, fmt.Errorf("encrypting: %w", err)
	}
	tree.Metadata.LastModified = time.Now().UTC()
	tree.Metadata.MessageAuthenticationCode, err = cipher.Encrypt(mac, dataKey, tree.Metadata.LastModified.Format(time.RFC3339))
	if err != nil {
		return nil, fmt.Errorf("encrypting the MAC: %w", err)
	}
	out, err := emitEncrypted(tree, nodes)
	if err != nil {
		return nil, fmt.Errorf("encrypting: writing SOPS YAML: %w", err)
	}
	return out, nil
}

// keyGroup makes one age master key per recipient, sorted and without
// duplicates so the metadata does not depend on the order they were given.
func keyGroup(recipients []string) (sops.KeyGroup, error) {
	rs := normRecipients(recipients)
	if len(rs) == 0 {
		return nil, errors.New("encrypting: no age recipients: set cluster.sops.ageRecipients (see 'hogen secrets init')")
	}
	var group sops.KeyGroup
	for _, r := range rs {
		mk, err := sopsage.MasterKeyFromRecipient(r)
		if err != nil {
			return nil, fmt.Errorf("encrypting: recipient %q: %w", r, err)
		}
		group = append(group, mk)
	}
	return group, nil
}

func normRecipients(rs []string) []string {
	out := make([]string, 0, len(rs))
	for _, r := range rs {
		if r = strings.TrimSpace(r); r != "" {
			out = append(out, r)
		}
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// Decrypt decrypts SOPS YAML with ids, verifies its MAC, and returns the
// plaintext YAML. A missing key wraps ErrNoKey, a wrong key is a *KeyError,
// a tampered file wraps ErrMAC.
func Decrypt(encrypted []byte, ids *Identities) ([]byte, error) {
	tree, err := decryptTree(encrypted, ids)
	if err != nil {
		return nil, err
	}
	return emitPlain(tree.Branches, nil)
}

// loadEncrypted parses SOPS YAML without decrypting it.
func loadEncrypted(encrypted []byte) (*sops.Tree, error) {
	tree, err := loadEncryptedTree(encrypted)
	if err != nil {
		if errors.Is(err, sops.MetadataNotFound) {
			return nil, fmt.Errorf("not a SOPS file: it has no %q metadata", stores.SopsMetadataKey)
		}
		return nil, fmt.Errorf("reading SOPS YAML: %w", err)
	}
	return &tree, nil
}

func decryptTree(encrypted []byte, ids *Identities) (*sops.Tree, error) {
	tree, err := loadEncrypted(encrypted)
	if err != nil {
		return nil, err
	}
	if err := openTree(tree, ids); err != nil {
		return nil, err
	}
	return tree, nil
}

// openTree decrypts a loaded SOPS tree in place and verifies its MAC.
func openTree(tree *sops.Tree, ids *Identities) error {
	have, err := checkCanOpen(tree, ids)
	if err != nil {
		return err
	}
	svc := ageKeyService{ids: have}
	key, err := tree.Metadata.GetDataKeyWithKeyServices([]keyservice.KeyServiceClient{svc.client()}, nil)
	if err != nil {
		return &KeyError{Need: recipientsOf(tree), Have: ids.Recipients(), Searched: ids.Searched()}
	}
	cipher := aes.NewCipher()
	mac, err := decryptValues(tree, key, cipher)
	if err != nil {
		return fmt.Errorf("decrypting values: %w (the file is corrupt: restore it from Git)", err)
	}
	want, err := cipher.Decrypt(tree.Metadata.MessageAuthenticationCode, key, tree.Metadata.LastModified.Format(time.RFC3339))
	if err != nil || want != mac {
		return fmt.Errorf("%w: the file was changed without sops, or is corrupt; restore it from Git", ErrMAC)
	}
	return nil
}

// checkCanOpen returns the identities to open a file with, running the key
// command for its recipients if there is one. It fails early, with a
// message naming the recipients, when no key is at hand or none of the
// keys is a recipient of the file.
func checkCanOpen(tree *sops.Tree, ids *Identities) ([]age.Identity, error) {
	need := recipientsOf(tree)
	if ids.Empty() {
		return nil, fmt.Errorf("%w (looked in %s): it is encrypted to %s", ErrNoKey, ids.Searched(), strings.Join(need, ", "))
	}
	have, err := ids.resolve(need)
	if err != nil {
		return nil, err
	}
	for _, r := range need {
		if ids.has(r) {
			return have, nil
		}
	}
	return nil, &KeyError{Need: need, Have: ids.Recipients(), Searched: ids.Searched()}
}

// recipientsOf lists a file's master keys, sorted: age recipients as they
// are, other kinds as "kind:id" so they never equal an age recipient.
func recipientsOf(tree *sops.Tree) []string {
	var out []string
	for _, g := range tree.Metadata.KeyGroups {
		for _, k := range g {
			if mk, ok := k.(*sopsage.MasterKey); ok {
				out = append(out, mk.Recipient)
				continue
			}
			out = append(out, k.TypeToIdentifier()+":"+k.ToString())
		}
	}
	sort.Strings(out)
	return slices.Compact(out)
}
