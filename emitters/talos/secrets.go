package talos

import (
	"bytes"
	stdx509 "crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"

	"github.com/siderolabs/crypto/x509"
	"github.com/siderolabs/talos/pkg/machinery/config/generate/secrets"
	"github.com/siderolabs/talos/pkg/machinery/role"
	"go.yaml.in/yaml/v4"
)

// errNoBundle says how to get a bundle. A build never makes one itself: a new
// bundle means new CAs, and nodes configured with the old ones would no
// longer accept talosctl.
var errNoBundle = errors.New("no Talos secrets bundle: run `hogen talos init` once to create " +
	SecretsFile + " (and make sure its SOPS key is available), then build again")

var errNoClient = errors.New("no Talos client certificate: run `hogen talos init` to create " +
	ClientFile + " (it keeps an existing secrets bundle)")

// NewSecrets makes a new Talos secrets bundle for the given Talos version,
// in the `talosctl gen secrets` format. It is random: call it once per
// cluster and keep the result (encrypted) in Git.
func NewSecrets(talosVersion string) ([]byte, error) {
	c, err := contract(talosVersion)
	if err != nil {
		return nil, err
	}
	b, err := secrets.NewBundle(secrets.NewClock(), c)
	if err != nil {
		return nil, fmt.Errorf("making the Talos secrets bundle: %w", err)
	}
	return encodeYAML(b)
}

// NewClientCert makes the client file: the talosconfig's admin client
// certificate and key, signed by the bundle's OS CA, and the admin
// kubeconfig's, signed by its Kubernetes CA, both valid for a year. It is
// random: make it once and keep it, so every build writes the same
// talosconfig and kubeconfig.
func NewClientCert(bundle []byte) ([]byte, error) {
	b, err := decodeBundle(bundle)
	if err != nil {
		return nil, err
	}
	crt, err := b.GenerateTalosAPIClientCertificate(role.MakeSet(role.Admin))
	if err != nil {
		return nil, fmt.Errorf("making the Talos client certificate: %w", err)
	}
	kube, err := newKubernetesClient(b)
	if err != nil {
		return nil, err
	}
	return encodeClients(crt, kube)
}

func encodeYAML(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// decodeBundle reads a bundle as talosctl does (secrets.LoadBundle), from
// bytes; the clock is not serialised, and only matters for certificates
// machinery signs while generating, which hogen's configs do not contain.
func decodeBundle(data []byte) (*secrets.Bundle, error) {
	if len(data) == 0 {
		return nil, errNoBundle
	}
	b := &secrets.Bundle{Clock: secrets.NewClock()}
	if err := yaml.Unmarshal(data, b); err != nil {
		return nil, fmt.Errorf("reading %s: %w", SecretsFile, err)
	}
	if err := b.Validate(); err != nil {
		return nil, fmt.Errorf("%s is not a valid Talos secrets bundle: %w", SecretsFile, err)
	}
	return b, nil
}

// decodeClient reads the client certificate and checks that the bundle's OS
// CA signed it: a talosconfig from another cluster's bundle would only fail
// later, at the first talosctl call.
func decodeClient(data []byte, b *secrets.Bundle) (*x509.PEMEncodedCertificateAndKey, error) {
	if len(data) == 0 {
		return nil, errNoClient
	}
	var crt x509.PEMEncodedCertificateAndKey
	if err := yaml.Unmarshal(data, &crt); err != nil {
		return nil, fmt.Errorf("reading %s: %w", ClientFile, err)
	}
	if len(crt.Crt) == 0 || len(crt.Key) == 0 {
		return nil, fmt.Errorf("%s needs crt and key: %w", ClientFile, errNoClient)
	}
	cert, err := parseCert(crt.Crt)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ClientFile, err)
	}
	ca, err := parseCert(b.Certs.OS.Crt)
	if err != nil {
		return nil, fmt.Errorf("%s: OS CA: %w", SecretsFile, err)
	}
	if err := cert.CheckSignatureFrom(ca); err != nil {
		return nil, fmt.Errorf("%s was not signed by the OS CA of %s: run `hogen talos init --renew-client`: %w", ClientFile, SecretsFile, err)
	}
	return &crt, nil
}

func parseCert(p []byte) (*stdx509.Certificate, error) {
	block, _ := pem.Decode(p)
	if block == nil {
		return nil, errors.New("no PEM certificate")
	}
	return stdx509.ParseCertificate(block.Bytes)
}
