package secrets

import (
	"crypto/sha512"
	"fmt"
	"hash"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/getsops/sops/v3"
	"github.com/getsops/sops/v3/audit"
)

// sops.Tree.Encrypt and Tree.Decrypt decide for every value whether it is
// encrypted by calling regexp.Match(EncryptedRegex, element) on each element
// of its path, which compiles the regex anew each time: for a Talos machine
// config that is about 200 compilations, 60% of sealing it. encryptValues
// and decryptValues are the same walks with the rule compiled once. They
// keep sops' semantics exactly (which values, their additional data, the
// MAC, the audit event; walk_test.go checks them against sops' own walk on
// every kind of tree) and use sops' cipher, so sops and Flux read the
// result as their own. A file whose rule involves comments goes to sops'
// walk unchanged. Remove them once sops compiles its rule once.

// rule is the part of sops.Metadata that says which values are encrypted,
// compiled.
type rule struct {
	unencryptedSuffix, encryptedSuffix string
	unencryptedRegex, encryptedRegex   *regexp.Regexp
	macOnlyEncrypted                   bool
}

// ruleKey is what of sops.Metadata a compiled rule depends on.
type ruleKey struct {
	unencryptedSuffix, encryptedSuffix, unencryptedRegex, encryptedRegex string
	macOnlyEncrypted                                                     bool
}

// compiledRules keeps each rule compiled once per process: a build seals
// every Talos config with the same one, and compiling it was a tenth of the
// walk's allocations.
var compiledRules sync.Map // ruleKey -> rule

// compileRule compiles m's rule. ok is false for the comment rules, which
// this walk does not implement, and for a regex that does not compile
// (sops then treats it as matching nothing, which its own walk does).
func compileRule(m sops.Metadata) (r rule, ok bool) {
	if m.EncryptedCommentRegex != "" || m.UnencryptedCommentRegex != "" {
		return rule{}, false
	}
	key := ruleKey{m.UnencryptedSuffix, m.EncryptedSuffix, m.UnencryptedRegex, m.EncryptedRegex, m.MACOnlyEncrypted}
	if r, ok := compiledRules.Load(key); ok {
		return r.(rule), true
	}
	r, ok = newRule(m)
	if ok {
		compiledRules.Store(key, r)
	}
	return r, ok
}

func newRule(m sops.Metadata) (r rule, ok bool) {
	r = rule{unencryptedSuffix: m.UnencryptedSuffix, encryptedSuffix: m.EncryptedSuffix, macOnlyEncrypted: m.MACOnlyEncrypted}
	var err error
	if m.UnencryptedRegex != "" {
		if r.unencryptedRegex, err = regexp.Compile(m.UnencryptedRegex); err != nil {
			return rule{}, false
		}
	}
	if m.EncryptedRegex != "" {
		if r.encryptedRegex, err = regexp.Compile(m.EncryptedRegex); err != nil {
			return rule{}, false
		}
	}
	return r, true
}

// encrypts mirrors sops.Tree.shouldBeEncrypted for the rules above: each
// later rule, when set, overrides the earlier ones.
func (r rule) encrypts(path []string) bool {
	encrypted := true
	if r.unencryptedSuffix != "" && anyElement(path, func(p string) bool { return strings.HasSuffix(p, r.unencryptedSuffix) }) {
		encrypted = false
	}
	if r.encryptedSuffix != "" {
		encrypted = anyElement(path, func(p string) bool { return strings.HasSuffix(p, r.encryptedSuffix) })
	}
	if r.unencryptedRegex != nil && anyElement(path, r.unencryptedRegex.MatchString) {
		encrypted = false
	}
	if r.encryptedRegex != nil {
		encrypted = anyElement(path, r.encryptedRegex.MatchString)
	}
	return encrypted
}

func anyElement(path []string, match func(string) bool) bool {
	for _, p := range path {
		if match(p) {
			return true
		}
	}
	return false
}

// encryptValues is tree.Encrypt(key, cipher): it encrypts the values the
// tree's rule selects, in place, and returns the unencrypted MAC.
func encryptValues(tree *sops.Tree, key []byte, cipher sops.Cipher) (string, error) {
	sopsWalk := func() (string, error) { return tree.Encrypt(key, cipher) }
	return walkValues(tree, audit.EncryptEvent{File: tree.FilePath}, sopsWalk, func(w *macWalk, in any, path []string) (any, error) {
		encrypted := w.encrypts(path)
		if err := w.hash(in, encrypted); err != nil || !encrypted {
			return in, err
		}
		out, err := cipher.Encrypt(in, key, additionalData(path))
		if err != nil {
			return nil, fmt.Errorf("Could not encrypt value: %s", err)
		}
		return out, nil
	})
}

