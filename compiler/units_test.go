package compiler

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/hogen-dev/hogen/compiler/model"
	"github.com/hogen-dev/hogen/compiler/secrets"
	"github.com/hogen-dev/hogen/compiler/sink"
	"github.com/hogen-dev/hogen/compiler/units"
	"github.com/hogen-dev/hogen/emitters"
	"github.com/hogen-dev/hogen/emitters/builtin"
	"github.com/hogen-dev/hogen/internal/exampletest"
)

// TestUnitKeysSeeEveryField proves the units' keys complete: for every
// field of the model (and every value inside a patch, every list's and
// map's length) of each example, it changes the value, emits again, and
// requires that every unit with a file that changed, appeared or went has
// a new key. A file changed under an unchanged key is a stale file a
// build would keep. Each field is changed at its first two places in the
// example; a change the emitters refuse proves nothing and is counted
// apart.
func TestUnitKeysSeeEveryField(t *testing.T) {
	if testing.Short() {
		t.Skip("emits every example once per field of the model; not in -short")
	}
	registry := builtin.All()
	for _, dir := range exampleDirs(t) {
		t.Run(dir[strings.LastIndexByte(dir, '/')+1:], func(t *testing.T) {
			res := buildTree(t, copied(t, dir), exampletest.KeyFile(dir), false).res
			d := res.Description
			base := emitted(t, d, registry)
			if base == nil {
				t.Fatal("the example does not emit")
			}
			baseKeys := unitKeys(d, registry, base, nil)
			todo := perField(mutations(reflect.ValueOf(d).Elem()), 2)
			var mu sync.Mutex
			var changed, refused int
			var wg sync.WaitGroup
			jobs := make(chan mutation)
			for range runtime.GOMAXPROCS(0) {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for m := range jobs {
						c, r := checkMutation(t, m, d, registry, base, baseKeys)
						mu.Lock()
						changed, refused = changed+c, refused+r
						mu.Unlock()
					}
				}()
			}
			for _, m := range todo {
				jobs <- m
			}
			close(jobs)
			wg.Wait()
			t.Logf("%d mutations: %d changed files, %d refused by the emitters", len(todo), changed, refused)
			// The proof is only as good as the mutations that change files.
			if changed < len(todo)/3 {
				t.Errorf("only %d of %d mutations changed a file: the test proves too little", changed, len(todo))
			}
		})
	}
}

// checkMutation applies m and checks the keys of the units whose files
// changed; it says whether files changed, or the emitters refused it.
func checkMutation(t *testing.T, m mutation, d *model.Description, registry []emitters.Emitter, base map[string]emitters.File, baseKeys map[string]string) (changed, refused int) {
	if strings.HasPrefix(m.sig, ".Inputs.TalosLocked") {
		return 0, 0 // whether a key was found: a locked build records no unit
	}
	d2 := m.apply(d)
	out := emitted(t, d2, registry)
	if out == nil {
		return 0, 1
	}
	var ct map[string]string
	if unkeyed(m) {
		ct = map[string]string{"input/changed": "sha256:changed"}
	}
	keys := unitKeys(d2, registry, out, ct)
	var stale []string
	for _, p := range slices.Sorted(maps.Keys(joined(base, out))) {
		was, had := base[p]
		now, has := out[p]
		if had && has && was.Unit == now.Unit && bytes.Equal(was.Data, now.Data) && was.Secret == now.Secret && was.EncryptedRegex == now.EncryptedRegex {
			continue
		}
		changed = 1
		for _, u := range []string{was.Unit, now.Unit} {
			if u != "" && keys[u] == baseKeys[u] && keys[u] != "" {
				stale = append(stale, p+" (unit "+u+")")
			}
		}
	}
	if len(stale) > 0 {
		t.Errorf("changing %s (%s) changes files whose units keep their keys:\n\t%s", m.path, m.sig, strings.Join(slices.Compact(stale), "\n\t"))
	}
	return changed, 0
}

