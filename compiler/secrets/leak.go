package secrets

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/getsops/sops/v3"
	"gopkg.in/yaml.v3"

	"github.com/hogen-dev/hogen/emitters"
)

// MinScanLength is the shortest secret value, in bytes, the leak guard
// looks for. Shorter values ("admin", "1883", "true") occur in ordinary
// output by chance, so scanning for them would fail builds for nothing;
// they are also too short to be real secrets. Such values get a Warning
// instead of silence. Eight bytes is the shortest password most policies
// accept, and below the length of every token format hogen's users hold.
const MinScanLength = 8

// Leak is a secret value found in a file that is not encrypted.
type Leak struct {
	// File is the output path.
	File string
	// Secret is the secret's name; the value is never reported.
	Secret string
	// Form says how the value appeared: "as is", "JSON-escaped" or
	// "base64-encoded".
	Form string
}

// LeakError fails a build whose plaintext output holds a secret value.
type LeakError struct{ Leaks []Leak }

func (e *LeakError) Error() string {
	var b strings.Builder
	for i, l := range e.Leaks {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "%s: holds the value of secret %q (%s): reference the secret instead of its value", l.File, l.Secret, l.Form)
	}
	return b.String()
}

// LeakWarning is a secret the guard did not look for, and why.
type LeakWarning struct {
	Secret string
	Msg    string
}

// GuardLeaks scans every file that is written in clear, whole or in part,
// for every secret value (input secrets and key material alike, by name),
// as is, JSON-escaped (how YAML and JSON quote it) and base64-encoded at
// any alignment (inside a Secret's data or a kubeconfig). A file not marked
// Secret is scanned whole; a Secret file encrypted only where its
// EncryptedRegex says (a Talos config, a Kubernetes Secret) is scanned in
// the fields SOPS leaves in clear; a Secret file encrypted whole is not.
// It returns a *LeakError naming each file and secret found, never a
// value, and a warning per value shorter than MinScanLength.
func GuardLeaks(files []emitters.File, secrets map[string]string) ([]LeakWarning, error) {
	m, warns := newMatcher(secrets)
	m.compileRules(files)
	// Files are independent and a Talos config costs a YAML parse: all
	// cores share them.
	found := make([][]Leak, len(files))
	var wg sync.WaitGroup
	next := atomic.Int64{}
	for range min(runtime.GOMAXPROCS(0), len(files)) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(files); i = int(next.Add(1) - 1) {
				found[i] = m.leaks(files[i])
			}
		})
	}
	wg.Wait()
	leaks := slices.Concat(found...)
	if len(leaks) == 0 {
		return warns, nil
	}
	sort.Slice(leaks, func(i, j int) bool {
		if leaks[i].File != leaks[j].File {
			return leaks[i].File < leaks[j].File
		}
		return leaks[i].Secret < leaks[j].Secret
	})
	return warns, &LeakError{Leaks: leaks}
}

// scanned is a text of a file to search, and what to say of a value found
// in it beyond its form.
type scanned struct {
	text  []byte
	where string
}

// texts returns what of f is written in clear. For YAML and JSON, the
// decoded scalars too: a YAML encoder folds long values and writes
// multi-line ones as indented blocks, so their bytes never appear as they
// are.
func (m *matcher) texts(f emitters.File) []scanned {
	switch {
	case !f.Secret:
		out := []scanned{{text: f.Data}}
		if dec := decodedScalars(f.Path, f.Data); dec != nil {
			out = append(out, scanned{dec, ", in a YAML value"})
		}
		return out
	case f.EncryptedRegex != "" && f.Data != nil:
		r := m.rules[f.EncryptedRegex]
		text, ok := clearFieldsByLine(f.Data, r)
		if !ok {
			text = clearFields(f.Data, r)
		}
		return []scanned{{text, ", in a field SOPS leaves in clear"}}
	}
	return nil
}

// compileRules compiles, once each, the rules of the files encrypted in
// part. A rule sops cannot compile is nil: it encrypts nothing, as sops'
// own walk treats it.
func (m *matcher) compileRules(files []emitters.File) {
	m.rules = map[string]*rule{}
	for _, f := range files {
		if _, done := m.rules[f.EncryptedRegex]; f.Secret && f.EncryptedRegex != "" && !done {
			m.rules[f.EncryptedRegex] = nil
			if r, ok := compileRule(sops.Metadata{EncryptedRegex: f.EncryptedRegex}); ok {
				m.rules[f.EncryptedRegex] = &r
			}
		}
	}
}

