package talos

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"

	"github.com/siderolabs/crypto/x509"
	clientconfig "github.com/siderolabs/talos/pkg/machinery/client/config"
	"github.com/siderolabs/talos/pkg/machinery/config/generate/secrets"

	"github.com/hogen-dev/hogen/compiler/model"
)

// A build without the age key cannot read the secrets bundle, so it cannot
// make the Talos files, nor tell from their bytes whether they are stale.
// Their digests can. A digest is the hash of the file with the value of
// every field the bundle fills (keys, certificates, tokens, IDs) masked:
// it changes with everything but the secrets (an address, a version, a
// patch, hogen itself). A build with the key takes it of the real file; a
// build without takes it of the file built from a placeholder bundle,
// which masks to the same bytes (TestDigestsAgree). The sink records it
// beside the file and compares it in builds without the key.

// bundleFields are the fields whose values the bundle fills, in a machine
// config or a talosconfig. A line holding one has its whole value masked,
// so its quoting or length never matters; a user's field of the same name
// is masked too, which only makes its changes invisible to keyless builds.
var bundleFields = map[string]bool{
	"crt": true, "key": true, "ca": true, "token": true, "id": true, "secret": true,
	"secretboxEncryptionSecret": true, "aescbcEncryptionSecret": true,
}

// digestOf is the digest of a Talos file's plaintext, its bundle fields
// masked. (A line scan: a regexp took 0.7 ms a config.)
func digestOf(plain []byte) string {
	h := sha256.New()
	for line := range bytes.Lines(plain) {
		h.Write(maskLine(line))
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// maskLine returns "<indent><field>: -\n" for a line setting a bundle
// field to a value, the line itself otherwise.
func maskLine(line []byte) []byte {
	rest := bytes.TrimLeft(line, " ")
	rest = bytes.TrimPrefix(rest, []byte("- "))
	field, value, ok := bytes.Cut(rest, []byte(":"))
	if !ok || !bundleFields[string(field)] || len(value) < 2 || (value[0] != ' ' && value[0] != '\t') {
		return line
	}
	head := line[:len(line)-len(value)]
	return append(append([]byte(nil), head...), " -\n"...)
}

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

// lockedDigests returns, without the bundle, the digest of every node's
// config in d.Nodes' order, then the talosconfig's: of the files as built
// from a placeholder bundle.
func lockedDigests(ctx context.Context, d *model.Description) ([]string, error) {
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
		out = append(out, digestOf(c))
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