// perField keeps, of the mutations, at most n of each field.
func perField(ms []mutation, n int) []mutation {
	seen := map[string]int{}
	var out []mutation
	for _, m := range ms {
		if seen[m.sig]++; seen[m.sig] <= n {
			out = append(out, m)
		}
	}
	return out
}

// emitted is every emitter's output for d by path; nil when they refuse.
func emitted(t *testing.T, d *model.Description, registry []emitters.Emitter) (out map[string]emitters.File) {
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("an emitter panics on a changed model: %v", r)
			out = nil
		}
	}()
	files, _, err := Emit(context.Background(), d, registry)
	if err != nil {
		return nil
	}
	out = map[string]emitters.File{}
	for _, f := range files {
		out[f.Path] = f
	}
	return out
}

// unitKeys keys d's units as a build would, the secret inputs'
// ciphertexts being ct.
func unitKeys(d *model.Description, registry []emitters.Emitter, files map[string]emitters.File, ct map[string]string) map[string]string {
	s := units.Of(d, registry, units.Common{Identity: "test", Ciphertexts: ct})
	keys := maps.Clone(s.Keys)
	var paths []string
	for p, f := range files {
		if s.Emitter(f.Unit) != "" {
			paths = append(paths, p)
		}
	}
	slices.Sort(paths)
	for _, e := range registry {
		if _, ok := e.(emitters.Indexer); ok && e.Enabled(d) {
			keys[e.Name()] = s.IndexKey(d, e.Name(), paths)
		}
	}
	return keys
}

func joined(a, b map[string]emitters.File) map[string]emitters.File {
	out := maps.Clone(a)
	maps.Copy(out, b)
	return out
}

// copied is a copy of the example in dir, to build without touching it.
func copied(t *testing.T, dir string) string {
	out := t.TempDir()
	copyTree(t, dir, out)
	return out
}

// TestRebuildMakesOnlyChangedUnits: after a build, an edit to one node
// makes that node's unit again and keeps every other node's and app's
// files unread; an edit to one app likewise; an edited generated file is
// made again; --full (Options.Full) makes everything.
func TestRebuildMakesOnlyChangedUnits(t *testing.T) {
	dir, key := syntheticDir(t, 6, 6)
	first := buildTree(t, dir, key, true)
	all := slices.Sorted(maps.Keys(first.res.Made))
	if len(first.res.Kept) != 0 || !slices.Contains(all, "talos/node/node-0004") || !slices.Contains(all, "flux/app/ns-000/app-0002") {
		t.Fatalf("first build: made %v, kept %v", all, first.res.Kept)
	}
	// Units keyed by the whole description are made after any edit of it.
	whole := []string{"namespaces", "renovate", "sops"}
	for _, tc := range []struct {
		name, file, old, new string
		made                 []string
	}{
		{"a node's labels", "nodes.cue", `"node-0004": {role: "worker"`, `"node-0004": {role: "worker", annotations: a: "b"`, []string{"talos/node/node-0004"}},
		{"an app's chart version", "apps.cue", `version: "1.2.0"`, `version: "1.2.1"`, []string{"flux/app/ns-000/app-0002"}},
		{"nothing that shapes a file", "nodes.cue", "\n", "\n// a comment\n", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			edit(t, filepath.Join(dir, tc.file), tc.old, tc.new)
			b := buildTree(t, dir, key, true)
			want := tc.made
			if want != nil {
				want = slices.Sorted(slices.Values(append(want, whole...)))
			}
			if got := slices.Sorted(maps.Keys(b.res.Made)); !slices.Equal(got, want) {
				t.Errorf("made %v, want %v", got, want)
			}
			if len(b.res.Kept)+len(want) != len(all) {
				t.Errorf("kept %d units, made %d; want all %d but those made", len(b.res.Kept), len(b.res.Made), len(all))
			}
		})
	}
	t.Run("an edited generated file", func(t *testing.T) {
		p := filepath.Join(dir, "talos", "node-0002.yaml")
		edit(t, p, "\n", "\n# edited\n")
		b := buildTree(t, dir, key, true)
		if _, ok := b.res.Made["talos/node/node-0002"]; !ok || b.plan.Summary() != fmt.Sprintf("0 added, 1 changed, 0 removed, %d unchanged", b.plan.Unchanged) {
			t.Errorf("made %v; %s; want node-0002 made again and rewritten", slices.Sorted(maps.Keys(b.res.Made)), b.plan.Summary())
		}
	})
	t.Run("full", func(t *testing.T) {
		res, err := Generate(context.Background(), Options{Dir: dir, Getenv: keyEnv(key), Full: true}, builtin.All())
		if err != nil || len(res.Kept) != 0 || len(res.Made) != len(all) {
			t.Errorf("full build: kept %d, made %d of %d units, err %v", len(res.Kept), len(res.Made), len(all), err)
		}
	})
}

