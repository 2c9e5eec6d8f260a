package secrets

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/getsops/sops/v3"
	"github.com/google/go-cmp/cmp"
)

// setAll writes values into dir's InputFile with SetValue, as
// `hogen secrets set` does.
func setAll(t *testing.T, dir string, k testKey, values map[string]string) {
	t.Helper()
	for _, name := range sorted(keys(values)) {
		err := SetValue(filepath.Join(dir, InputFile), name, values[name],
			SetOptions{Recipients: []string{k.recipient()}, Identities: k.ids})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestInputs(t *testing.T) {
	k, wrong := newKey(t), newKey(t)
	dir := t.TempDir()
	values := map[string]string{
		"cloudflare-api-token":         "cf-token-0123456789",
		"onepassword-credentials-json": "{\n  \"verifier\": {\"salt\": \"abc\"}\n}",
	}
	setAll(t, dir, k, values)
	keyFile := filepath.Join(dir, "key.txt")
	writeFile(t, keyFile, k.id.String()+"\n")
	wrongFile := filepath.Join(dir, "wrong.txt")
	writeFile(t, wrongFile, wrong.id.String()+"\n")
	noKeyEnv := env{"HOME": filepath.Join(dir, "home")}

	t.Run("names without a key", func(t *testing.T) {
		in, err := LoadInputs(dir, noKeyEnv.get)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"cloudflare-api-token", "onepassword-credentials-json"}, in.Names); diff != "" {
			t.Errorf("names (-want +got):\n%s", diff)
		}
		if in.Values != nil || !strings.Contains(in.NoKey, "no age private key found") {
			t.Errorf("Values = %v, NoKey = %q; want nil and a reason", in.Values, in.NoKey)
		}
		if _, err := in.Value("cloudflare-api-token"); err == nil || !strings.Contains(err.Error(), "no value without a key") {
			t.Errorf("Value without key: error = %v", err)
		}
	})

	t.Run("values with the key", func(t *testing.T) {
		in, err := LoadInputs(dir, env{"SOPS_AGE_KEY_FILE": keyFile}.get)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(values, in.Values); diff != "" {
			t.Errorf("values (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{k.recipient()}, in.Recipients); diff != "" {
			t.Errorf("recipients (-want +got):\n%s", diff)
		}
	})

	t.Run("wrong key names the file and the recipient", func(t *testing.T) {
		_, err := LoadInputs(dir, env{"SOPS_AGE_KEY_FILE": wrongFile}.get)
		var ke *KeyError
		if !errors.As(err, &ke) {
			t.Fatalf("error = %v, want a *KeyError", err)
		}
		for _, want := range []string{filepath.Join(dir, InputFile), "encrypted to " + k.recipient(), "SOPS_AGE_KEY_FILE=" + wrongFile} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q lacks %q", err, want)
			}
		}
	})

	t.Run("no file means no secrets", func(t *testing.T) {
		in, err := LoadInputs(t.TempDir(), noKeyEnv.get)
		if err != nil || len(in.Names) != 0 || in.Values == nil {
			t.Errorf("LoadInputs = %+v, %v; want no names, empty values", in, err)
		}
	})
}

func TestInputValueErrors(t *testing.T) {
	in := &Inputs{Path: "secrets.sops.yaml", Values: map[string]string{"blank": "", "ok": "value"}}
	tests := []struct {
		name string
		ref  string
		want string
	}{
		{name: "missing", ref: "github-webhook-token",
			want: `secret "github-webhook-token" is not in secrets.sops.yaml: add it with 'hogen secrets set github-webhook-token'`},
		{name: "empty", ref: "blank",
			want: `secret "blank" in secrets.sops.yaml is empty: set it with 'hogen secrets set blank'`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := in.Value(tc.ref)
			if err == nil || err.Error() != tc.want {
				t.Errorf("error = %v, want %q", err, tc.want)
			}
		})
	}
	if v, err := in.Value("ok"); v != "value" || err != nil {
		t.Errorf("Value(ok) = %q, %v", v, err)
	}
}