// leaks are the secrets found in f, each once, in the most direct form
// found in the first text that holds it.
func (m *matcher) leaks(f emitters.File) []Leak {
	var out []Leak
	found := map[string]bool{}
	hit := make([]bool, len(m.needles))
	for _, s := range m.texts(f) {
		clear(hit)
		m.scan(s.text, hit)
		for i, nd := range m.needles {
			if hit[i] && !found[nd.name] {
				found[nd.name] = true
				out = append(out, Leak{File: f.Path, Secret: nd.name, Form: nd.form + s.where})
			}
		}
	}
	return out
}

// clearFields returns the keys and the values of a SOPS-bound YAML file
// that encryption by r leaves in clear, separated by NUL. Which values
// those are is decided as the sealer's own walk decides it (rule.encrypts
// over sops' tree); a file that does not parse has nothing to scan, and
// cannot be sealed either.
func clearFields(data []byte, r *rule) []byte {
	branches, err := loadPlain(data)
	if err != nil {
		return nil
	}
	var out bytes.Buffer
	_ = walkTree(branches, func(in any, path []string) (any, error) {
		if r != nil && r.encrypts(path) {
			return in, nil
		}
		if len(path) > 0 {
			out.WriteString(path[len(path)-1])
			out.WriteByte(0)
		}
		switch v := in.(type) {
		case string: // most leaves; ToBytes would copy it
			out.WriteString(v)
		default:
			if b, err := sops.ToBytes(v); err == nil {
				out.Write(b)
			}
		}
		out.WriteByte(0)
		return in, nil
	})
	return out.Bytes()
}

type form struct {
	form string
	b    []byte
}

// forms returns the byte strings that betray v, most direct first: v, its
// JSON/YAML double-quoted escaping, each long line of a multi-line value,
// and its base64 encodings.
func forms(v string) []form {
	out := []form{{"as is", []byte(v)}}
	var q bytes.Buffer
	enc := json.NewEncoder(&q)
	enc.SetEscapeHTML(false) // YAML keeps & < > as they are
	if enc.Encode(v) == nil {
		quoted := bytes.TrimSuffix(q.Bytes(), []byte("\n"))
		if esc := quoted[1 : len(quoted)-1]; !bytes.Equal(esc, []byte(v)) {
			out = append(out, form{"JSON-escaped", esc})
		}
	}
	if strings.Contains(v, "\n") {
		for _, line := range strings.Split(v, "\n") {
			if line = strings.TrimSpace(line); len(line) >= MinScanLength {
				out = append(out, form{"one line of it", []byte(line)})
			}
		}
	}
	seen := map[string]bool{}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
		for _, b := range base64Cores(enc, []byte(v)) {
			if !seen[string(b)] {
				seen[string(b)] = true
				out = append(out, form{"base64-encoded", b})
			}
		}
	}
	return out
}

// decodedScalars returns the scalars (keys and values) of a YAML or JSON
// file as decoded, separated by NUL, or nil for other files and for files
// that do not parse (their bytes are still scanned).
func decodedScalars(path string, data []byte) []byte {
	switch {
	case strings.HasSuffix(path, ".yaml"), strings.HasSuffix(path, ".yml"), strings.HasSuffix(path, ".json"):
	default:
		return nil
	}
	var out bytes.Buffer
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.ScalarNode {
			out.WriteString(n.Value)
			out.WriteByte(0)
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc yaml.Node
		if err := dec.Decode(&doc); err != nil {
			if errors.Is(err, io.EOF) {
				return out.Bytes()
			}
			return nil
		}
		walk(&doc)
	}
}

// base64Cores returns, for each of the three alignments v can have inside a
// longer base64 text, the characters that depend on v alone: the text
// holds one of them wherever it holds v encoded.
func base64Cores(enc *base64.Encoding, v []byte) [][]byte {
	var out [][]byte
	for k := 0; k < 3; k++ {
		buf := append(make([]byte, k), v...)
		s := enc.EncodeToString(buf)
		start := 0
		if k > 0 {
			start = 4 // the first quantum mixes in bytes before v
		}
		end := 4 * (len(buf) / 3) // the last partial quantum mixes in bytes after v
		if end-start >= MinScanLength {
			out = append(out, []byte(s[start:end]))
		}
	}
	return out
}
