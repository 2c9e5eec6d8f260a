package secrets

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/getsops/sops/v3"
	"github.com/getsops/sops/v3/aes"
)

// walkDocs are trees with every kind of leaf sops' walk knows: strings,
// ints, floats, bools, nulls, timestamps, empty values, comments in maps and
// in lists, nested lists, and several documents.
var walkDocs = map[string]string{
	"talos": `version: v1alpha1
machine:
  type: controlplane
  token: abcdef.0123456789abcdef
  ca:
    crt: LS0tLS1CRUdJTg==
    key: LS0tLS1CRUdJTiBFRDI1NTE5
  network:
    interfaces:
      # the uplink
      - interface: eth0
        mtu: 1500
        dhcp: false
        addresses: [10.0.0.1/24, "fd00::1/64"]
        vip:
          ip: 10.0.0.10
  systemDiskEncryption:
    state:
      provider: luks2
      keys:
        - slot: 0
          static:
            passphrase: hunter2hunter2
cluster:
  secret: c2VjcmV0
  aescbcEncryptionSecret: YWVz
  etcd:
    ca: {crt: Y3J0, key: a2V5}
  ratio: 0.5
  empty: ""
  nothing: null
  when: 2024-01-02T03:04:05Z
`,
	"secret": `apiVersion: v1
kind: Secret
metadata:
  name: app
  # keep this in clear
  labels: {a: b}
type: Opaque
stringData:
  PASSWORD: s3cr3t
  PORT: "5432"
data:
  token: dG9rZW4=
---
apiVersion: v1
kind: ConfigMap
data:
  list:
    - one
    # a comment in a list
    - 2
    - [3, true, ~]
`,
	"suffixes": `plain_unencrypted: visible
nested:
  value_enc: hidden
  value: other
  list_enc: [1, 2.5, false]
`,
}

var walkRules = map[string]sops.Metadata{
	"talos":              {EncryptedRegex: `^(key|token|secret|aescbcEncryptionSecret|passphrase)$`},
	"kubernetes":         {EncryptedRegex: `^(data|stringData)$`},
	"unencrypted suffix": {UnencryptedSuffix: sops.DefaultUnencryptedSuffix},
	"encrypted suffix":   {EncryptedSuffix: "_enc"},
	"unencrypted regex":  {UnencryptedRegex: `^(apiVersion|kind|metadata|type)$`},
	"regex and suffix":   {UnencryptedSuffix: "_unencrypted", EncryptedRegex: `^(nested|data)$`},
	"everything":         {},
	"mac only":           {EncryptedRegex: `^(data|key|value_enc)$`, MACOnlyEncrypted: true},
	// These two must go to sops' walk: hogen's would ignore the comment
	// rule, and treat a regex that does not compile differently.
	"bad regex":     {EncryptedRegex: `(`},
	"comment regex": {EncryptedCommentRegex: `uplink|list`},
}

// fakeCipher encrypts deterministically, so two walks can be compared value
// by value, and records the additional data it was given.
type fakeCipher struct{}

func (fakeCipher) Encrypt(in any, _ []byte, ad string) (string, error) {
	b, err := sops.ToBytes(in)
	return fmt.Sprintf("ENC<%s|%T|%s>", ad, in, b), err
}

func (fakeCipher) Decrypt(string, []byte, string) (any, error) {
	panic("not used")
}

// loadTree loads doc and adds a timestamp to its first document: sops'
// walk handles time.Time, which its YAML store never yields.
func loadTree(t testing.TB, doc string) sops.Tree {
	t.Helper()
	branches, err := newStore().LoadPlainFile([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if len(branches) > 0 {
		branches[0] = append(branches[0], sops.TreeItem{Key: "at", Value: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)})
	}
	return sops.Tree{Branches: branches}
}

// TestEncryptValuesIsSopsWalk checks encryptValues against sops'
// Tree.Encrypt: the same values encrypted with the same additional data,
// the same tree after, the same MAC.
func TestEncryptValuesIsSopsWalk(t *testing.T) {
	for docName, doc := range walkDocs {
		for ruleName, m := range walkRules {
			t.Run(docName+"/"+ruleName, func(t *testing.T) {
				sameEncryption(t, doc, m)
			})
		}
	}
}

func sameEncryption(t testing.TB, doc string, m sops.Metadata) {
	t.Helper()
	want, got := loadTree(t, doc), loadTree(t, doc)
	want.Metadata, got.Metadata = m, m
	wantMAC, wantErr := want.Encrypt(nil, fakeCipher{})
	gotMAC, gotErr := encryptValues(&got, nil, fakeCipher{})
	if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
		t.Fatalf("error: got %v, sops says %v", gotErr, wantErr)
	}
	if gotMAC != wantMAC {
		t.Errorf("MAC: got %s, sops says %s", gotMAC, wantMAC)
	}
	if !reflect.DeepEqual(got.Branches, want.Branches) {
		t.Errorf("tree differs from sops':\ngot  %v\nwant %v", got.Branches, want.Branches)
	}
}

