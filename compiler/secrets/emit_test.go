package secrets

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/getsops/sops/v3"
	"github.com/getsops/sops/v3/aes"
	"go.yaml.in/yaml/v3"
)

// trickyScalars are strings each YAML style is chosen for: ones that
// resolve to another type unquoted, indicators, leading and trailing
// space, line breaks with every chomping, long lines the emitter folds,
// non-ASCII and invalid UTF-8 (which becomes !!binary).
var trickyScalars = []string{
	"", " ", "plain", "true", "yes", "No", "on", "~", "null", "Null", "1", "-1", "0x1F", "0o17", "1e3", ".inf", "-.Inf", ".nan",
	"1:20", "2024-01-02", "2024-01-02T03:04:05Z", "<<", "=", "-", "- a", "-a", "? x", ": x", "a: b", "a #b", "#c", "a#b",
	"'q'", `"q"`, "[1]", "{a: 1}", "&anchor", "*alias", "!tag", "|", ">", "%x", "@x", "`x", ",x", "x,", "---", "...", "--- x",
	" lead", "trail ", "\ttab", "a\tb", "line\n", "two\nlines", "two\nlines\n", "\nlead break", "trail breaks\n\n", "keep\n\n\n",
	" indented\nblock", "crlf\r\nline", "bell\a", "nul\x00", "del\x7f", "é ünïcödé", "日本語", "emoji 🔐", "\ufeffbom", "nbsp\u00a0x",
	"\xff\xfe invalid", strings.Repeat("word ", 40), strings.Repeat("x", 200), strings.Repeat("a b", 60) + "\nand more",
	"ENC[AES256_GCM,data:3q2+7w==,iv:AAAAAAAAAAAAAAAAAAAAAA==,tag:AAAAAAAAAAAAAAAAAAAAAA==,type:str]",
}

