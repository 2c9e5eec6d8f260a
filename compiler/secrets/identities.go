package secrets

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"filippo.io/age"
	"github.com/google/shlex"
)

// The places sops looks for age private keys, which hogen reads the same way
// so that a key set up for sops works for hogen unchanged.
const (
	// KeyFileEnv names a file of age identities, one per line.
	KeyFileEnv = "SOPS_AGE_KEY_FILE"
	// KeyEnv holds age identities themselves, separated by white space.
	KeyEnv = "SOPS_AGE_KEY"
	// KeyCmdEnv holds a command that prints age identities, run once for
	// each recipient a file needs a key for, with RecipientEnv set to it.
	KeyCmdEnv = "SOPS_AGE_KEY_CMD"
	// RecipientEnv tells the key command which recipient's key is wanted.
	RecipientEnv = "SOPS_AGE_RECIPIENT"
	// defaultKeyPath is relative to the user config directory.
	defaultKeyPath = "sops/age/keys.txt"
)

// ErrKeyCommand means $SOPS_AGE_KEY_CMD failed or printed something that
// is not an age key. Unlike a missing key it stops a build: files it should
// have opened would otherwise count as changed.
var ErrKeyCommand = errors.New(KeyCmdEnv + " failed")

// Identities are the age private keys hogen found, with where it looked, so
// an error can say where to put a missing key.
type Identities struct {
	searched []string // every place looked, found or not
	keyCmd   string   // $SOPS_AGE_KEY_CMD, run on demand (resolve)

	// mu guards what the key command adds while files are opened in
	// parallel.
	mu         sync.Mutex
	ids        []age.Identity
	recipients []string         // public keys of ids, sorted
	sources    []string         // where keys were found
	asked      map[string]error // recipients the key command ran for, and how
}

// LoadIdentities finds age private keys as sops does: every identity in
// $SOPS_AGE_KEY_FILE, $SOPS_AGE_KEY and sops' default key file
// (DefaultKeyFile), all of them together, and those $SOPS_AGE_KEY_CMD
// prints. As sops does, hogen runs that command when a file needs a key,
// once per recipient of the file, with $SOPS_AGE_RECIPIENT set to it.
// getenv reads the environment (pass os.Getenv), so tests control it.
// Finding no key is not an error: the result is then Empty, and callers
// that need a key say so. SSH keys, which sops also reads, are not
// supported.
func LoadIdentities(getenv func(string) string) (*Identities, error) {
	ids := &Identities{}
	if p := getenv(KeyFileEnv); p != "" {
		ids.searched = append(ids.searched, KeyFileEnv+"="+p)
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("reading age keys from %s: %w (fix the variable or unset it)", KeyFileEnv, err)
		}
		if err := ids.add(KeyFileEnv+"="+p, string(data), false); err != nil {
			return nil, err
		}
	} else {
		ids.searched = append(ids.searched, KeyFileEnv)
	}
	if v := getenv(KeyEnv); v != "" {
		ids.searched = append(ids.searched, KeyEnv)
		if err := ids.add(KeyEnv, v, true); err != nil {
			return nil, err
		}
	} else {
		ids.searched = append(ids.searched, KeyEnv)
	}
	ids.searched = append(ids.searched, KeyCmdEnv)
	ids.keyCmd = getenv(KeyCmdEnv)
	// Like sops, a missing or undeterminable default file is not an error.
	if p, err := DefaultKeyFile(getenv); err == nil {
		ids.searched = append(ids.searched, p)
		data, err := os.ReadFile(p)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			return nil, fmt.Errorf("reading age keys: %w", err)
		default:
			if err := ids.add(p, string(data), false); err != nil {
				return nil, err
			}
		}
	}
	ids.sortRecipients()
	return ids, nil
}

