package talos

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"

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
	// the kubeconfig's
	"certificate-authority-data": true, "client-certificate-data": true, "client-key-data": true,
}

// digestOf is the digest of a Talos file's plaintext, its bundle fields
// masked, and the fields refKeys name (those patches fill with secret
// values) masked with all they hold: a value may be a block of lines, and
// a placeholder's is one. refPatches, the node's patches as written (secret
// names, not values), stand in for what the masked fields hold, so a change
// to them still changes the digest. (A line scan: a regexp took 0.7 ms a
// config.)
func digestOf(plain []byte, refKeys []string, refPatches []model.Patch) string {
	h := sha256.New()
	for _, p := range refPatches {
		h.Write(p)
		h.Write([]byte{0})
	}
	inMasked := -1 // the column of a masked field's key while its value's lines go by
	for line := range bytes.Lines(plain) {
		if inMasked >= 0 {
			if rest := bytes.TrimLeft(line, " "); len(bytes.TrimSpace(rest)) == 0 || len(line)-len(rest) > inMasked {
				continue
			}
			inMasked = -1
		}
		if col, head, ok := refField(line, refKeys); ok {
			h.Write(append(append([]byte(nil), head...), " -\n"...))
			inMasked = col
			continue
		}
		h.Write(maskLine(line))
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// refField tells whether line sets one of refKeys, the column its key
// starts at, and the line up to the key's colon.
func refField(line []byte, refKeys []string) (int, []byte, bool) {
	if len(refKeys) == 0 {
		return 0, nil, false
	}
	rest := bytes.TrimLeft(line, " ")
	rest = bytes.TrimPrefix(rest, []byte("- "))
	field, _, ok := bytes.Cut(rest, []byte(":"))
	if !ok || !slices.Contains(refKeys, string(field)) {
		return 0, nil, false
	}
	col := len(line) - len(rest)
	return col, line[:col+len(field)+1], true
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

// lockedConfigs returns, without the bundle, every node's config in
// d.Nodes' order, then the talosconfig and the kubeconfig, as built from a placeholder bundle
// and placeholder secret values: only for their digests.
func lockedConfigs(ctx context.Context, d *model.Description) ([][]byte, error) {
	b := placeholderBundle()
	p, err := newPlanWith(d, b, true)
	if err != nil {
		return nil, err
	}
	configs, err := p.allConfigs(ctx)
	if err != nil {
		return nil, err
	}
	tc, err := talosconfigFrom(d, b, b.Certs.OS)
	if err != nil {
		return nil, err
	}
	kc, err := kubeconfigFrom(d, b, b.Certs.K8s)
	if err != nil {
		return nil, err
	}
	return append(configs, tc, kc), nil
}

// talosconfigFrom is the talosconfig for client crt, with the bundle's CA.
func talosconfigFrom(d *model.Description, b *secrets.Bundle, crt *x509.PEMEncodedCertificateAndKey) ([]byte, error) {
	cfg := clientconfig.NewConfig(d.Cluster.Name, controlPlaneAddresses(d), b.Certs.OS.Crt, crt)
	for _, n := range d.Nodes {
		cfg.Contexts[d.Cluster.Name].Nodes = append(cfg.Contexts[d.Cluster.Name].Nodes, n.Address)
	}
	return cfg.Bytes()
}
