package secrets

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hogen-dev/hogen/compiler/sink"
)

var _ sink.Sealer = (*Sealer)(nil)

const secretRegex = `^(data|stringData)$`

func appSecret(app, value string) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Secret
metadata:
  name: %s
  namespace: default
stringData:
  token: %s
`, app, value)
}

// build seals every file as a build would, with what is on disk now, and
// returns the new contents and how many bytes changed.
func build(t *testing.T, s *Sealer, plain map[string]string, disk map[string][]byte) (map[string][]byte, int) {
	t.Helper()
	out := map[string][]byte{}
	rewritten := 0
	for path, p := range plain {
		got, err := s.Seal(path, []byte(p), disk[path], secretRegex)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, disk[path]) {
			rewritten += len(got)
		}
		out[path] = got
	}
	return out, rewritten
}

func mustSealer(t *testing.T, recipients []string, ids *Identities) *Sealer {
	t.Helper()
	s, err := NewSealer(recipients, ids)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSealerNoChurn(t *testing.T) {
	k := newKey(t)
	plain := map[string]string{
		"apps/a/secret.sops.yaml": appSecret("a", "token-aaaaaaaa"),
		"apps/b/secret.sops.yaml": appSecret("b", "token-bbbbbbbb"),
		"apps/c/secret.sops.yaml": appSecret("c", "token-cccccccc"),
	}
	first, _ := build(t, mustSealer(t, []string{k.recipient()}, k.ids), plain, nil)

	t.Run("unchanged input rewrites 0 bytes", func(t *testing.T) {
		s := mustSealer(t, []string{k.recipient()}, k.ids)
		_, rewritten := build(t, s, plain, first)
		if rewritten != 0 {
			t.Errorf("rewrote %d bytes, want 0", rewritten)
		}
		want := Report{Kept: []string{"apps/a/secret.sops.yaml", "apps/b/secret.sops.yaml", "apps/c/secret.sops.yaml"}}
		if diff := cmp.Diff(want, s.Report()); diff != "" {
			t.Errorf("report (-want +got):\n%s", diff)
		}
	})

	t.Run("formatting sops does not keep is no change", func(t *testing.T) {
		reformatted := map[string]string{"apps/a/secret.sops.yaml": strings.ReplaceAll(
			strings.ReplaceAll(appSecret("a", `"token-aaaaaaaa"`), "\n  ", "\n    "), "kind: Secret", "kind: 'Secret'")}
		_, rewritten := build(t, mustSealer(t, []string{k.recipient()}, k.ids), reformatted, first)
		if rewritten != 0 {
			t.Errorf("rewrote %d bytes, want 0", rewritten)
		}
	})

	t.Run("one changed value rewrites only its file", func(t *testing.T) {
		changed := clone(plain)
		changed["apps/b/secret.sops.yaml"] = appSecret("b", "token-NEW-bbbb")
		s := mustSealer(t, []string{k.recipient()}, k.ids)
		got, _ := build(t, s, changed, first)
		for path := range plain {
			if same := bytes.Equal(got[path], first[path]); same == (path == "apps/b/secret.sops.yaml") {
				t.Errorf("%s: unchanged = %v", path, same)
			}
		}
		if diff := cmp.Diff([]string{"apps/b/secret.sops.yaml"}, s.Report().Encrypted); diff != "" {
			t.Errorf("report.Encrypted (-want +got):\n%s", diff)
		}
		dec, err := Decrypt(got["apps/b/secret.sops.yaml"], k.ids)
		if err != nil || !bytes.Contains(dec, []byte("token-NEW-bbbb")) {
			t.Errorf("the rewritten file does not hold the new value: %v\n%s", err, dec)
		}
	})
}

func clone(m map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

func TestSealerRotationAndMissingKey(t *testing.T) {
	k, k2 := newKey(t), newKey(t)
	path := "apps/a/secret.sops.yaml"
	plain := appSecret("a", "token-aaaaaaaa")
	existing := mustEncrypt(t, plain, []string{k.recipient()}, secretRegex)

	tests := []struct {
		name       string
		recipients []string
		ids        *Identities
		plain      string
		existing   []byte
		regex      string
		wantKept   bool
		want       Report
	}{
		{name: "recipients changed: rotation", recipients: []string{k.recipient(), k2.recipient()}, ids: k.ids,
			plain: plain, existing: existing, regex: secretRegex, want: Report{Rotated: []string{path}}},
		{name: "rotation needs no private key", recipients: []string{k2.recipient()}, ids: &Identities{},
			plain: plain, existing: existing, regex: secretRegex, want: Report{Rotated: []string{path}}},
		{name: "no key: existing kept unverified", recipients: []string{k.recipient()}, ids: &Identities{},
			plain: appSecret("a", "changed-value"), existing: existing, regex: secretRegex,
			wantKept: true, want: Report{Unverified: []string{path}}},
		{name: "key of another recipient: kept unverified", recipients: []string{k.recipient()}, ids: k2.ids,
			plain: plain, existing: existing, regex: secretRegex, wantKept: true, want: Report{Unverified: []string{path}}},
		{name: "no key and no file: encrypts", recipients: []string{k.recipient()}, ids: nil,
			plain: plain, existing: nil, regex: secretRegex, want: Report{Encrypted: []string{path}}},
		{name: "encryption rule changed", recipients: []string{k.recipient()}, ids: k.ids,
			plain: plain, existing: existing, regex: "", want: Report{Encrypted: []string{path}}},
		{name: "existing file corrupt (MAC)", recipients: []string{k.recipient()}, ids: k.ids,
			plain: plain, existing: bytes.Replace(existing, []byte("name: a"), []byte("name: b"), 1),
			regex: secretRegex, want: Report{Encrypted: []string{path}}},
		{name: "existing file not SOPS", recipients: []string{k.recipient()}, ids: k.ids,
			plain: plain, existing: []byte(plain), regex: secretRegex, want: Report{Encrypted: []string{path}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := mustSealer(t, tc.recipients, tc.ids)
			got, err := s.Seal(path, []byte(tc.plain), tc.existing, tc.regex)
			if err != nil {
				t.Fatal(err)
			}
			if kept := bytes.Equal(got, tc.existing); kept != tc.wantKept {
				t.Errorf("kept existing = %v, want %v", kept, tc.wantKept)
			}
			if diff := cmp.Diff(tc.want, s.Report()); diff != "" {
				t.Errorf("report (-want +got):\n%s", diff)
			}
			if !tc.wantKept {
				checkOpens(t, got, tc.recipients, tc.plain, k, k2)
			}
		})
	}
}

// checkOpens checks that got decrypts to plain with the key of every
// recipient.
func checkOpens(t *testing.T, got []byte, recipients []string, plain string, keys ...testKey) {
	t.Helper()
	for _, key := range keys {
		if !strings.Contains(strings.Join(recipients, ","), key.recipient()) {
			continue
		}
		dec, err := Decrypt(got, key.ids)
		if err != nil {
			t.Fatalf("recipient %s cannot open the result: %v", key.recipient(), err)
		}
		if diff := cmp.Diff(yamlValue(t, plain), yamlValue(t, string(dec))); diff != "" {
			t.Errorf("decrypted (-want +got):\n%s", diff)
		}
	}
}

func TestNewSealerNeedsRecipients(t *testing.T) {
	_, err := NewSealer(nil, nil)
	if err == nil || !strings.Contains(err.Error(), "cluster.sops.ageRecipients") {
		t.Fatalf("error = %v, want it to name cluster.sops.ageRecipients", err)
	}
}

func TestReportPrint(t *testing.T) {
	tests := []struct {
		name string
		r    Report
		want string
	}{
		{name: "nothing to say", r: Report{Encrypted: []string{"a"}, Kept: []string{"b"}}, want: ""},
		{
			name: "rotation and unverified",
			r:    Report{Rotated: []string{"k/a.sops.yaml", "talos/n1.yaml"}, Unverified: []string{"k/b.sops.yaml"}},
			want: "rotated: re-encrypted 2 secret files for the new age recipients:\n\tk/a.sops.yaml\n\ttalos/n1.yaml\n" +
				"unverified: kept 1 secret files as they are; no age key found opens them, so they may be stale:\n\tk/b.sops.yaml\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			tc.r.Print(&b)
			if diff := cmp.Diff(tc.want, b.String()); diff != "" {
				t.Errorf("Print (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSealerConcurrent seals from many goroutines, as a sink may: the
// report must count every file once.
func TestSealerConcurrent(t *testing.T) {
	k := newKey(t)
	s := mustSealer(t, []string{k.recipient()}, k.ids)
	existing := mustEncrypt(t, appSecret("a", "token-aaaaaaaa"), []string{k.recipient()}, secretRegex)
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			path := fmt.Sprintf("apps/%02d/secret.sops.yaml", i)
			if _, err := s.Seal(path, []byte(appSecret("a", "token-aaaaaaaa")), existing, secretRegex); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if got := len(s.Report().Kept); got != 16 {
		t.Errorf("report keeps %d files, want 16", got)
	}
}

// TestSealerComparesValues: a file is kept exactly when its decrypted tree
// holds the same values, of the same types, with the same comments.
func TestSealerComparesValues(t *testing.T) {
	k := newKey(t)
	// -0.0 is under stringData because only encrypted it survives sops:
	// in clear sops writes it as the int -0, which no longer matches the MAC.
	const base = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: a\n  port: 5432\n  ratio: .nan\n  # a comment\n" +
		"stringData:\n  token: token-aaaaaaaa\n  at: !!timestamp 2001-12-14T21:59:43+00:00\n  zero: -0.0\n"
	for _, tc := range []struct {
		name, now string
		kept      bool
	}{
		{name: "same", now: base, kept: true},
		{name: "NaN is still NaN", now: strings.Replace(base, ".nan", ".NaN", 1), kept: true},
		{name: "a time decrypted in UTC is the same time", now: base, kept: true},
		{name: "time changed", now: strings.Replace(base, "21:59:43", "21:59:44", 1)},
		{name: "-0 became 0", now: strings.Replace(base, "-0.0", "0.0", 1)},
		{name: "int became string", now: strings.Replace(base, "5432", `"5432"`, 1)},
		{name: "int became float", now: strings.Replace(base, "5432", "5432.5", 1)},
		{name: "comment changed", now: strings.Replace(base, "a comment", "another", 1)},
		{name: "comment dropped", now: strings.Replace(base, "  # a comment\n", "", 1)},
		{name: "secret changed", now: strings.Replace(base, "aaaaaaaa", "bbbbbbbb", 1)},
		{name: "key order changed", now: strings.Replace(base, "  port: 5432\n  ratio: .nan\n", "  ratio: .nan\n  port: 5432\n", 1)},
		{name: "document added", now: base + "---\na: b\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			existing := mustEncrypt(t, base, []string{k.recipient()}, secretRegex)
			s := mustSealer(t, []string{k.recipient()}, k.ids)
			got, err := s.Seal("a.sops.yaml", []byte(tc.now), existing, secretRegex)
			if err != nil {
				t.Fatal(err)
			}
			if kept := bytes.Equal(got, existing); kept != tc.kept {
				t.Errorf("kept = %v, want %v", kept, tc.kept)
			}
		})
	}
}
