package secrets

import (
	"context"
	"errors"
	"fmt"

	"filippo.io/age"
	sopsage "github.com/getsops/sops/v3/age"
	"github.com/getsops/sops/v3/keyservice"
)

// ageKeyService is a sops key service that knows only age, with the
// identities hogen found injected. sops' own local service would read the
// process environment for keys; hogen decides where keys come from itself
// (LoadIdentities), so tests and the CLI control it.
type ageKeyService struct {
	ids []age.Identity
}

// errNoIdentity is returned when a data key must be decrypted and no age
// key is at hand.
var errNoIdentity = errors.New("no age private key")

func (s ageKeyService) client() keyservice.KeyServiceClient {
	return keyservice.NewCustomLocalClient(s)
}

// Encrypt implements keyservice.KeyServiceServer: it encrypts a data key to
// one age recipient.
func (s ageKeyService) Encrypt(_ context.Context, req *keyservice.EncryptRequest) (*keyservice.EncryptResponse, error) {
	k := req.GetKey().GetAgeKey()
	if k == nil {
		return nil, fmt.Errorf("hogen encrypts only to age recipients, not %v", req.GetKey())
	}
	mk, err := sopsage.MasterKeyFromRecipient(k.GetRecipient())
	if err != nil {
		return nil, err
	}
	if err := mk.Encrypt(req.GetPlaintext()); err != nil {
		return nil, err
	}
	return &keyservice.EncryptResponse{Ciphertext: mk.EncryptedDataKey()}, nil
}

// Decrypt implements keyservice.KeyServiceServer: it decrypts a data key
// with the injected age identities.
func (s ageKeyService) Decrypt(_ context.Context, req *keyservice.DecryptRequest) (*keyservice.DecryptResponse, error) {
	k := req.GetKey().GetAgeKey()
	if k == nil {
		return nil, fmt.Errorf("hogen decrypts only with age keys, not %v", req.GetKey())
	}
	if len(s.ids) == 0 {
		// Without identities sops' MasterKey would fall back to the
		// process environment: never let it.
		return nil, errNoIdentity
	}
	mk := &sopsage.MasterKey{Recipient: k.GetRecipient(), EncryptedKey: string(req.GetCiphertext())}
	sopsage.ParsedIdentities(s.ids).ApplyToMasterKey(mk)
	plain, err := mk.Decrypt()
	if err != nil {
		return nil, err
	}
	return &keyservice.DecryptResponse{Plaintext: plain}, nil
}