// edit replaces old with new, once, in the file at p.
func edit(t *testing.T, p, old, new string) {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(b), old, new, 1)
	if s == string(b) {
		t.Fatalf("%s holds no %q", p, old)
	}
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestUnitsMovedInTheManifest: a manifest whose units were edited to move
// a file from one unit to another (of another emitter, or of the same) is
// never trusted into a wrong tree: the build sees that its units disagree
// with what it made, and makes every unit.
func TestUnitsMovedInTheManifest(t *testing.T) {
	dir, key := syntheticDir(t, 3, 3)
	buildTree(t, dir, key, true)
	manifest := filepath.Join(dir, sink.ManifestName)
	orig, err := os.ReadFile(manifest)
	if err != nil {
		t.Fatal(err)
	}
	move := func(t *testing.T, file, to string) {
		var m map[string]any
		if err := json.Unmarshal(orig, &m); err != nil {
			t.Fatal(err)
		}
		us := m["units"].(map[string]any)
		for _, u := range us {
			files := u.(map[string]any)["files"].([]any)
			u.(map[string]any)["files"] = slices.DeleteFunc(files, func(f any) bool { return f == file })
		}
		dst := us[to].(map[string]any)
		dst["files"] = append(dst["files"].([]any), file)
		b, _ := json.MarshalIndent(m, "", "  ")
		if err := os.WriteFile(manifest, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	const ks = "kubernetes/apps/ns-000/app-0001/ks.yaml"
	t.Run("into another emitter's unit", func(t *testing.T) {
		move(t, ks, "talos/node/node-0001")
		b := buildTree(t, dir, key, true)
		if _, err := os.Stat(filepath.Join(dir, ks)); err != nil || len(b.res.Kept) != 0 {
			t.Errorf("after the build, %s: %v; kept %v", ks, err, slices.Sorted(maps.Keys(b.res.Kept)))
		}
	})
	t.Run("into another unit of its emitter", func(t *testing.T) {
		buildTree(t, dir, key, true)
		if orig, err = os.ReadFile(manifest); err != nil {
			t.Fatal(err)
		}
		move(t, ks, "flux/app/ns-000/app-0002")
		edit(t, filepath.Join(dir, "apps.cue"), `version: "1.1.0"`, `version: "1.1.1"`)
		b := buildTree(t, dir, key, true)
		if len(b.res.Kept) != 0 {
			t.Errorf("kept %v from a manifest whose units disagree with the build", slices.Sorted(maps.Keys(b.res.Kept)))
		}
	})
	// Each time, the tree is what a clean build makes.
	clean := t.TempDir()
	writeTree(t, clean, inputsOf(t, readTree(t, dir)))
	buildTree(t, clean, key, true)
	ids, err := secrets.ParseIdentities(key, string(must(os.ReadFile(key))))
	if err != nil {
		t.Fatal(err)
	}
	compareTrees(t, "units moved in the manifest", readTree(t, dir), readTree(t, clean), ids)
}
