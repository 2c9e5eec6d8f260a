package secrets

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/getsops/sops/v3"
	"gopkg.in/yaml.v3"
)

// parsedClearFields is what clearFieldsByLine must give, found by the YAML
// library: every scalar leaf's key (a list element's is its list's) and,
// where r leaves it in clear, its value as written.
func parsedClearFields(data []byte, r *rule) ([]byte, error) {
	var out bytes.Buffer
	var walk func(n *yaml.Node, path []string)
	walk = func(n *yaml.Node, path []string) {
		switch n.Kind {
		case yaml.DocumentNode, yaml.SequenceNode:
			for _, c := range n.Content {
				walk(c, path)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				walk(n.Content[i+1], append(path[:len(path):len(path)], n.Content[i].Value))
			}
		case yaml.ScalarNode:
			if n.Tag == "!!null" || len(path) == 0 {
				return // a scalar document: sops takes none
			}
			out.WriteString(path[len(path)-1])
			out.WriteByte(0)
			if r == nil || !r.encrypts(path) {
				out.WriteString(n.Value)
				out.WriteByte(0)
			}
		}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc yaml.Node
		if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, err
		}
		walk(&doc, nil)
	}
	return out.Bytes(), nil
}

func mustParsedClearFields(t *testing.T, data []byte, r *rule) []byte {
	t.Helper()
	out, err := parsedClearFields(data, r)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func mustRule(t *testing.T, regex string) *rule {
	t.Helper()
	r, ok := compileRule(sops.Metadata{EncryptedRegex: regex})
	if !ok {
		t.Fatalf("rule %q does not compile", regex)
	}
	return &r
}

const talosRegex = `^(key|token|secret|secretboxEncryptionSecret|aescbcEncryptionSecret|privateKey|passphrase|apiToken|password|auth|identityToken|content|environment)$`

// TestClearFieldsByLine reads every Talos file the golden tests commit
// (machine configs of both forms, talosconfigs, kubeconfigs) and shapes
// they hold rarely: the line reader must read them all, and find exactly
// what the YAML library finds.
func TestClearFieldsByLine(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "emitters", "talos", "testdata", "*", "want", "talos", "*"))
	if err != nil || len(files) < 12 {
		t.Fatalf("found %d Talos golden files (%v)", len(files), err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		regex := talosRegex
		if filepath.Base(f) == "kubeconfig" {
			regex = `^client-key-data$`
		}
		r := mustRule(t, regex)
		got, ok := clearFieldsByLine(data, r)
		if !ok {
			t.Errorf("%s: the line reader gave up on a file hogen writes", f)
			continue
		}
		if want := mustParsedClearFields(t, data, r); !bytes.Equal(got, want) {
			t.Errorf("%s: the line reader finds\n%q\nthe YAML library\n%q", f, got, want)
		}
	}
	for _, tt := range []struct {
		name, yaml string
		readable   bool
	}{
		{"indentless sequence of maps", "a:\n- b:\n    key: k1\n    c: v1\n  d: v2\n- e: v3\nf: v4\n", true},
		{"nested lists and documents", "a:\n    - x\n    - token: t\n      y: [z]\n---\nkind: K\nauth:\n    user: u\n    pass: p\n", false},
		{"quoted values", "a: \"x y\"\nb: 'off'\nc: \"\"\nd: {}\ne: []\n", true},
		{"a null", "a:\nb: 1\n", true},
		{"a block scalar", "content: |\n    key: x\n", false},
		{"a folded plain value", "a: one\n  two\nkey: x\n", false},
		{"an escape", "a: \"x\\ny\"\n", false},
		{"an inner quote", "a: 'it''s'\n", false},
		{"a flow map with content", "a: {b: c}\n", false},
		{"a comment", "a: b # c\n", false},
		{"an anchor", "a: &x b\n", false},
		{"a blank line", "a: b\n\nc: d\n", false},
		{"a quoted key", "\"a\": b\n", false},
		{"a tab", "a:\n\tb: c\n", false},
		{"a colon in a list scalar", "a:\n    - fd00::1\n    - https://x.example:443/y\n", true},
		{"values starting like indicators", "a: ::/0\nb: -1\nc: ?x\n", true},
		{"an indicator alone", "a: -\n", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := mustRule(t, talosRegex)
			got, ok := clearFieldsByLine([]byte(tt.yaml), r)
			if ok != tt.readable {
				t.Fatalf("readable = %v, want %v", ok, tt.readable)
			}
			if !ok {
				return
			}
			if want := mustParsedClearFields(t, []byte(tt.yaml), r); !bytes.Equal(got, want) {
				t.Errorf("the line reader finds\n%q\nthe YAML library\n%q", got, want)
			}
		})
	}
}

// FuzzClearFieldsByLine: whatever the line reader accepts, it reads as the
// YAML library does.
func FuzzClearFieldsByLine(f *testing.F) {
	f.Add("a:\n- b:\n    key: k1\n    c: v1\n  d: v2\n")
	f.Add("machine:\n    token: t\n    certSANs:\n        - x\n")
	f.Fuzz(func(t *testing.T, s string) {
		r, _ := compileRule(sops.Metadata{EncryptedRegex: talosRegex})
		got, ok := clearFieldsByLine([]byte(s), &r)
		if !ok {
			return
		}
		want, err := parsedClearFields([]byte(s), &r)
		if err != nil || strings.Contains(s, "\r") {
			return // not YAML: the sealer rejects it anyway
		}
		if !bytes.Equal(got, want) {
			t.Errorf("on %q the line reader finds\n%q\nthe YAML library\n%q", s, got, want)
		}
	})
}
