package talos

import (
	"crypto/tls"
	stdx509 "crypto/x509"
	"slices"
	"strings"
	"testing"

	clientcmdv1 "k8s.io/client-go/tools/clientcmd/api/v1"
	sigsyaml "sigs.k8s.io/yaml"
)

// checkKubeconfig reads an admin kubeconfig strictly as client-go's types
// and checks what kubectl needs: a server, a client key pair that goes
// together, signed by the CA the cluster entry trusts, for system:masters.
func checkKubeconfig(t *testing.T, data []byte) clientcmdv1.Config {
	t.Helper()
	var cfg clientcmdv1.Config
	if err := sigsyaml.UnmarshalStrict(data, &cfg); err != nil {
		t.Fatalf("the kubeconfig does not read as one: %v", err)
	}
	if len(cfg.Clusters) != 1 || len(cfg.AuthInfos) != 1 || len(cfg.Contexts) != 1 || cfg.CurrentContext != cfg.Contexts[0].Name {
		t.Fatalf("want one cluster, user and current context: %+v", cfg)
	}
	user := cfg.AuthInfos[0].AuthInfo
	pair, err := tls.X509KeyPair(user.ClientCertificateData, user.ClientKeyData)
	if err != nil {
		t.Fatalf("the client certificate and key do not go together: %v", err)
	}
	crt, err := stdx509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	ca, err := parseCert(cfg.Clusters[0].Cluster.CertificateAuthorityData)
	if err != nil {
		t.Fatal(err)
	}
	if err := crt.CheckSignatureFrom(ca); err != nil {
		t.Errorf("the cluster's CA did not sign the client certificate: %v", err)
	}
	if !slices.Contains(crt.Subject.Organization, "system:masters") || !slices.Contains(crt.ExtKeyUsage, stdx509.ExtKeyUsageClientAuth) {
		t.Errorf("the client certificate is not an admin client's: %+v", crt.Subject)
	}
	return cfg
}

func TestKubeconfig(t *testing.T) {
	d := minis(t)
	files, err := Emit(t.Context(), d)
	if err != nil {
		t.Fatal(err)
	}
	kc := files[len(files)-1]
	if kc.Path != KubeconfigFile || kc.EncryptedRegex != KubeconfigEncryptedRegex {
		t.Fatalf("last file is %s (%s), want %s", kc.Path, kc.EncryptedRegex, KubeconfigFile)
	}
	cfg := checkKubeconfig(t, kc.Data)
	if got := cfg.Clusters[0].Cluster.Server; got != "https://172.29.51.10:6443" {
		t.Errorf("server = %s, want the cluster endpoint", got)
	}
	if again, _ := Emit(t.Context(), d); string(again[len(again)-1].Data) != string(kc.Data) {
		t.Error("the kubeconfig differs between two builds")
	}
}

func TestKubeconfigNeedsItsCertificate(t *testing.T) {
	d := small(t)
	// A client file from before the kubeconfig: the Talos certificate only.
	d.Inputs.TalosClient = []byte(strings.Split(string(d.Inputs.TalosClient), "kubernetes:")[0])
	if HasKubernetesClient(d.Inputs.TalosClient) {
		t.Fatal("the old client file has a Kubernetes certificate")
	}
	if _, err := Emit(t.Context(), d); err == nil || !strings.Contains(err.Error(), "run `hogen talos init` to add it") {
		t.Fatalf("Emit = %v, want advice to run hogen talos init", err)
	}
	added, err := AddKubernetesClient(d.Inputs.TalosClient, d.Inputs.TalosSecrets)
	if err != nil {
		t.Fatal(err)
	}
	if !HasKubernetesClient(added) || !strings.HasPrefix(string(added), string(d.Inputs.TalosClient[strings.Index(string(d.Inputs.TalosClient), "crt:"):])) {
		t.Fatalf("AddKubernetesClient did not keep the Talos certificate and add one:\n%s", added)
	}
	d.Inputs.TalosClient = added
	if _, err := Emit(t.Context(), d); err != nil {
		t.Fatalf("Emit with the added certificate: %v", err)
	}
	other := small(t)
	other.Inputs.TalosClient = added
	if other.Inputs.TalosSecrets, err = NewSecrets("v1.10.5"); err != nil {
		t.Fatal(err)
	}
	if _, err := Emit(t.Context(), other); err == nil {
		t.Error("a client file from another bundle was accepted")
	}
}
