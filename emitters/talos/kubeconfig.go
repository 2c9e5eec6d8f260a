package talos

import (
	stdx509 "crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/siderolabs/crypto/x509"
	"github.com/siderolabs/talos/pkg/machinery/config/generate/secrets"
	"github.com/siderolabs/talos/pkg/machinery/constants"
	"go.yaml.in/yaml/v4"
	clientcmdv1 "k8s.io/client-go/tools/clientcmd/api/v1"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/hogen-dev/hogen/compiler/model"
)

// KubeconfigEncryptedRegex names the one secret of the admin kubeconfig,
// its client key; the certificates are public. The .sops.yaml emitter must
// use this same value for KubeconfigFile.
const KubeconfigEncryptedRegex = `^client-key-data$`

var errNoKubeClient = errors.New(ClientFile + " has no Kubernetes admin certificate (hogen before the admin kubeconfig did not make one): " +
	"run `hogen talos init` to add it; the bundle and the Talos client certificate stay as they are")

// clientFile is talos/client.sops.yaml: the talosconfig's client
// certificate and key at the top (crt, key), and the admin kubeconfig's
// under kubernetes.
type clientFile struct {
	Kubernetes *x509.PEMEncodedCertificateAndKey `yaml:"kubernetes,omitempty"`
}

// newKubernetesClient makes an admin client certificate for the Kubernetes
// API, signed by the bundle's Kubernetes CA, as Talos makes the one its
// kubeconfig holds: CN admin, O system:masters, valid for a year.
func newKubernetesClient(b *secrets.Bundle) (*x509.PEMEncodedCertificateAndKey, error) {
	ca, err := x509.NewCertificateAuthorityFromCertificateAndKey(b.Certs.K8s)
	if err != nil {
		return nil, fmt.Errorf("reading the Kubernetes CA: %w", err)
	}
	kp, err := x509.NewKeyPair(ca,
		x509.CommonName("admin"),
		x509.Organization(constants.KubernetesAdminCertOrganization),
		x509.NotAfter(time.Now().Add(constants.KubernetesAdminCertDefaultLifetime)),
		x509.ExtKeyUsage([]stdx509.ExtKeyUsage{stdx509.ExtKeyUsageClientAuth}),
	)
	if err != nil {
		return nil, fmt.Errorf("making the Kubernetes admin certificate: %w", err)
	}
	return &x509.PEMEncodedCertificateAndKey{Crt: kp.CrtPEM, Key: kp.KeyPEM}, nil
}

// encodeClients writes the client file.
func encodeClients(talos, kube *x509.PEMEncodedCertificateAndKey) ([]byte, error) {
	return encodeYAML(struct {
		Crt        string                            `yaml:"crt"`
		Key        string                            `yaml:"key"`
		Kubernetes *x509.PEMEncodedCertificateAndKey `yaml:"kubernetes"`
	}{base64.StdEncoding.EncodeToString(talos.Crt), base64.StdEncoding.EncodeToString(talos.Key), kube})
}

// AddKubernetesClient returns the client file with a Kubernetes admin
// certificate added, the Talos one kept: for a cluster whose client file
// predates the admin kubeconfig.
func AddKubernetesClient(client, bundle []byte) ([]byte, error) {
	b, err := decodeBundle(bundle)
	if err != nil {
		return nil, err
	}
	crt, err := decodeClient(client, b)
	if err != nil {
		return nil, err
	}
	kube, err := newKubernetesClient(b)
	if err != nil {
		return nil, err
	}
	return encodeClients(crt, kube)
}

// HasKubernetesClient tells whether a client file holds the Kubernetes
// admin certificate.
func HasKubernetesClient(client []byte) bool {
	var f clientFile
	return yaml.Unmarshal(client, &f) == nil && f.Kubernetes != nil && len(f.Kubernetes.Key) > 0
}

// decodeKubeClient reads the Kubernetes admin certificate of the client
// file and checks that the bundle's Kubernetes CA signed it.
func decodeKubeClient(data []byte, b *secrets.Bundle) (*x509.PEMEncodedCertificateAndKey, error) {
	var f clientFile
	if err := yaml.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("reading %s: %w", ClientFile, err)
	}
	if f.Kubernetes == nil || len(f.Kubernetes.Crt) == 0 || len(f.Kubernetes.Key) == 0 {
		return nil, errNoKubeClient
	}
	if err := signedBy(f.Kubernetes.Crt, b.Certs.K8s.Crt); err != nil {
		return nil, fmt.Errorf("the Kubernetes admin certificate of %s was not signed by the Kubernetes CA of %s: run `hogen talos init --renew-client`: %w", ClientFile, SecretsFile, err)
	}
	return f.Kubernetes, nil
}

func signedBy(crtPEM, caPEM []byte) error {
	crt, err := parseCert(crtPEM)
	if err != nil {
		return err
	}
	ca, err := parseCert(caPEM)
	if err != nil {
		return err
	}
	return crt.CheckSignatureFrom(ca)
}

// kubeconfigFrom is the admin kubeconfig for the cluster endpoint, with
// the bundle's Kubernetes CA and client crt, in the names Talos gives its
// own (cluster <name>, user and context admin@<name>).
func kubeconfigFrom(d *model.Description, b *secrets.Bundle, crt *x509.PEMEncodedCertificateAndKey) ([]byte, error) {
	name := d.Cluster.Name
	user := "admin@" + name
	cfg := clientcmdv1.Config{
		Kind: "Config", APIVersion: "v1",
		Clusters: []clientcmdv1.NamedCluster{{Name: name, Cluster: clientcmdv1.Cluster{
			Server: Endpoint(d.Cluster.API), CertificateAuthorityData: b.Certs.K8s.Crt,
		}}},
		AuthInfos: []clientcmdv1.NamedAuthInfo{{Name: user, AuthInfo: clientcmdv1.AuthInfo{
			ClientCertificateData: crt.Crt, ClientKeyData: crt.Key,
		}}},
		Contexts:       []clientcmdv1.NamedContext{{Name: user, Context: clientcmdv1.Context{Cluster: name, AuthInfo: user, Namespace: "default"}}},
		CurrentContext: user,
	}
	out, err := sigsyaml.Marshal(cfg)
	if err != nil {
		return nil, fmt.Errorf("encoding the kubeconfig: %w", err)
	}
	return out, nil
}
