package secrets

import (
	"errors"
	"slices"
	"strings"
)

// Recipients lists the recipients a SOPS file is encrypted to, sorted.
// SOPS keeps them in clear, so no key is needed: a build can tell which
// inputs a recipient change left behind before anything fails to open.
func Recipients(encrypted []byte) ([]string, error) {
	tree, err := loadEncrypted(encrypted)
	if err != nil {
		return nil, err
	}
	return recipientsOf(tree), nil
}

// SameRecipients tells whether a file encrypted to have is encrypted to
// exactly want, whatever their order and duplicates.
func SameRecipients(have, want []string) bool {
	return slices.Equal(normRecipients(have), normRecipients(want))
}

// Reencrypt opens a SOPS file with ids and encrypts the same tree (values,
// types and comments as they are, so the plaintext is unchanged) to
// recipients, with the file's encryption rule and a new data key, which a
// removed recipient never saw. A file already encrypted to exactly
// recipients comes back as it is, with changed false, and needs no key:
// SOPS encryption is random, and rewriting it would only churn Git.
func Reencrypt(encrypted []byte, recipients []string, ids *Identities) (out []byte, changed bool, err error) {
	tree, err := loadEncrypted(encrypted)
	if err != nil {
		return nil, false, err
	}
	if SameRecipients(recipientsOf(tree), recipients) {
		return encrypted, false, nil
	}
	// hogen encrypts to one group of age keys; a file with other kinds of
	// keys, or several groups (Shamir), would silently lose them.
	if len(tree.Metadata.KeyGroups) != 1 || slices.ContainsFunc(recipientsOf(tree), func(r string) bool { return strings.Contains(r, ":") }) {
		return nil, false, errors.New("it has keys other than one group of age recipients, which hogen would drop: " +
			"run 'sops updatekeys' on it instead")
	}
	// encryptBranches writes only the rules Encrypt writes; any other
	// (say, from a hand-written .sops.yaml) would be silently changed.
	if !sameRule(tree.Metadata, tree.Metadata.EncryptedRegex) {
		return nil, false, errors.New("its SOPS encryption rule is not one hogen writes, so hogen will not re-encrypt it: " +
			"run 'sops updatekeys' on it instead")
	}
	if err := openTree(tree, ids); err != nil {
		return nil, false, err
	}
	out, err = encryptBranches(tree.Branches, recipients, tree.Metadata.EncryptedRegex, nil)
	if err != nil {
		return nil, false, err
	}
	return out, true, nil
}

// EncryptedBy tells whether a SOPS file was encrypted with exactly the rule
// Encrypt uses for encryptedRegex, reading only its clear metadata. A diff
// may show a file's clear fields only then: under another rule they may be
// encrypted in the file.
func EncryptedBy(encrypted []byte, encryptedRegex string) bool {
	tree, err := loadEncrypted(encrypted)
	return err == nil && sameRule(tree.Metadata, encryptedRegex)
}