// decryptValues is tree.Decrypt(key, cipher): it decrypts the values the
// tree's rule selects, in place, and returns the MAC it computed, for the
// caller to compare with the file's.
func decryptValues(tree *sops.Tree, key []byte, cipher sops.Cipher) (string, error) {
	sopsWalk := func() (string, error) { return tree.Decrypt(key, cipher) }
	return walkValues(tree, audit.DecryptEvent{File: tree.FilePath}, sopsWalk, func(w *macWalk, in any, path []string) (any, error) {
		encrypted := w.encrypts(path)
		v := in
		if encrypted {
			var err error
			switch in := in.(type) {
			case sops.Comment:
				// sops keeps a comment it cannot decrypt: older sops
				// versions left comments in clear.
				if v, err = cipher.Decrypt(in.Value, key, additionalData(path)); err != nil {
					v = in
				}
			case string:
				if v, err = cipher.Decrypt(in, key, additionalData(path)); err != nil {
					return nil, fmt.Errorf("Could not decrypt value: %s", err)
				}
			default:
				return nil, fmt.Errorf("Expected encrypted value as string, but got %T", in)
			}
		}
		// Hashed after decryption: a value in a list can decrypt to a
		// comment, which its type says it was.
		return v, w.hash(v, encrypted)
	})
}

// macWalk is one walk of a tree with its rule compiled and the MAC so far.
type macWalk struct {
	rule
	mac hash.Hash
}

// walkValues compiles tree's rule and calls onLeaf on every leaf, in sops'
// order, returning the MAC; a rule it cannot compile goes to sopsWalk.
func walkValues(tree *sops.Tree, event any, sopsWalk func() (string, error), onLeaf func(w *macWalk, in any, path []string) (any, error)) (string, error) {
	r, ok := compileRule(tree.Metadata)
	if !ok {
		return sopsWalk()
	}
	audit.SubmitEvent(event)
	w := &macWalk{rule: r, mac: sha512.New()}
	if r.macOnlyEncrypted {
		w.mac.Write(sops.MACOnlyEncryptedInitialization)
	}
	err := walkTree(tree.Branches, func(in any, path []string) (any, error) { return onLeaf(w, in, path) })
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%X", w.mac.Sum(nil)), nil
}

// hash adds a leaf's plaintext to the MAC as sops does: never a comment,
// and with mac_only_encrypted only an encrypted value.
func (w *macWalk) hash(plain any, encrypted bool) error {
	if _, isComment := plain.(sops.Comment); isComment || w.macOnlyEncrypted && !encrypted {
		return nil
	}
	b, err := sops.ToBytes(plain)
	if err != nil {
		return fmt.Errorf("Could not convert %s to bytes: %s", plain, err)
	}
	w.mac.Write(b)
	return nil
}

// additionalData is the AEAD additional data sops binds a value to: its
// path, each element followed by a colon.
func additionalData(path []string) string {
	return strings.Join(path, ":") + ":"
}

type leafFunc func(in any, path []string) (any, error)

// walkTree visits every leaf of every document in sops' order, replacing
// it with what onLeaf returns, as sops' walkBranch and walkSlice do: a
// comment key is a leaf at its map's path, a list element at its list's.
func walkTree(docs sops.TreeBranches, onLeaf leafFunc) error {
	for _, doc := range docs {
		if err := walkBranch(doc, nil, onLeaf); err != nil {
			return fmt.Errorf("Error walking tree: %s", err)
		}
	}
	return nil
}

func walkBranch(branch sops.TreeBranch, path []string, onLeaf leafFunc) error {
	for i, item := range branch {
		if c, ok := item.Key.(sops.Comment); ok {
			out, err := onLeaf(c, path)
			if err != nil {
				return err
			}
			switch out := out.(type) {
			case sops.Comment:
				branch[i].Key = out
			case string:
				branch[i].Key = sops.Comment{Value: out, Inline: c.Inline}
			default:
				return fmt.Errorf("walkValue of Comment should be either Comment or string, was %T", out)
			}
			continue
		}
		key, ok := item.Key.(string)
		if !ok {
			return fmt.Errorf("Tree contains a non-string key (type %T): %s. Only string keys are supported", item.Key, item.Key)
		}
		out, err := walkValue(item.Value, append(path[:len(path):len(path)], key), onLeaf)
		if err != nil {
			return err
		}
		branch[i].Value = out
	}
	return nil
}

func walkValue(in any, path []string, onLeaf leafFunc) (any, error) {
	switch in := in.(type) {
	case string, int, bool, float64, time.Time, sops.Comment:
		return onLeaf(in, path)
	case []byte:
		return onLeaf(string(in), path)
	case sops.TreeBranch:
		return in, walkBranch(in, path, onLeaf)
	case []any:
		for i, v := range in {
			out, err := walkValue(v, path, onLeaf)
			if err != nil {
				return nil, err
			}
			in[i] = out
		}
		return in, nil
	case nil:
		return nil, nil
	default:
		return nil, fmt.Errorf("Cannot walk value, unknown type: %T", in)
	}
}
