package compiler

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hogen-dev/hogen/compiler/secrets"
	"github.com/hogen-dev/hogen/compiler/sink"
	"github.com/hogen-dev/hogen/internal/exampletest"
)

// builtExample copies an example to a new directory and builds it there
// with its key, so that the copy's manifest holds this hogen's trace.
func builtExample(t testing.TB, src string) (dir, key string) {
	dir = t.TempDir()
	copyTree(t, src, dir)
	// The key lives apart, so that deleting the example's copy deletes no key.
	key = filepath.Join(t.TempDir(), "key")
	os.WriteFile(key, must(os.ReadFile(exampletest.KeyFile(src))), 0o600)
	buildTree(t, dir, key, true)
	return dir, key
}

// TestFreshAfterBuild: a complete build leaves a tree that Fresh knows
// current, whose full rebuild would change nothing; and without a key too.
func TestFreshAfterBuild(t *testing.T) {
	for _, src := range exampleDirs(t) {
		t.Run(filepath.Base(src), func(t *testing.T) {
			dir, key := builtExample(t, src)
			if !fresh(dir) {
				t.Fatal("Fresh = false right after a complete build")
			}
			if b := buildTree(t, dir, key, false); !b.plan.Clean() {
				t.Fatalf("a rebuild would change the tree: %s", b.plan.Summary())
			}
		})
	}
}

// TestFreshSeesEveryChange changes, deletes or adds each file of a built
// example in turn: Fresh must say "not current" for every input and every
// generated file, and whenever it says "current", a full build must find
// nothing to do. A forged or damaged trace is never trusted either.
func TestFreshSeesEveryChange(t *testing.T) {
	for _, src := range exampleDirs(t) {
		t.Run(filepath.Base(src), func(t *testing.T) {
			dir, key := builtExample(t, src)
			tree := readTree(t, dir)
			generated := manifestFiles(t, tree[sink.ManifestName])
			jsonnet := slices.ContainsFunc(slices.Collect(mapsKeys(tree)), func(p string) bool { return strings.HasSuffix(p, "sonnet") })
			// Each edit is made in place and undone; what it returns undoes it.
			edits := map[string]func() (undo func()){}
			put := func(p string, b []byte) { writeTree(t, dir, map[string][]byte{p: b}) }
			for p, b := range tree {
				f := filepath.Join(dir, filepath.FromSlash(p))
				edits["edit "+p] = func() func() { put(p, append(slices.Clone(b), "\n// edited\n"...)); return func() { put(p, b) } }
				edits["delete "+p] = func() func() { os.Remove(f); return func() { put(p, b) } }
			}
			for _, p := range []string{"extra.cue", "_ignored.cue", "sub/x.cue", "lib/new.libsonnet", "new.jsonnet", "README.md", "talos/extra.yaml"} {
				edits["add "+p] = func() func() {
					put(p, []byte("package x\n"))
					return func() { os.Remove(filepath.Join(dir, p)); os.Remove(filepath.Dir(filepath.Join(dir, p))) }
				}
			}
			// A generated file, or a directory of them, replaced by a link to
			// the same bytes: hogen never reads through one.
			elsewhere := t.TempDir()
			for p := range generated {
				f := filepath.Join(dir, filepath.FromSlash(p))
				edits["link "+p] = func() func() {
					put2 := filepath.Join(elsewhere, filepath.Base(p))
					os.WriteFile(put2, tree[p], 0o644)
					os.Remove(f)
					os.Symlink(put2, f)
					return func() { os.Remove(f); put(p, tree[p]) }
				}
			}
			edits["link dir talos"] = func() func() {
				talos, moved := filepath.Join(dir, "talos"), filepath.Join(elsewhere, "talos")
				os.Rename(talos, moved)
				os.Symlink(moved, talos)
				return func() { os.Remove(talos); os.Rename(moved, talos) }
			}
			for _, name := range slices.Sorted(mapsKeys(edits)) {
				undo := edits[name]()
				_, changed, _ := strings.Cut(name, " ")
				mustSee := generated[changed] || changed == sink.ManifestName || isInput(changed, jsonnet) || changed == "dir talos"
				switch ok := fresh(dir); {
				case ok && mustSee:
					t.Errorf("Fresh = true after %s", name)
				case ok:
					if b := buildTree(t, dir, key, false); !b.plan.Clean() {
						t.Errorf("Fresh = true after %s, but a full build would change: %s", name, b.plan.Summary())
					}
				}
				undo()
			}
			if !fresh(dir) {
				t.Fatal("Fresh = false with every edit undone")
			}
			t.Run("trace", func(t *testing.T) { testForgedTrace(t, dir, tree) })
		})
	}
}