// ParseIdentities reads age identities from text in the key file format
// (one per line, # comments). It is how tests and callers holding a key in
// memory get Identities without the environment.
func ParseIdentities(source, text string) (*Identities, error) {
	ids := &Identities{searched: []string{source}}
	if err := ids.add(source, text, false); err != nil {
		return nil, err
	}
	ids.sortRecipients()
	return ids, nil
}

// add parses text from source. Plugin identities (AGE-PLUGIN-...) need an
// external program and are skipped, so a keys.txt that also holds a
// hardware key still works for its plain keys.
func (ids *Identities) add(source, text string, wordsPerLine bool) error {
	found := 0
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		words := []string{line}
		if wordsPerLine {
			words = strings.Fields(line)
		}
		for _, w := range words {
			if strings.HasPrefix(w, "AGE-PLUGIN-") {
				continue
			}
			if err := ids.parseOne(w); err != nil {
				return fmt.Errorf("reading age keys from %s: %w", source, err)
			}
			found++
		}
	}
	if found > 0 {
		ids.sources = append(ids.sources, source)
	}
	return nil
}

func (ids *Identities) parseOne(s string) error {
	switch {
	case strings.HasPrefix(s, "AGE-SECRET-KEY-PQ-1"):
		id, err := age.ParseHybridIdentity(s)
		if err != nil {
			return fmt.Errorf("not an age key: %w", err)
		}
		ids.ids = append(ids.ids, id)
		ids.recipients = append(ids.recipients, id.Recipient().String())
	case strings.HasPrefix(s, "AGE-SECRET-KEY-1"):
		id, err := age.ParseX25519Identity(s)
		if err != nil {
			return fmt.Errorf("not an age key: %w", err)
		}
		ids.ids = append(ids.ids, id)
		ids.recipients = append(ids.recipients, id.Recipient().String())
	default:
		// Never echo the line: it may be a key with a typo.
		return errors.New("a line is not an age private key (AGE-SECRET-KEY-1...)")
	}
	return nil
}

// Empty tells whether no key was found and there is no key command that
// could give one.
func (ids *Identities) Empty() bool {
	if ids == nil {
		return true
	}
	ids.mu.Lock()
	defer ids.mu.Unlock()
	return len(ids.ids) == 0 && ids.keyCmd == ""
}

// Recipients returns the public keys of the identities found so far,
// sorted.
func (ids *Identities) Recipients() []string {
	if ids == nil {
		return nil
	}
	ids.mu.Lock()
	defer ids.mu.Unlock()
	return slices.Clone(ids.recipients)
}

// resolve runs the key command for each of need (a file's age recipients)
// it has not run for yet, and returns the identities known then.
func (ids *Identities) resolve(need []string) ([]age.Identity, error) {
	ids.mu.Lock()
	defer ids.mu.Unlock()
	// As sops does: a key at hand that opens the file is enough, and the
	// command failing for one recipient is no failure while it gave the
	// key of another.
	var first error
	for _, r := range need {
		if ids.keyCmd == "" || ids.holds(r) || !strings.HasPrefix(r, "age1") {
			continue
		}
		if slices.ContainsFunc(need, ids.holds) {
			break
		}
		err, asked := ids.asked[r]
		if !asked {
			err = ids.runKeyCommand(r)
			if ids.asked == nil {
				ids.asked = map[string]error{}
			}
			ids.asked[r] = err
		}
		if first == nil {
			first = err
		}
	}
	if first != nil && !slices.ContainsFunc(need, ids.holds) {
		return nil, first
	}
	return slices.Clone(ids.ids), nil
}

// runKeyCommand adds the identities the key command prints for recipient,
// all or none: a bad line drops the whole output.
func (ids *Identities) runKeyCommand(recipient string) error {
	out, err := RunKeyCommand(ids.keyCmd, recipient)
	if err != nil {
		return err
	}
	got := &Identities{}
	if err := got.add(KeyCmdEnv, string(out), false); err != nil {
		return fmt.Errorf("%w: %w", ErrKeyCommand, err)
	}
	ids.ids = append(ids.ids, got.ids...)
	ids.recipients = append(ids.recipients, got.recipients...)
	ids.sources = append(ids.sources, got.sources...)
	ids.sortRecipients()
	return nil
}

