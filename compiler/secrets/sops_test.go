package secrets

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"filippo.io/age"
	"github.com/getsops/sops/v3/cmd/sops/formats"
	"github.com/getsops/sops/v3/decrypt"
	"github.com/getsops/sops/v3/version"
	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"
)

const k8sSecret = `apiVersion: v1
kind: Secret
metadata:
  name: cloudflare
  namespace: network
stringData:
  api-token: very-secret-token-123
type: Opaque
`

// testKey is a fresh age key pair for one test.
type testKey struct {
	id  *age.X25519Identity
	ids *Identities
}

func newKey(t testing.TB) testKey {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	ids, err := ParseIdentities("test", id.String())
	if err != nil {
		t.Fatal(err)
	}
	return testKey{id: id, ids: ids}
}

func (k testKey) recipient() string { return k.id.Recipient().String() }

func mustEncrypt(t testing.TB, plain string, recipients []string, regex string) []byte {
	t.Helper()
	out, err := Encrypt([]byte(plain), recipients, regex)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestRoundTrip(t *testing.T) {
	k := newKey(t)
	tests := []struct {
		name      string
		plain     string
		regex     string
		clear     []string // must appear in the ciphertext as is
		encrypted []string // must not
	}{
		{
			name:      "kubernetes secret",
			plain:     k8sSecret,
			regex:     `^(data|stringData)$`,
			clear:     []string{"kind: Secret", "name: cloudflare", "encrypted_regex: ^(data|stringData)$"},
			encrypted: []string{"very-secret-token-123"},
		},
		{
			name: "multi-document Talos config, key material only",
			plain: "version: v1alpha1\nmachine:\n  token: abcdef.0123456789abcdef\n  ca:\n    crt: LS0tQ1JU\n    key: LS0tS0VZ\n---\n" +
				"apiVersion: v1alpha1\nkind: HostnameConfig\nhostname: mini01\n",
			regex:     `^(key|token)$`,
			clear:     []string{"crt: LS0tQ1JU", "hostname: mini01", "kind: HostnameConfig"},
			encrypted: []string{"abcdef.0123456789abcdef", "LS0tS0VZ"},
		},
		{
			name:      "all values",
			plain:     "token: abcdefgh\nport: 1883\nnested:\n  - one\n",
			clear:     []string{"token: ENC[", "port: ENC[", "unencrypted_suffix: _unencrypted"},
			encrypted: []string{"abcdefgh", "1883", "one"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			enc := mustEncrypt(t, tc.plain, []string{k.recipient()}, tc.regex)
			for _, s := range tc.clear {
				if !bytes.Contains(enc, []byte(s)) {
					t.Errorf("ciphertext lacks %q:\n%s", s, enc)
				}
			}
			for _, s := range tc.encrypted {
				if bytes.Contains(enc, []byte(s)) {
					t.Errorf("ciphertext holds %q in clear", s)
				}
			}
			got, err := Decrypt(enc, k.ids)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(yamlValue(t, tc.plain), yamlValue(t, string(got))); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
		})
	}
}

// yamlValue decodes every document of a YAML stream.
func yamlValue(t testing.TB, s string) []any {
	t.Helper()
	var docs []any
	dec := yaml.NewDecoder(strings.NewReader(s))
	for {
		var v any
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, v)
	}
}