// emitTrees are trees of every kind of value sops' stores make or take.
func emitTrees(t *testing.T) map[string]sops.TreeBranches {
	t.Helper()
	trees := map[string]sops.TreeBranches{}
	for name, doc := range walkDocs {
		branches, err := newStore().LoadPlainFile([]byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		trees[name] = branches
	}
	var keys, strs sops.TreeBranch
	var list []any
	for i, s := range trickyScalars {
		keys = append(keys, sops.TreeItem{Key: s, Value: s})
		strs = append(strs, sops.TreeItem{Key: fmt.Sprintf("k%d", i), Value: s})
		list = append(list, s, []any{s}, sops.TreeBranch{{Key: "k", Value: []any{s, s}}})
	}
	trees["strings"] = sops.TreeBranches{strs, {{Key: "list", Value: list}}}
	trees["keys"] = sops.TreeBranches{keys}
	trees["values"] = sops.TreeBranches{{
		{Key: "ints", Value: []any{0, -1, math.MaxInt64, math.MinInt64}},
		{Key: "floats", Value: []any{0.0, math.Copysign(0, -1), 0.5, 1e21, 1e-7, math.Inf(1), math.Inf(-1), math.NaN(), 3.0}},
		{Key: "bools", Value: []any{true, false}},
		{Key: "null", Value: nil},
		{Key: "bytes", Value: []byte("raw")},
		{Key: "time", Value: time.Date(2024, 1, 2, 3, 4, 5, 6, time.FixedZone("x", 3600))},
		{Key: "emptyMap", Value: sops.TreeBranch{}},
		{Key: "emptyList", Value: []any{}},
		{Key: "nested", Value: []any{[]any{[]any{}}, sops.TreeBranch{{Key: "a", Value: sops.TreeBranch{}}}}},
		{Key: 12, Value: "int key"},
	}, {}}
	return trees
}

// TestEmitPlainIsTheStores checks emitPlain against sops' YAML store byte
// for byte, on plaintext and on encrypted trees with their metadata.
func TestEmitPlainIsTheStores(t *testing.T) {
	k := newKey(t)
	for name, branches := range emitTrees(t) {
		t.Run(name, func(t *testing.T) {
			checkEmitPlain(t, branches)
			if name == "values" || name == "keys" {
				return // not trees sops loads back ("<<" is a merge)
			}
			enc := mustEncrypt(t, string(mustEmit(t, branches)), []string{k.recipient()}, "")
			tree, err := loadEncrypted(enc)
			if err != nil {
				t.Fatal(err)
			}
			want, err := newStore().EmitEncryptedFile(*tree)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(want, enc) {
				t.Errorf("Encrypt's output is not the store's:\n%s\nstore:\n%s", enc, want)
			}
		})
	}
}

func checkEmitPlain(t *testing.T, branches sops.TreeBranches) {
	t.Helper()
	want, err := newStore().EmitPlainFile(branches)
	if err != nil {
		t.Fatal(err)
	}
	// Twice: the second time with the nodes kept from the first.
	nodes := &nodeCache{}
	emitOnePass(branches, nodes)
	got, ok := emitOnePass(branches, nodes)
	if ok == hasComments(branches) {
		t.Fatalf("emitOnePass took it: %v; the tree has comments: %v", ok, hasComments(branches))
	}
	if !ok {
		got = mustEmit(t, branches)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("emitPlain = %q\nthe store's: %q", got, want)
	}
}

func mustEmit(t *testing.T, branches sops.TreeBranches) []byte {
	t.Helper()
	out, err := emitPlain(branches, nil)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestEmitPlainTakesComments checks a tree with comments still renders as
// the store renders it, comments in place.
func TestEmitPlainTakesComments(t *testing.T) {
	branches := sops.TreeBranches{{
		{Key: sops.Comment{Value: " head"}, Value: nil},
		{Key: "a", Value: []any{"x", sops.Comment{Value: " in a list"}, "y"}},
	}}
	if _, ok := emitOnePass(branches, nil); ok {
		t.Fatal("emitOnePass took a tree with comments")
	}
	want, err := newStore().EmitPlainFile(branches)
	if err != nil {
		t.Fatal(err)
	}
	if got := mustEmit(t, branches); !bytes.Equal(got, want) || !strings.Contains(string(got), "# in a list") {
		t.Errorf("emitPlain = %q, the store's %q", got, want)
	}
}

// FuzzEmitPlain checks emitPlain against the store for any string as a
// key, a value, a list element and a nested value.
func FuzzEmitPlain(f *testing.F) {
	for _, s := range trickyScalars {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkEmitPlain(t, sops.TreeBranches{{
			{Key: s, Value: s},
			{Key: "list", Value: []any{s, 1, s, []any{s}, sops.TreeBranch{{Key: s, Value: s}}}},
		}})
	})
}

// TestCiphertextNodeIsEncodes checks the node made for sops' ciphertext
// against the one Encode makes, for a value of every type sops encrypts,
// and that anything else is left to Encode.
func TestCiphertextNodeIsEncodes(t *testing.T) {
	key := make([]byte, 32)
	values := []any{"s", strings.Repeat("long value ", 50), "two\nlines", 42, -1.5, true,
		time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), sops.Comment{Value: " c"}}
	var texts []string
	for _, v := range values {
		for range 20 { // random IVs: base64 of every kind
			s, err := aes.NewCipher().Encrypt(v, key, "a:b:")
			if err != nil {
				t.Fatal(err)
			}
			texts = append(texts, s)
		}
	}
	for _, s := range texts {
		got, ok := ciphertextNode(s)
		var want yaml.Node
		if err := want.Encode(s); err != nil {
			t.Fatal(err)
		}
		if !ok || got.Kind != want.Kind || got.Tag != want.Tag || got.Value != want.Value || got.Style != want.Style {
			t.Errorf("ciphertextNode(%q) = %+v, %v; Encode makes %+v", s, got, ok, want)
		}
	}
	for _, v := range []any{"ENC[AES256_GCM,data: x,iv:,tag:,type:str]", "ENC[AES256_GCM,data:x#y]", "ENC[other]", "plain", 1} {
		if _, ok := ciphertextNode(v); ok {
			t.Errorf("ciphertextNode(%q) took it", v)
		}
	}
}
