package secrets

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// env is a fake environment for getenv.
type env map[string]string

func (e env) get(k string) string { return e[k] }

func writeFile(t testing.TB, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestLoadIdentities(t *testing.T) {
	a, b, c := newKey(t), newKey(t), newKey(t)
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "key.txt")
	writeFile(t, keyFile, "# created: today\n# public key: x\n"+a.id.String()+"\n")
	xdg := filepath.Join(dir, "xdg")
	writeFile(t, filepath.Join(xdg, "sops", "age", "keys.txt"), c.id.String()+"\nAGE-PLUGIN-YUBIKEY-1QQQQQ\n")
	home := filepath.Join(dir, "home")
	writeFile(t, filepath.Join(home, ".config", "sops", "age", "keys.txt"), b.id.String()+"\n")

	tests := []struct {
		name string
		env  env
		want []string
	}{
		{name: "nothing", env: env{"HOME": filepath.Join(dir, "empty")}, want: nil},
		{name: "key file", env: env{"SOPS_AGE_KEY_FILE": keyFile}, want: []string{a.recipient()}},
		{name: "key variable, several per line", env: env{"SOPS_AGE_KEY": a.id.String() + " " + b.id.String()},
			want: []string{a.recipient(), b.recipient()}},
		{name: "default file under XDG_CONFIG_HOME", env: env{"XDG_CONFIG_HOME": xdg, "HOME": home},
			want: []string{c.recipient()}},
		{name: "default file under HOME", env: env{"HOME": home}, want: []string{b.recipient()}},
		{name: "all sources together, as sops reads them",
			env:  env{"SOPS_AGE_KEY_FILE": keyFile, "SOPS_AGE_KEY": b.id.String(), "XDG_CONFIG_HOME": xdg},
			want: []string{a.recipient(), b.recipient(), c.recipient()}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ids, err := LoadIdentities(tc.env.get)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(sorted(tc.want), ids.Recipients()); diff != "" {
				t.Errorf("recipients (-want +got):\n%s", diff)
			}
			if got := ids.Empty(); got != (len(tc.want) == 0) {
				t.Errorf("Empty() = %v", got)
			}
		})
	}
}

func sorted(s []string) []string {
	if s == nil {
		return nil
	}
	return slices.Sorted(slices.Values(s))
}

func TestLoadIdentitiesErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.txt")
	writeFile(t, bad, "AGE-SECRET-KEY-1NOTAKEY\n")
	tests := []struct {
		name string
		env  env
		want string
	}{
		{name: "key file missing", env: env{"SOPS_AGE_KEY_FILE": filepath.Join(dir, "none.txt")},
			want: "reading age keys from SOPS_AGE_KEY_FILE"},
		{name: "key file malformed", env: env{"SOPS_AGE_KEY_FILE": bad},
			want: "SOPS_AGE_KEY_FILE=" + bad + ": not an age key"},
		{name: "variable malformed", env: env{"SOPS_AGE_KEY": "hunter2"},
			want: "reading age keys from SOPS_AGE_KEY: a line is not an age private key"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadIdentities(tc.env.get)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error echoes the key material: %v", err)
			}
		})
	}
}

func TestUserConfigDir(t *testing.T) {
	tests := []struct {
		name    string
		goos    string
		env     env
		want    string
		wantErr string
	}{
		{name: "linux XDG", goos: "linux", env: env{"XDG_CONFIG_HOME": "/x", "HOME": "/h"}, want: "/x"},
		{name: "linux HOME", goos: "linux", env: env{"HOME": "/h"}, want: "/h/.config"},
		{name: "linux relative XDG", goos: "linux", env: env{"XDG_CONFIG_HOME": "x"}, wantErr: "relative"},
		{name: "linux nothing", goos: "linux", env: env{}, wantErr: "neither"},
		{name: "darwin XDG wins (sops)", goos: "darwin", env: env{"XDG_CONFIG_HOME": "/x", "HOME": "/h"}, want: "/x"},
		{name: "darwin default", goos: "darwin", env: env{"HOME": "/h"}, want: "/h/Library/Application Support"},
		{name: "windows", goos: "windows", env: env{"AppData": `C:\Users\a\AppData\Roaming`}, want: `C:\Users\a\AppData\Roaming`},
		{name: "plan9", goos: "plan9", env: env{"home": "/usr/a"}, want: "/usr/a/lib"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := userConfigDir(tc.goos, tc.env.get)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("userConfigDir = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestCreateKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sops", "age", "keys.txt")
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	r, err := CreateKey(path, now)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := LoadIdentities(env{"SOPS_AGE_KEY_FILE": path}.get)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{r}, ids.Recipients()); diff != "" {
		t.Errorf("the written key's recipient (-want +got):\n%s", diff)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode = %v, want 0600", fi.Mode().Perm())
	}
	before, _ := os.ReadFile(path)
	if _, err := CreateKey(path, now); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("second CreateKey: error = %v, want ErrExist", err)
	}
	after, _ := os.ReadFile(path)
	if string(before) != string(after) {
		t.Error("CreateKey overwrote an existing key")
	}
}