func TestSetValue(t *testing.T) {
	k, k2 := newKey(t), newKey(t)
	dir := t.TempDir()
	path := filepath.Join(dir, InputFile)
	opts := SetOptions{Recipients: []string{k.recipient()}, Identities: k.ids}
	if err := SetValue(path, "grafana-admin-password", "first-password", opts); err != nil {
		t.Fatal(err)
	}
	// Keep the file's recipients: no Recipients given.
	if err := SetValue(path, "grafana-admin-password", "second-password", SetOptions{Identities: k.ids}); err != nil {
		t.Fatal(err)
	}
	if err := SetValue(path, "mosquitto-password", "mqtt-password", SetOptions{Identities: k.ids}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"first-password", "second-password", "mqtt-password"} {
		if strings.Contains(string(data), v) {
			t.Errorf("the file holds %q in clear", v)
		}
	}
	got, err := DecryptValues(data, k.ids)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"grafana-admin-password": "second-password", "mosquitto-password": "mqtt-password"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("values (-want +got):\n%s", diff)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only %s (no temporary files left)", len(entries), InputFile)
	}

	// Rotation: new recipients re-encrypt every value.
	if err := SetValue(path, "mosquitto-password", "mqtt-password", SetOptions{Recipients: []string{k2.recipient()}, Identities: k.ids}); err != nil {
		t.Fatal(err)
	}
	data, _ = os.ReadFile(path)
	if got, err := DecryptValues(data, k2.ids); err != nil || got["grafana-admin-password"] != "second-password" {
		t.Errorf("after rotation the new key reads %v, %v", got, err)
	}
}

func TestSetValueErrors(t *testing.T) {
	k, wrong := newKey(t), newKey(t)
	dir := t.TempDir()
	path := filepath.Join(dir, InputFile)
	if err := SetValue(path, "existing", "value-1234", SetOptions{Recipients: []string{k.recipient()}}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		path  string
		key   string
		value string
		opts  SetOptions
		want  string
	}{
		{name: "empty value", path: path, key: "x", value: "", opts: SetOptions{Identities: k.ids},
			want: `secret "x": the value is empty`},
		{name: "bad name", path: path, key: "../x", value: "v", opts: SetOptions{Identities: k.ids},
			want: `secret name "../x": use letters`},
		{name: "unencrypted suffix", path: path, key: "a_unencrypted", value: "v", opts: SetOptions{Identities: k.ids},
			want: "sops leaves values whose name ends in"},
		{name: "new file without recipients", path: filepath.Join(dir, "new", InputFile), key: "x", value: "v",
			want: "does not exist yet: give the age recipients"},
		{name: "existing file, no key", path: path, key: "x", value: "v", opts: SetOptions{Identities: &Identities{}},
			want: "no age private key found"},
		{name: "existing file, wrong key", path: path, key: "x", value: "v", opts: SetOptions{Identities: wrong.ids},
			want: "encrypted to " + k.recipient()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := SetValue(tc.path, tc.key, tc.value, tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestNamesRejects(t *testing.T) {
	k := newKey(t)
	tests := []struct {
		name  string
		plain string
		regex string
		want  string
	}{
		{name: "nested map", plain: "a:\n  b: c\n", want: `secret "a" is not a single value`},
		{name: "not a string", plain: "port: 1883\n", want: `secret "port" is not a string`},
		{name: "stored in clear", plain: "a: ENC-not\nb: x\n", regex: "^b$", want: `secret "a" is stored in clear`},
		{name: "bad name", plain: "a b: x\n", want: `secret name "a b"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Names(mustEncrypt(t, tc.plain, []string{k.recipient()}, tc.regex))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestReadValue(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{name: "echo newline dropped", in: "token\n", want: "token"},
		{name: "CRLF dropped", in: "token\r\n", want: "token"},
		{name: "inner newlines kept", in: "{\n}\n", want: "{\n}"},
		{name: "only one newline dropped", in: "a\n\n", want: "a\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ReadValue(strings.NewReader(tc.in))
			if err != nil || got != tc.want {
				t.Errorf("ReadValue = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestValidName(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"a", true}, {"db.password", true}, {"a_b-c", true}, {strings.Repeat("a", 253), true},
		{strings.Repeat("a", 254), false}, {"", false}, {"-a", false}, {"a.", false}, {"a b", false}, {"sops", false},
		{"x" + sops.DefaultUnencryptedSuffix, false},
	} {
		if err := ValidName(tc.name); (err == nil) != tc.ok {
			t.Errorf("ValidName(%q) = %v, want ok %v", tc.name, err, tc.ok)
		}
	}
}

// FuzzNames feeds arbitrary bytes to the secrets-file loader: it must
// return names or an error, never panic, and any name it returns is valid.
func FuzzNames(f *testing.F) {
	k := newKey(f)
	f.Add(mustEncrypt(f, "a: b\nc: d\n", []string{k.recipient()}, ""))
	f.Add(mustEncrypt(f, "a:\n  - 1\n", []string{k.recipient()}, ""))
	f.Add([]byte("sops: 1\n"))
	f.Add([]byte("a: b\n---\nc: d\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		names, err := Names(data)
		if err != nil {
			return
		}
		for _, n := range names {
			if err := ValidName(n); err != nil {
				t.Errorf("Names returned an invalid name: %v", err)
			}
		}
	})
}