// isInput tells whether the build reads the file at p of an example
// (Jsonnet files when it has Jsonnet emitters).
func isInput(p string, jsonnet bool) bool {
	switch path.Ext(p) {
	case ".cue":
		return !strings.HasPrefix(path.Base(p), "_") && !strings.Contains(p, "/")
	case ".jsonnet", ".libsonnet":
		return jsonnet
	}
	return strings.HasSuffix(p, "secrets.sops.yaml") || p == "talos/client.sops.yaml" || strings.HasPrefix(p, "files/")
}

// testForgedTrace changes each recorded hash of the trace, and each of the
// files: no change to the manifest may pass for current.
func testForgedTrace(t *testing.T, dir string, tree map[string][]byte) {
	var m map[string]any
	if err := json.Unmarshal(tree[sink.ManifestName], &m); err != nil {
		t.Fatal(err)
	}
	trace := m["build"].(map[string]any)
	inputs := trace["inputs"].(map[string]any)
	forge := sink.HashString("forged")
	var cases []string
	for k := range inputs {
		cases = append(cases, "build.inputs."+k)
	}
	for k := range m["files"].(map[string]any) {
		cases = append(cases, "files."+k)
	}
	cases = append(cases, "build.files", "drop build.inputs entry")
	for _, c := range cases {
		var again map[string]any
		json.Unmarshal(tree[sink.ManifestName], &again)
		tr := again["build"].(map[string]any)
		switch {
		case c == "build.files":
			tr["files"] = forge
		case c == "drop build.inputs entry":
			for k := range tr["inputs"].(map[string]any) {
				delete(tr["inputs"].(map[string]any), k)
				break
			}
		case strings.HasPrefix(c, "build.inputs."):
			tr["inputs"].(map[string]any)[strings.TrimPrefix(c, "build.inputs.")] = forge
		default:
			again["files"].(map[string]any)[strings.TrimPrefix(c, "files.")] = forge
		}
		b, _ := json.MarshalIndent(again, "", "  ")
		os.WriteFile(filepath.Join(dir, sink.ManifestName), b, 0o644)
		if fresh(dir) {
			t.Errorf("Fresh = true with %s forged", c)
		}
	}
	os.WriteFile(filepath.Join(dir, sink.ManifestName), tree[sink.ManifestName], 0o644)
	if !fresh(dir) {
		t.Error("Fresh = false with the manifest put back")
	}
}

// TestIncrementalEqualsClean edits the description of each example at
// random (seeded), one leaf value at a time, and builds it twice: over the
// tree the previous build left, and from its inputs alone. Both trees must
// be the same: byte for byte, but for secret files, which must decrypt to
// the same plaintext (a new file is encrypted afresh); and the rebuilt
// tree must be current by its trace.
func TestIncrementalEqualsClean(t *testing.T) {
	perExample := 12
	if testing.Short() {
		perExample = 3
	}
	for _, src := range exampleDirs(t) {
		t.Run(filepath.Base(src), func(t *testing.T) {
			dir, key := builtExample(t, src)
			ids, err := secrets.ParseIdentities(key, string(must(os.ReadFile(key))))
			if err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(16, uint64(len(src))))
			applied := 0
			for try := 0; applied < perExample && try < 40*perExample; try++ {
				undo, what := randomEdit(t, dir, rng)
				if what == "" {
					continue
				}
				if _, _, err := Load(context.Background(), Options{Dir: dir}); err != nil {
					undo()
					continue
				}
				applied++
				t.Logf("edit %d: %s", applied, what)
				incr := buildTree(t, dir, key, true)
				clean := t.TempDir()
				writeTree(t, clean, inputsOf(t, readTree(t, dir)))
				buildTree(t, clean, key, true)
				compareTrees(t, what, readTree(t, dir), readTree(t, clean), ids)
				if incr.res.Trace != nil && !fresh(dir) {
					t.Fatalf("after %s: Fresh = false right after the build", what)
				}
			}
			if applied < perExample {
				t.Fatalf("only %d of %d random edits gave a valid description", applied, perExample)
			}
		})
	}
}

var leaf = regexp.MustCompile(`: +("[^"\\\n]*"|[0-9]+)`)