// TestDecryptValuesIsSopsWalk checks decryptValues against sops'
// Tree.Decrypt on files encrypted with the real cipher, and on a file
// whose values were never encrypted (both must fail the same way).
func TestDecryptValuesIsSopsWalk(t *testing.T) {
	key := make([]byte, 32)
	for docName, doc := range walkDocs {
		for ruleName, m := range walkRules {
			t.Run(docName+"/"+ruleName, func(t *testing.T) {
				tree := loadTree(t, doc)
				tree.Metadata = m
				if _, err := tree.Encrypt(key, aes.NewCipher()); err != nil {
					t.Fatal(err)
				}
				sameDecryption(t, tree.Branches, m, key)
			})
		}
	}
	t.Run("never encrypted", func(t *testing.T) {
		tree := loadTree(t, walkDocs["secret"])
		sameDecryption(t, tree.Branches, walkRules["kubernetes"], key)
	})
}

func sameDecryption(t testing.TB, encrypted sops.TreeBranches, m sops.Metadata, key []byte) {
	t.Helper()
	want := sops.Tree{Branches: cloneBranches(encrypted), Metadata: m}
	got := sops.Tree{Branches: cloneBranches(encrypted), Metadata: m}
	wantMAC, wantErr := want.Decrypt(key, aes.NewCipher())
	gotMAC, gotErr := decryptValues(&got, key, aes.NewCipher())
	if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
		t.Fatalf("error: got %v, sops says %v", gotErr, wantErr)
	}
	if wantErr != nil {
		return
	}
	if gotMAC != wantMAC {
		t.Errorf("MAC: got %s, sops says %s", gotMAC, wantMAC)
	}
	if !reflect.DeepEqual(got.Branches, want.Branches) {
		t.Errorf("tree differs from sops':\ngot  %v\nwant %v", got.Branches, want.Branches)
	}
}

func cloneBranches(in sops.TreeBranches) sops.TreeBranches {
	out := make(sops.TreeBranches, len(in))
	for i, b := range in {
		out[i] = cloneValue(b).(sops.TreeBranch)
	}
	return out
}

func cloneValue(v any) any {
	switch v := v.(type) {
	case sops.TreeBranch:
		out := make(sops.TreeBranch, len(v))
		for i, item := range v {
			out[i] = sops.TreeItem{Key: item.Key, Value: cloneValue(item.Value)}
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = cloneValue(e)
		}
		return out
	default:
		return v
	}
}

// FuzzWalk compares encryptValues and decryptValues with sops' walks on
// any YAML and any path rule.
func FuzzWalk(f *testing.F) {
	for _, doc := range walkDocs {
		for _, m := range walkRules {
			f.Add(doc, m.EncryptedRegex, m.UnencryptedRegex, m.EncryptedSuffix, m.UnencryptedSuffix, m.MACOnlyEncrypted)
		}
	}
	key := make([]byte, 32)
	f.Fuzz(func(t *testing.T, doc, encryptedRegex, unencryptedRegex, encryptedSuffix, unencryptedSuffix string, macOnly bool) {
		if _, err := newStore().LoadPlainFile([]byte(doc)); err != nil || strings.Contains(doc, "sops:") {
			return
		}
		m := sops.Metadata{EncryptedRegex: encryptedRegex, UnencryptedRegex: unencryptedRegex,
			EncryptedSuffix: encryptedSuffix, UnencryptedSuffix: unencryptedSuffix, MACOnlyEncrypted: macOnly}
		sameEncryption(t, doc, m)
		tree := loadTree(t, doc)
		tree.Metadata = m
		if _, err := tree.Encrypt(key, aes.NewCipher()); err != nil {
			return
		}
		sameDecryption(t, tree.Branches, m, key)
	})
}
