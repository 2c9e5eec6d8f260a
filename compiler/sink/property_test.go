package sink

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hogen-dev/hogen/emitters"
)

var propScope = Scope{Roots: []string{"k", "t", "one.yaml"}, Secrets: []string{"t/secrets.sops.yaml"}, Inputs: []string{"e/lib.libsonnet"}}

// TestPropertyTreeOldOrNew builds random trees: a random first build, then
// random hand edits, modes, symbolic links (to .git, out of the tree, to an
// input), leftover temp files and manifest entries (inputs, paths outside
// the roots, wrong hashes, no hash), then a random second build, failed at
// a random step in some runs. After every build: no file that is not
// hogen's output changed, and the tree is the old one (the build failed)
// or the new one (it succeeded).
func TestPropertyTreeOldOrNew(t *testing.T) {
	runs := 200
	if testing.Short() {
		runs = 40
	}
	outcomes := map[string]int{}
	for seed := range runs {
		r := rand.New(rand.NewPCG(uint64(seed), 7))
		outcomes[propRun(t, seed, r)]++
	}
	t.Logf("outcomes over %d runs: %v", runs, outcomes)
	for _, o := range []string{"built", "refused", "failed"} {
		if outcomes[o] == 0 {
			t.Errorf("no run ended %s: the generator does not cover it", o)
		}
	}
}

var propPaths = []string{"k/a.yaml", "k/b.yaml", "k/d/c.yaml", "k/d/e/f.yaml", "k/g/h.yaml", "t/n1.yaml", "t/n2.yaml", "one.yaml"}

func randFiles(r *rand.Rand, tag string) []emitters.File {
	var fs []emitters.File
	for _, p := range propPaths {
		if r.IntN(3) > 0 {
			fs = append(fs, emitters.File{Path: p, Data: []byte(fmt.Sprintf("%s %s %d\n", p, tag, r.IntN(2)))})
		}
	}
	return fs
}

func propRun(t *testing.T, seed int, r *rand.Rand) string {
	t.Helper()
	top := t.TempDir()
	dir, outside := filepath.Join(top, "tree"), filepath.Join(top, "outside")
	for p, d := range map[string]string{
		"tree/c.cue": "package x\n", "tree/t/secrets.sops.yaml": "bundle\n", "tree/e/lib.libsonnet": "{}\n",
		"tree/README.md": "readme\n", "tree/.git/config": "git\n", "tree/key.agekey": "AGE-SECRET-KEY-1X\n",
		"outside/precious": "keep\n",
	} {
		write(t, top, p, d)
	}
	if _, err := locked(dir, randFiles(r, "v1"), propScope); err != nil {
		t.Fatalf("seed %d: first build: %v", seed, err)
	}
	mutate(t, r, dir, outside)
	before := fullSnapshot(t, top)
	v2 := randFiles(r, "v2")
	inject := ""
	if r.IntN(3) == 0 {
		inject = []string{"fsync", "rename", "unlink"}[r.IntN(3)]
	}
	err := buildFailing(t, dir, v2, inject, 1+r.IntN(8))
	if err != nil && strings.Contains(err.Error(), "every file is written") {
		// Failed after the commit: the new tree, and the next build tidies.
		l, lerr := Acquire(dir, propScope)
		if lerr != nil {
			t.Fatalf("seed %d: tidying after %v: %v", seed, err, lerr)
		}
		l.Unlock()
		err = nil
	}
	after := fullSnapshot(t, top)
	prunable, refusable := expectedPrunes(t, before, v2)
	cleanBefore := dropLeftovers(before)
	switch {
	case err != nil:
		if diff := cmp.Diff(cleanBefore, after); diff != "" {
			t.Errorf("seed %d: a failed build (%v) changed the tree (-before +after):\n%s", seed, err, diff)
		}
		if strings.Contains(err.Error(), "injected") {
			return "failed"
		}
		return "refused"
	case len(refusable) > 0:
		t.Errorf("seed %d: the build succeeded though the manifest lists %v, which it may not prune", seed, refusable)
	}
	out := map[string]bool{"tree/" + ManifestName: true}
	for _, f := range v2 {
		out["tree/"+f.Path] = true
		if got := after["tree/"+f.Path].Data; got != string(f.Data) {
			t.Errorf("seed %d: %s = %q, want the new %q", seed, f.Path, got, f.Data)
		}
	}
	for p, e := range cleanBefore {
		a, ok := after[p]
		switch {
		case out[p]:
		case !ok && (prunable[p] || e.Mode.IsDir()):
		case !ok:
			t.Errorf("seed %d: %s was removed, though hogen may not prune it", seed, p)
		case a != e:
			t.Errorf("seed %d: %s changed, though it is no output: %+v -> %+v", seed, p, e, a)
		}
	}
	for p, a := range after {
		if _, ok := cleanBefore[p]; !ok && !out[p] && !a.Mode.IsDir() {
			t.Errorf("seed %d: %s appeared, though it is no output", seed, p)
		}
	}
	return "built"
}