// holds is has without the lock, for resolve, which holds it.
func (ids *Identities) holds(r string) bool {
	i := sort.SearchStrings(ids.recipients, r)
	return i < len(ids.recipients) && ids.recipients[i] == r
}

// RunKeyCommand runs a $SOPS_AGE_KEY_CMD command line as sops does: split
// like a shell would, without one, with $SOPS_AGE_RECIPIENT set to
// recipient unless that is empty. It returns what the command printed.
func RunKeyCommand(cmdLine, recipient string) ([]byte, error) {
	args, err := shlex.Split(cmdLine)
	if err != nil || len(args) == 0 {
		return nil, fmt.Errorf("%w: %q is not a command line", ErrKeyCommand, cmdLine)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = os.Environ()
	if recipient != "" {
		cmd.Env = append(cmd.Env, RecipientEnv+"="+recipient)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		// What it printed on stdout may be a key: never show it.
		msg := strings.TrimSpace(stderr.String())
		if i := strings.LastIndexByte(msg, '\n'); i >= 0 {
			msg = msg[i+1:]
		}
		if msg != "" {
			msg = " (" + msg + ")"
		}
		return nil, fmt.Errorf("%w: %s: %w%s", ErrKeyCommand, args[0], err, msg)
	}
	return out, nil
}

// Searched describes where keys were looked for, for error messages.
func (ids *Identities) Searched() string {
	if ids == nil || len(ids.searched) == 0 {
		return "nowhere"
	}
	return strings.Join(ids.searched, ", ")
}

// sortRecipients sorts the public keys, each once: the same key may come
// from two places.
func (ids *Identities) sortRecipients() {
	sort.Strings(ids.recipients)
	ids.recipients = slices.Compact(ids.recipients)
}

// has tells whether an identity's public key is r.
func (ids *Identities) has(r string) bool {
	ids.mu.Lock()
	defer ids.mu.Unlock()
	return ids.holds(r)
}

// DefaultKeyFile is sops' default age key file: keys.txt under sops/age in
// the user config directory, which sops takes from os.UserConfigDir except
// that on macOS a set $XDG_CONFIG_HOME wins.
func DefaultKeyFile(getenv func(string) string) (string, error) {
	dir, err := userConfigDir(runtime.GOOS, getenv)
	if err != nil {
		return "", fmt.Errorf("finding sops' default age key file: %w", err)
	}
	return filepath.Join(dir, filepath.FromSlash(defaultKeyPath)), nil
}

// userConfigDir is os.UserConfigDir with sops' macOS exception, reading the
// environment through getenv.
func userConfigDir(goos string, getenv func(string) string) (string, error) {
	switch goos {
	case "windows":
		if d := getenv("AppData"); d != "" {
			return d, nil
		}
		return "", errors.New("%AppData% is not defined")
	case "darwin", "ios":
		if d := getenv("XDG_CONFIG_HOME"); d != "" && goos == "darwin" {
			return d, nil
		}
		if h := getenv("HOME"); h != "" {
			return h + "/Library/Application Support", nil
		}
		return "", errors.New("$HOME is not defined")
	case "plan9":
		if h := getenv("home"); h != "" {
			return h + "/lib", nil
		}
		return "", errors.New("$home is not defined")
	default:
		if d := getenv("XDG_CONFIG_HOME"); d != "" {
			if !filepath.IsAbs(d) {
				return "", errors.New("path in $XDG_CONFIG_HOME is relative")
			}
			return d, nil
		}
		if h := getenv("HOME"); h != "" {
			return h + "/.config", nil
		}
		return "", errors.New("neither $XDG_CONFIG_HOME nor $HOME are defined")
	}
}