// keyCommand writes a shell script that logs the recipient it was asked
// for and prints what body prints, and returns its command line.
func keyCommand(t *testing.T, body string) (cmdLine, log string) {
	t.Helper()
	dir := t.TempDir()
	log = filepath.Join(dir, "asked")
	script := filepath.Join(dir, "age key.sh") // a space: the line is split like a shell's
	writeFile(t, script, "#!/bin/sh\necho \"$SOPS_AGE_RECIPIENT\" >> '"+log+"'\n"+body+"\n")
	if err := os.Chmod(script, 0o700); err != nil {
		t.Fatal(err)
	}
	return "sh '" + script + "'", log
}

// TestKeyCommand: $SOPS_AGE_KEY_CMD runs when a file needs a key, once per
// recipient, with $SOPS_AGE_RECIPIENT set, as sops runs it.
func TestKeyCommand(t *testing.T) {
	a, b := newKey(t), newKey(t)
	cmd, log := keyCommand(t, "case \"$SOPS_AGE_RECIPIENT\" in "+a.recipient()+") echo "+a.id.String()+";; esac")
	ids, err := LoadIdentities(env{KeyCmdEnv: cmd, "HOME": t.TempDir()}.get)
	if err != nil {
		t.Fatal(err)
	}
	if ids.Empty() {
		t.Fatal("Empty() with a key command: a build would not even try it")
	}
	if _, err := os.Stat(log); !errors.Is(err, fs.ErrNotExist) {
		t.Fatal("the key command ran before any file needed a key")
	}
	toA := mustEncrypt(t, "token: abcdefgh\n", []string{a.recipient()}, "")
	for range 2 {
		if _, err := Decrypt(toA, ids); err != nil {
			t.Fatalf("decrypting with the key command's key: %v", err)
		}
	}
	// A file for b, which the command has no key for: a KeyError, as with
	// a key file of the wrong key.
	_, err = Decrypt(mustEncrypt(t, "token: abcdefgh\n", []string{b.recipient()}, ""), ids)
	var ke *KeyError
	if !errors.As(err, &ke) || !strings.Contains(err.Error(), KeyCmdEnv) {
		t.Errorf("file for another recipient: %v, want a KeyError saying where hogen looked", err)
	}
	asked, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(a.recipient()+"\n"+b.recipient()+"\n", string(asked)); diff != "" {
		t.Errorf("recipients the command was run for (-want +got):\n%s", diff)
	}
}

func TestKeyCommandErrors(t *testing.T) {
	k := newKey(t)
	enc := mustEncrypt(t, "token: abcdefgh\n", []string{k.recipient()}, "")
	for _, tc := range []struct {
		name, body, want string
	}{
		{name: "fails", body: "echo " + k.id.String() + "; echo 'op: not signed in' >&2; exit 3",
			want: "SOPS_AGE_KEY_CMD failed: sh: exit status 3 (op: not signed in)"},
		{name: "prints no key", body: "echo hunter2",
			want: "SOPS_AGE_KEY_CMD failed: reading age keys from SOPS_AGE_KEY_CMD: a line is not an age private key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd, _ := keyCommand(t, tc.body)
			ids, err := LoadIdentities(env{KeyCmdEnv: cmd, "HOME": t.TempDir()}.get)
			if err != nil {
				t.Fatal(err)
			}
			_, err = Decrypt(enc, ids)
			if !errors.Is(err, ErrKeyCommand) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want ErrKeyCommand containing %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), k.id.String()) {
				t.Errorf("error echoes what the command printed: %v", err)
			}
			// A sealer must stop, not take the file for changed and
			// encrypt it anew.
			s := mustSealer(t, []string{k.recipient()}, ids)
			if _, err := s.Seal("a.yaml", []byte("token: abcdefgh\n"), enc, ""); !errors.Is(err, ErrKeyCommand) {
				t.Errorf("Seal: %v, want ErrKeyCommand", err)
			}
		})
	}
}

// TestKeyCommandSeveralRecipients: as with sops, a file encrypted to
// several recipients opens when the command gives the key of one, though it
// fails for another; and the command does not run when a key at hand
// opens the file.
func TestKeyCommandSeveralRecipients(t *testing.T) {
	a, b := newKey(t), newKey(t)
	cmd, log := keyCommand(t, "if [ \"$SOPS_AGE_RECIPIENT\" = "+a.recipient()+" ]; then echo "+a.id.String()+"; else echo 'no such item' >&2; exit 1; fi")
	both := mustEncrypt(t, "token: abcdefgh\n", []string{a.recipient(), b.recipient()}, "")
	ids, err := LoadIdentities(env{KeyCmdEnv: cmd, "HOME": t.TempDir()}.get)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Decrypt(both, ids); err != nil {
		t.Fatalf("the command gave a's key, yet: %v", err)
	}

	cmd, log = keyCommand(t, "exit 1")
	ids, err = LoadIdentities(env{KeyCmdEnv: cmd, KeyEnv: b.id.String(), "HOME": t.TempDir()}.get)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Decrypt(both, ids); err != nil {
		t.Fatalf("b's key was at hand, yet: %v", err)
	}
	if _, err := os.Stat(log); !errors.Is(err, fs.ErrNotExist) {
		t.Error("the key command ran though a key at hand opens the file")
	}
}