// TestSopsStandardDecrypt checks that what hogen writes opens through
// sops' own decrypt path, which Flux and the sops CLI share, with the key
// in the environment as a user would have it.
func TestSopsStandardDecrypt(t *testing.T) {
	k := newKey(t)
	other := newKey(t)
	t.Setenv("SOPS_AGE_KEY", k.id.String())
	t.Setenv("SOPS_AGE_KEY_FILE", "")
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	tests := []struct {
		name, plain, regex string
	}{
		{name: "kubernetes secret", plain: k8sSecret, regex: `^(data|stringData)$`},
		{name: "all values", plain: "a: abcdefgh\nb: [1, 2]\n"},
		{name: "multi-document", plain: "token: abc\nx: 1\n---\nkey: def\n", regex: `^(key|token)$`},
		{name: "machine config with comments", plain: walkDocs["talos"], regex: walkRules["talos"].EncryptedRegex},
		{name: "comments in lists", plain: walkDocs["secret"], regex: `^(data|stringData)$`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			enc := mustEncrypt(t, tc.plain, []string{other.recipient(), k.recipient()}, tc.regex)
			got, err := decrypt.DataWithFormat(enc, formats.Yaml)
			if err != nil {
				t.Fatalf("sops could not decrypt hogen's output: %v", err)
			}
			if diff := cmp.Diff(yamlValue(t, tc.plain), yamlValue(t, string(got))); diff != "" {
				t.Errorf("sops decrypt (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecryptErrors(t *testing.T) {
	k := newKey(t)
	wrong := newKey(t)
	enc := mustEncrypt(t, "token: abcdefgh\nextra: ijklmnop\n", []string{k.recipient()}, "")
	tampered := tamper(t, enc)
	tests := []struct {
		name    string
		data    []byte
		ids     *Identities
		is      error
		wantMsg []string
	}{
		{
			name:    "no key",
			data:    enc,
			ids:     &Identities{searched: []string{"SOPS_AGE_KEY_FILE", "SOPS_AGE_KEY"}},
			is:      ErrNoKey,
			wantMsg: []string{"no age private key found", "looked in SOPS_AGE_KEY_FILE, SOPS_AGE_KEY", k.recipient()},
		},
		{
			name:    "wrong key",
			data:    enc,
			ids:     wrong.ids,
			wantMsg: []string{"none of the age keys found", "encrypted to " + k.recipient(), wrong.recipient()},
		},
		{
			name:    "tampered MAC",
			data:    tampered,
			ids:     k.ids,
			is:      ErrMAC,
			wantMsg: []string{"MAC mismatch", "changed without sops", "restore it from Git"},
		},
		{
			name:    "not sops",
			data:    []byte("token: abcdefgh\n"),
			ids:     k.ids,
			wantMsg: []string{`not a SOPS file: it has no "sops" metadata`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decrypt(tc.data, tc.ids)
			if err == nil {
				t.Fatal("Decrypt succeeded, want an error")
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %v is not %v", err, tc.is)
			}
			for _, m := range tc.wantMsg {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q lacks %q", err, m)
				}
			}
		})
	}
}

// tamper deletes one entry from an encrypted file: every remaining value
// still decrypts, but the MAC, which covers all values, no longer matches.
func tamper(t testing.TB, enc []byte) []byte {
	t.Helper()
	line := lineWith(t, enc, "extra:")
	return bytes.Replace(enc, append(line, '\n'), nil, 1)
}

func lineWith(t testing.TB, b []byte, prefix string) []byte {
	t.Helper()
	for _, l := range bytes.Split(b, []byte("\n")) {
		if bytes.HasPrefix(l, []byte(prefix)) {
			return l
		}
	}
	t.Fatalf("no line starting with %q", prefix)
	return nil
}

// TestPostQuantumRecipient: hybrid (age1pq1...) recipients work as sops
// reads them.
func TestPostQuantumRecipient(t *testing.T) {
	id, err := age.GenerateHybridIdentity()
	if err != nil {
		t.Fatal(err)
	}
	enc := mustEncrypt(t, k8sSecret, []string{id.Recipient().String()}, `^(data|stringData)$`)
	ids, err := ParseIdentities("pq", id.String())
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decrypt(enc, ids)
	if err != nil {
		t.Fatalf("hogen cannot open its own file: %v", err)
	}
	t.Setenv("SOPS_AGE_KEY", id.String())
	t.Setenv("SOPS_AGE_KEY_FILE", "")
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	stock, err := decrypt.DataWithFormat(enc, formats.Yaml)
	if err != nil {
		t.Fatalf("sops cannot open it: %v", err)
	}
	if diff := cmp.Diff(yamlValue(t, k8sSecret), yamlValue(t, string(got))); diff != "" {
		t.Errorf("hogen decrypt (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(yamlValue(t, k8sSecret), yamlValue(t, string(stock))); diff != "" {
		t.Errorf("sops decrypt (-want +got):\n%s", diff)
	}
}

// TestSopsVersion checks the version Encrypt records is the sops library's.
func TestSopsVersion(t *testing.T) {
	if sopsVersion != version.Version {
		t.Errorf("sopsVersion = %q, but the sops library is %q: set sopsVersion to it", sopsVersion, version.Version)
	}
}
