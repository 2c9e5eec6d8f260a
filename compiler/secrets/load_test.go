package secrets

import (
	"os"
	"path/filepath"
	"testing"
)

// loadDocs are files of every kind loadOnePass reads, and of the kinds it
// must leave to the store (want false).
var loadDocs = []struct {
	name string
	doc  string
	want bool
}{
	{"scalars", `s: text
q: "quoted: yes"
sq: 'single'
i: 42
neg: -7
hex: 0x1F
f: 0.5
inf: .inf
nan: .nan
b: true
old: yes
n: null
tilde: ~
empty: ""
when: 2024-01-02T03:04:05Z
date: 2024-01-02
lit: |
  two
  lines
fold: >-
  folded
  text
`, true},
	{"nested", `apiVersion: v1
kind: Secret
metadata: {name: app, labels: {a: b}}
stringData:
  PASSWORD: s3cr3t
list:
  - one
  - [2, [3, {k: v}], []]
  - {}
  - null
`, true},
	{"documents", "a: 1\n---\nb: [x]\n---\nc: {d: e}\n", true},
	{"start marker", "---\na: 1\n", true},
	{"duplicate key", "a: 1\nb: 2\na: 3\n", false},
	{"nested duplicate", "a: {x: 1, x: 2}\n", false},
	{"duplicate in a later document", "a: 1\n---\nb: 1\nb: 2\n", false},
	{"int key", "1: one\n", false},
	{"null key", "~: x\n", false},
	{"comment", "# head\na: 1 # line\n", false},
	{"anchor", "a: &x 1\nb: *x\n", false},
	{"merge", "base: &b {x: 1}\nother:\n  <<: *b\n", false},
	{"tag", "a: !!str 1\n", false},
	{"list document", "- a\n", false},
	{"scalar document", "text\n", false},
	{"empty document", "---\n", false},
	{"trailing empty document", "a: 1\n---\n", false},
	{"empty", "", false},
	{"bad YAML", "a: [\n", false},
}

// TestLoadPlainIsTheStores checks loadOnePass against sops' YAML store:
// the same tree when it reads a file, and the files it declines.
func TestLoadPlainIsTheStores(t *testing.T) {
	for _, tc := range loadDocs {
		t.Run(tc.name, func(t *testing.T) {
			checkLoadPlain(t, []byte(tc.doc), tc.want)
		})
	}
}

// TestLoadPlainTalosConfigs reads the Talos emitter's golden configs, the
// files hogen seals most, in one pass.
func TestLoadPlainTalosConfigs(t *testing.T) {
	files, err := filepath.Glob("../../emitters/talos/testdata/*/want/talos/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden Talos configs found: %v", err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		checkLoadPlain(t, data, true)
	}
}

func checkLoadPlain(t *testing.T, in []byte, wantOnePass bool) {
	t.Helper()
	got, ok := loadOnePass(in)
	if ok != wantOnePass {
		t.Fatalf("loadOnePass took it: %v, want %v", ok, wantOnePass)
	}
	want, err := newStore().LoadPlainFile(in)
	if ok && (err != nil || !sameValue(got, want)) {
		t.Errorf("loadOnePass = %#v\nthe store's: %#v, %v", got, want, err)
	}
}

// FuzzLoadPlain checks that whatever loadOnePass reads, the store reads
// without error to the same tree.
func FuzzLoadPlain(f *testing.F) {
	for _, tc := range loadDocs {
		f.Add([]byte(tc.doc))
	}
	for _, doc := range walkDocs {
		f.Add([]byte(doc))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		got, ok := loadOnePass(in)
		if !ok {
			return
		}
		want, err := newStore().LoadPlainFile(in)
		if err != nil || !sameValue(got, want) {
			t.Errorf("loadOnePass = %#v\nthe store's: %#v, %v", got, want, err)
		}
	})
}