// randomEdit changes one leaf value of a random .cue file of dir, and
// returns how to undo it, and what it did.
func randomEdit(t *testing.T, dir string, rng *rand.Rand) (undo func(), what string) {
	files, _ := filepath.Glob(filepath.Join(dir, "*.cue"))
	slices.Sort(files)
	f := files[rng.IntN(len(files))]
	old := must(os.ReadFile(f))
	locs := leaf.FindAllSubmatchIndex(old, -1)
	if len(locs) == 0 {
		return func() {}, ""
	}
	l := locs[rng.IntN(len(locs))]
	v := string(old[l[2]:l[3]])
	var nv string
	if n, err := strconv.Atoi(v); err == nil {
		nv = strconv.Itoa(n + 1 + rng.IntN(3))
	} else {
		s := strings.Trim(v, `"`)
		switch i := rng.IntN(3); {
		case i == 0 || s == "":
			s += "x"
		case i == 1:
			s = s[:len(s)-1]
		default:
			s = s[:len(s)-1] + string(rune('a'+rng.IntN(26)))
		}
		nv = strconv.Quote(s)
	}
	b := slices.Concat(old[:l[2]], []byte(nv), old[l[3]:])
	os.WriteFile(f, b, 0o644)
	line := bytes.Count(old[:l[2]], []byte("\n")) + 1
	return func() { os.WriteFile(f, old, 0o644) }, fmt.Sprintf("%s:%d: %s -> %s", filepath.Base(f), line, v, nv)
}

// inputsOf is a tree without what hogen generated there.
func inputsOf(t *testing.T, tree map[string][]byte) map[string][]byte {
	out := cloneTree(tree)
	for p := range manifestFiles(t, tree[sink.ManifestName]) {
		delete(out, p)
	}
	delete(out, sink.ManifestName)
	return out
}

// compareTrees fails when the trees differ but for secret files'
// ciphertext (and the manifest's hashes of it).
func compareTrees(t *testing.T, what string, incr, clean map[string][]byte, ids *secrets.Identities) {
	t.Helper()
	if a, b := slices.Sorted(mapsKeys(incr)), slices.Sorted(mapsKeys(clean)); !slices.Equal(a, b) {
		t.Fatalf("after %s: the incremental tree has files %q, the clean one %q", what, a, b)
	}
	for p, a := range incr {
		b := clean[p]
		switch {
		case p == sink.ManifestName:
			compareManifests(t, what, a, b, incr)
		case sink.Sealed(a) && sink.Sealed(b):
			pa, err1 := secrets.Decrypt(a, ids)
			pb, err2 := secrets.Decrypt(b, ids)
			if err1 != nil || err2 != nil || !bytes.Equal(pa, pb) {
				t.Errorf("after %s: %s decrypts differently (%v, %v)", what, p, err1, err2)
			}
		case !bytes.Equal(a, b):
			t.Errorf("after %s: %s differs between the incremental and the clean build", what, p)
		}
	}
}

func compareManifests(t *testing.T, what string, a, b []byte, tree map[string][]byte) {
	t.Helper()
	var ma, mb struct {
		Files map[string]string
		Build json.RawMessage
	}
	json.Unmarshal(a, &ma)
	json.Unmarshal(b, &mb)
	for p := range ma.Files {
		if !sink.Sealed(tree[p]) && ma.Files[p] != mb.Files[p] {
			t.Errorf("after %s: the manifests' hashes of %s differ", what, p)
		}
	}
	var ta, tb struct{ Inputs map[string]string }
	json.Unmarshal(ma.Build, &ta)
	json.Unmarshal(mb.Build, &tb)
	if fmt.Sprint(ta.Inputs) != fmt.Sprint(tb.Inputs) {
		t.Errorf("after %s: the manifests' traces differ:\n%v\n%v", what, ta.Inputs, tb.Inputs)
	}
}

// manifestFiles are the files a manifest lists.
func manifestFiles(t *testing.T, b []byte) map[string]bool {
	var m struct{ Files map[string]string }
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for p := range m.Files {
		out[p] = true
	}
	return out
}

func writeTree(t *testing.T, dir string, m map[string][]byte) {
	for p, b := range m {
		f := filepath.Join(dir, filepath.FromSlash(p))
		os.MkdirAll(filepath.Dir(f), 0o755)
		if err := os.WriteFile(f, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func cloneTree(m map[string][]byte) map[string][]byte {
	out := make(map[string][]byte, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func mapsKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
