package secrets

import (
	"fmt"
	"slices"
	"strings"

	"filippo.io/age"
)

// PrivateKeys returns, in the key file format Flux's kustomize-controller
// reads from its sops-age Secret (one AGE-SECRET-KEY line each), the keys
// found for the recipients want, running $SOPS_AGE_KEY_CMD as sops would.
// It is for `hogen bootstrap`, which puts the text only into the cluster;
// it fails when no key found is one of want.
func (ids *Identities) PrivateKeys(want []string) (string, error) {
	all, err := ids.resolve(want)
	if err != nil {
		return "", err
	}
	var lines []string
	for _, id := range all {
		var recipient, key string
		switch id := id.(type) {
		case *age.X25519Identity:
			recipient, key = id.Recipient().String(), id.String()
		case *age.HybridIdentity:
			recipient, key = id.Recipient().String(), id.String()
		default:
			continue
		}
		if slices.Contains(want, recipient) && !slices.Contains(lines, key) {
			lines = append(lines, key)
		}
	}
	if len(lines) == 0 {
		return "", fmt.Errorf("no age key found for %s (looked in: %s)", strings.Join(want, ", "), ids.Searched())
	}
	return strings.Join(lines, "\n") + "\n", nil
}
