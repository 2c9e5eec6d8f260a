package talos

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/siderolabs/crypto/x509"
	clientconfig "github.com/siderolabs/talos/pkg/machinery/client/config"
	coreconfig "github.com/siderolabs/talos/pkg/machinery/config"
	"github.com/siderolabs/talos/pkg/machinery/config/encoder"
	"github.com/siderolabs/talos/pkg/machinery/config/generate/secrets"

	"github.com/hogen-dev/hogen/compiler/model"
)

// A build without the age key cannot read the secrets bundle, so it cannot
// make the Talos files, nor tell from their bytes whether they are stale.
// Their digests can: each is the hash of the file as it would be with a
// placeholder bundle, so it changes exactly when something other than the
// bundle does (an address, a version, a patch, hogen itself). The sink
// records it beside the file and compares it in builds without the key.

// placeholderBundle has every secret replaced by a fixed word. Configs
// built from it are never validated or written; they only get hashed.
func placeholderBundle() *secrets.Bundle {
	pair := func() *x509.PEMEncodedCertificateAndKey {
		return &x509.PEMEncodedCertificateAndKey{Crt: []byte("placeholder"), Key: []byte("placeholder")}
	}
	return &secrets.Bundle{
		Clock:      secrets.NewClock(),
		Cluster:    &secrets.Cluster{ID: "placeholder", Secret: "placeholder"},
		Secrets:    &secrets.Secrets{BootstrapToken: "placeholder.placeholder", SecretboxEncryptionSecret: "placeholder", AESCBCEncryptionSecret: "placeholder"},
		TrustdInfo: &secrets.TrustdInfo{Token: "placeholder.placeholder"},
		Certs: &secrets.Certs{
			Etcd: pair(), K8s: pair(), K8sAggregator: pair(), OS: pair(),
			K8sServiceAccount: &x509.PEMEncodedKey{Key: []byte("placeholder")},
		},
	}
}

// hashable is what a placeholder config's digest is taken of: the config
// as it would be written. (Not a cheaper rendering such as JSON: some of
// machinery's types, kubelet extraArgs among them, keep their values in
// unexported fields that only their YAML marshalling writes.)
func hashable(cfg coreconfig.Provider) ([]byte, error) {
	out, err := cfg.EncodeBytes(encoder.WithComments(encoder.CommentsDisabled))
	if err != nil {
		return nil, fmt.Errorf("hashing a Talos config: %w", err)
	}
	return out, nil
}

// digests returns the digest of every node's config, in d.Nodes' order,
// then the talosconfig's.
func digests(ctx context.Context, d *model.Description) ([]string, error) {
	b := placeholderBundle()
	p, err := newPlanWith(d, b)
	if err != nil {
		return nil, err
	}
	p.placeholder = true
	configs, err := p.allConfigs(ctx)
	if err != nil {
		return nil, err
	}
	tc, err := talosconfigFrom(d, b, b.Certs.OS)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(configs)+1)
	for _, c := range append(configs, tc) {
		sum := sha256.Sum256(c)
		out = append(out, "sha256:"+hex.EncodeToString(sum[:]))
	}
	return out, nil
}

// talosconfigFrom is the talosconfig for client crt, with the bundle's CA.
func talosconfigFrom(d *model.Description, b *secrets.Bundle, crt *x509.PEMEncodedCertificateAndKey) ([]byte, error) {
	cfg := clientconfig.NewConfig(d.Cluster.Name, controlPlaneAddresses(d), b.Certs.OS.Crt, crt)
	for _, n := range d.Nodes {
		cfg.Contexts[d.Cluster.Name].Nodes = append(cfg.Contexts[d.Cluster.Name].Nodes, n.Address)
	}
	return cfg.Bytes()
}