// mutate makes the hand edits a user, a merge or an accident would.
func mutate(t *testing.T, r *rand.Rand, dir, outside string) {
	pick := func() string { return propPaths[r.IntN(len(propPaths))] }
	abs := func(p string) string { return filepath.Join(dir, filepath.FromSlash(p)) }
	for range r.IntN(2) {
		if p := pick(); exists(abs(p)) {
			os.WriteFile(abs(p), []byte("edited by hand\n"), 0o644)
		}
	}
	for range r.IntN(3) {
		if p := pick(); exists(abs(p)) {
			os.Chmod(abs(p), []fs.FileMode{0o600, 0o444, 0o755, 0o640}[r.IntN(4)])
		}
	}
	targets := []string{"../.git", outside, "../../.git", "../c.cue"}
	for range max(0, r.IntN(4)-2) {
		d := []string{"k/d", "k/g", "k/d/e", "t"}[r.IntN(4)]
		if d == "t" && r.IntN(2) == 0 {
			continue
		}
		os.RemoveAll(abs(d))
		os.MkdirAll(filepath.Dir(abs(d)), 0o755)
		os.Symlink(targets[r.IntN(len(targets))], abs(d))
	}
	if r.IntN(6) == 0 {
		p := pick()
		os.RemoveAll(abs(p))
		os.MkdirAll(filepath.Dir(abs(p)), 0o755)
		os.Symlink("../c.cue", abs(p))
	}
	for range r.IntN(3) {
		p := pick()
		if exists(filepath.Dir(abs(p))) {
			os.WriteFile(filepath.Join(filepath.Dir(abs(p)), "."+path.Base(p)+".hogen-tmp99-"+fmt.Sprint(r.IntN(3))), []byte("x"), 0o644)
		}
	}
	if r.IntN(3) == 0 {
		editManifest(t, r, dir)
	}
	if r.IntN(3) == 0 {
		write(t, dir, "k/mine.yaml", "mine\n") // a user's file among hogen's
	}
}

// editManifest adds claims a manifest should not be trusted with.
func editManifest(t *testing.T, r *rand.Rand, dir string) {
	b, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	claims := []string{"c.cue", "t/secrets.sops.yaml", "e/lib.libsonnet", "README.md", "key.agekey", "k/mine.yaml", "k/d/link/x", "gitlink/config"}
	for range 1 + r.IntN(3) {
		p := claims[r.IntN(len(claims))]
		data, _ := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p)))
		switch r.IntN(3) {
		case 0:
			m.Files[p] = fileHash(data)
		case 1:
			m.Files[p] = ""
		default:
			m.Files[p] = fileHash([]byte("something else"))
		}
	}
	if r.IntN(4) == 0 {
		os.Symlink(".git", filepath.Join(dir, "gitlink"))
	}
	os.WriteFile(filepath.Join(dir, ManifestName), encodeManifest(m.Files, nil), 0o644)
}

// expectedPrunes reads the manifest in before and says, by the rules and
// independently of the sink, which listed files hogen may prune (as
// snapshot paths) and which listed, existing files it must refuse.
func expectedPrunes(t *testing.T, before map[string]entryInfo, now []emitters.File) (prunable map[string]bool, refusable []string) {
	var m manifest
	if err := json.Unmarshal([]byte(before["tree/"+ManifestName].Data), &m); err != nil {
		t.Fatal(err)
	}
	prunable = map[string]bool{}
	for p, h := range m.Files {
		if slices.ContainsFunc(now, func(f emitters.File) bool { return f.Path == p }) {
			continue // still generated: not a prune
		}
		e, ok := before["tree/"+p]
		if !ok && !linked(before, p) {
			continue // gone: nothing to prune
		}
		allowed := ok && e.Mode.IsRegular() && !linked(before, p) && h != "" && h == fileHash([]byte(e.Data)) &&
			propScope.inRoots(p) && !slices.Contains(propScope.Secrets, p) && !slices.Contains(propScope.Inputs, p) &&
			!strings.Contains(e.Data, "AGE-SECRET-KEY-1") && !slices.Contains([]string{".cue", ".jsonnet", ".libsonnet", ".agekey"}, path.Ext(p))
		if allowed {
			prunable["tree/"+p] = true
		} else {
			refusable = append(refusable, p)
		}
	}
	return prunable, refusable
}

// linked tells whether a component of p is a link in the snapshot.
func linked(s map[string]entryInfo, p string) bool {
	parts := strings.Split(p, "/")
	for i := range parts {
		if e, ok := s["tree/"+strings.Join(parts[:i+1], "/")]; ok && e.Mode&fs.ModeSymlink != 0 {
			return true
		}
	}
	return false
}

// dropLeftovers removes from a snapshot hogen's temp files beside a file
// under the roots, reached through no link: the next build removes them
// whatever else happens.
func dropLeftovers(s map[string]entryInfo) map[string]entryInfo {
	out := map[string]entryInfo{}
	for p, e := range s {
		rel, inTree := strings.CutPrefix(p, "tree/")
		m := tempPattern.FindStringSubmatch(path.Base(p))
		if !inTree || m == nil || linked(s, rel) || !propScope.inRoots(path.Join(path.Dir(rel), m[1])) {
			out[p] = e
		}
	}
	return out
}

func exists(p string) bool { _, err := os.Lstat(p); return err == nil }

// buildFailing is a locked build whose n-th op of kind inject (if any)
// fails once the lock is held.
func buildFailing(t *testing.T, dir string, fs []emitters.File, inject string, n int) error {
	l, err := Acquire(dir, propScope)
	if err != nil {
		return err
	}
	defer l.Unlock()
	seen := 0
	stepHook = func(o, _ string) error {
		if o == inject {
			if seen++; seen == n {
				return fmt.Errorf("injected failure at %s #%d", o, n)
			}
		}
		return nil
	}
	defer func() { stepHook = nil }()
	p, err := NewPlan(dir, fs, nil, propScope)
	if err != nil {
		return err
	}
	return p.Apply(t.Context())
}
