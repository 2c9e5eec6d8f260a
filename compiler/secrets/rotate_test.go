package secrets

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// talosLike has what a Talos secrets bundle and an input file hold: nested
// maps, a list, numbers, booleans, multi-line strings and comments.
const talosLike = `# the bundle
cluster:
    id: 0c4d6a5e
    secret: c2VjcmV0Cg==
trustdinfo:
    token: abcdef.0123456789abcdef
certs:
    os:
        crt: |
            -----BEGIN CERTIFICATE-----
            MIIB
            -----END CERTIFICATE-----
        key: LS0tS0VZ
list: [1, 2.5, true]
note_unencrypted: kept in clear
`

func TestReencrypt(t *testing.T) {
	old, added, other := newKey(t), newKey(t), newKey(t)
	both := []string{added.recipient(), old.recipient()}
	tests := []struct {
		name       string
		regex      string
		recipients []string
		ids        *Identities
	}{
		{name: "add a recipient", recipients: both, ids: old.ids},
		{name: "replace the recipient", recipients: []string{added.recipient()}, ids: old.ids},
		{name: "Kubernetes Secret rule kept", regex: `^(data|stringData)$`, recipients: both, ids: old.ids},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plain := talosLike
			if tt.regex != "" {
				plain = k8sSecret
			}
			in := mustEncrypt(t, plain, []string{old.recipient()}, tt.regex)
			out, changed, err := Reencrypt(in, tt.recipients, tt.ids)
			if err != nil || !changed {
				t.Fatalf("Reencrypt = changed %v, %v; want a new file", changed, err)
			}
			got, err := Recipients(out)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(normRecipients(tt.recipients), got); diff != "" {
				t.Errorf("recipients (-want +got):\n%s", diff)
			}
			before, err := Decrypt(in, old.ids)
			if err != nil {
				t.Fatal(err)
			}
			after, err := Decrypt(out, added.ids)
			if err != nil {
				t.Fatalf("the added recipient cannot open it: %v", err)
			}
			if !bytes.Equal(before, after) {
				t.Errorf("plaintext changed:\n%s\nwant:\n%s", after, before)
			}
			tree, err := loadEncrypted(out)
			if err != nil {
				t.Fatal(err)
			}
			if !sameRule(tree.Metadata, tt.regex) {
				t.Errorf("rule changed: %+v", tree.Metadata)
			}
			if _, err := Decrypt(out, other.ids); !isKeyError(err) {
				t.Errorf("a key that is no recipient opened it: %v", err)
			}
		})
	}
}

func TestReencryptUnchanged(t *testing.T) {
	k, other := newKey(t), newKey(t)
	in := mustEncrypt(t, talosLike, []string{k.recipient(), other.recipient()}, "")
	// Same recipients in another order, with no key at all: nothing to do.
	out, changed, err := Reencrypt(in, []string{other.recipient(), k.recipient(), k.recipient()}, &Identities{})
	if err != nil || changed || !bytes.Equal(out, in) {
		t.Errorf("Reencrypt = changed %v, %v, same bytes %v; want the file as it is", changed, err, bytes.Equal(out, in))
	}
}

func TestReencryptErrors(t *testing.T) {
	k, other := newKey(t), newKey(t)
	in := mustEncrypt(t, talosLike, []string{k.recipient()}, "")
	tests := []struct {
		name  string
		in    []byte
		ids   *Identities
		check func(error) bool
		want  string
	}{
		{name: "no key", in: in, ids: &Identities{}, check: func(err error) bool { return errors.Is(err, ErrNoKey) }, want: k.recipient()},
		{name: "another key", in: in, ids: other.ids, check: isKeyError, want: k.recipient()},
		{
			name: "rule hogen does not write",
			in:   bytes.Replace(in, []byte("unencrypted_suffix: _unencrypted"), []byte("unencrypted_suffix: _plain"), 1),
			ids:  k.ids, check: func(error) bool { return true }, want: "sops updatekeys",
		},
		{name: "not SOPS", in: []byte("a: b\n"), ids: k.ids, check: func(error) bool { return true }, want: "not a SOPS file"},
		{
			name: "a PGP key beside the age one",
			in: bytes.Replace(in, []byte("\nsops:\n"),
				[]byte("\nsops:\n  pgp:\n    - created_at: \"2024-01-01T00:00:00Z\"\n      enc: x\n      fp: ABCDEF0123456789\n"), 1),
			ids: k.ids, check: func(error) bool { return true }, want: "keys other than one group of age recipients",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _, err := Reencrypt(tt.in, []string{other.recipient()}, tt.ids)
			if err == nil || !tt.check(err) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Reencrypt error = %v, want one saying %q", err, tt.want)
			}
			if out != nil {
				t.Errorf("Reencrypt returned output with its error")
			}
		})
	}
}

func TestEncryptedBy(t *testing.T) {
	k := newKey(t)
	partly := mustEncrypt(t, "a: 1\nkey: x\n", []string{k.recipient()}, `^key$`)
	whole := mustEncrypt(t, "a: 1\nkey: x\n", []string{k.recipient()}, "")
	for _, tc := range []struct {
		name  string
		file  []byte
		regex string
		want  bool
	}{
		{"same rule", partly, `^key$`, true},
		{"another regex", partly, `^(key|a)$`, false},
		{"every value encrypted, regex asked", whole, `^key$`, false},
		{"every value, as asked", whole, "", true},
		{"not SOPS", []byte("a: 1\n"), `^key$`, false},
	} {
		if got := EncryptedBy(tc.file, tc.regex); got != tc.want {
			t.Errorf("%s: EncryptedBy = %v, want %v", tc.name, got, tc.want)
		}
	}
}
