package sink

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/hogen-dev/hogen/compiler/diag"
)

// homeScope is a scope shaped like hogen's: Flux and Talos roots, the
// secret inputs.
var homeScope = Scope{
	Roots:   []string{"kubernetes", "talos", ".sops.yaml", "homepage"},
	Secrets: []string{"secrets.sops.yaml", "talos/secrets.sops.yaml", "talos/client.sops.yaml"},
	Inputs:  []string{"emitters/homepage.jsonnet"},
}

// TestManifestIsAClaim: a manifest listing a file hogen could not have
// generated, or one that changed since, prunes nothing at all; the refusal
// names the file at its line of the manifest.
func TestManifestIsAClaim(t *testing.T) {
	const ageKey = "# created: 2024\nAGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ\n"
	for _, tc := range []struct {
		name, path, data string
		hash             string // "" records the file's own hash; "none" records none
		want             string
	}{
		{name: "description file", path: "cluster.cue", data: "package home\n", want: "it is a description file (.cue)"},
		{name: "secret input", path: "secrets.sops.yaml", data: "x: ENC[...]\n", want: "it is a secret input of the description"},
		{name: "talos bundle", path: "talos/secrets.sops.yaml", data: "x: ENC[...]\n", want: "it is a secret input"},
		{name: "talos client", path: "talos/client.sops.yaml", data: "x: ENC[...]\n", want: "it is a secret input"},
		{name: "libsonnet", path: "emitters/lib/k8s.libsonnet", data: "{}\n", want: "is a description file (.libsonnet)"},
		{name: "jsonnet inside a root", path: "homepage/x.jsonnet", data: "{}\n", want: "is a description file (.jsonnet)"},
		{name: "age key by name", path: "test-only.agekey", data: "x", want: "holds an age private key"},
		{name: "age key by contents", path: "kubernetes/keys.txt", data: ageKey, want: "holds an age private key"},
		{name: "outside the roots", path: "README.md", data: "# mine\n", want: "outside every emitter's output roots"},
		{name: "changed since", path: "kubernetes/a.yaml", data: "edited\n", hash: fileHash([]byte("generated\n")), want: "changed since hogen wrote it"},
		{name: "no hash recorded", path: "kubernetes/b.yaml", data: "old\n", hash: "none", want: "records no hash of it"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			write(t, dir, tc.path, tc.data)
			write(t, dir, "kubernetes/stale.yaml", "stale\n")
			h := tc.hash
			switch h {
			case "":
				h = fileHash([]byte(tc.data))
			case "none":
				h = ""
			}
			m := map[string]string{tc.path: h, "kubernetes/stale.yaml": fileHash([]byte("stale\n"))}
			os.WriteFile(filepath.Join(dir, ManifestName), encodeManifest(m, nil), 0o644)
			before := fullSnapshot(t, dir)
			_, err := locked(dir, files("kubernetes/new.yaml", "new\n"), homeScope)
			mustContain(t, err, "not pruning "+tc.path, tc.want)
			var ds diag.Diagnostics
			if !errors.As(err, &ds) || ds[0].Pos.File != filepath.Join(dir, ManifestName) || ds[0].Pos.Line < 3 {
				t.Errorf("refusal %v is not positioned in the manifest", err)
			}
			if diff := cmp.Diff(before, fullSnapshot(t, dir)); diff != "" {
				t.Errorf("a refused build changed the tree (-before +after):\n%s", diff)
			}
		})
	}
	// The control: a stale file under the roots with its bytes is pruned.
	dir := t.TempDir()
	write(t, dir, "kubernetes/stale.yaml", "stale\n")
	os.WriteFile(filepath.Join(dir, ManifestName), encodeManifest(map[string]string{"kubernetes/stale.yaml": fileHash([]byte("stale\n"))}, nil), 0o644)
	if _, err := locked(dir, nil, homeScope); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "kubernetes/stale.yaml")); !os.IsNotExist(err) {
		t.Error("a stale file hogen wrote was not pruned")
	}
}

// TestNoWriteThroughLinks: no read, write or removal passes through a
// symbolic link anywhere on the path, even one that stays in the tree.
func TestNoWriteThroughLinks(t *testing.T) {
	gitConfig := "[core]\n\tbare = false\n"
	setup := func(t *testing.T) string {
		dir := t.TempDir()
		write(t, dir, ".git/config", gitConfig)
		return dir
	}
	t.Run("manifest entry through a link to .git", func(t *testing.T) {
		dir := setup(t)
		os.Symlink(".git", filepath.Join(dir, "gitlink"))
		os.WriteFile(filepath.Join(dir, ManifestName), encodeManifest(map[string]string{"gitlink/config": fileHash([]byte(gitConfig))}, nil), 0o644)
		before := fullSnapshot(t, dir)
		_, err := locked(dir, nil, everything)
		mustContain(t, err, "not pruning gitlink/config", "gitlink is a symbolic link")
		if diff := cmp.Diff(before, fullSnapshot(t, dir)); diff != "" {
			t.Errorf("tree changed (-before +after):\n%s", diff)
		}
	})
	t.Run("generated directory is a link to .git", func(t *testing.T) {
		dir := setup(t)
		os.MkdirAll(filepath.Join(dir, "kubernetes/apps"), 0o755)
		os.Symlink("../../.git", filepath.Join(dir, "kubernetes/apps/identity"))
		before := fullSnapshot(t, dir)
		_, err := locked(dir, files("kubernetes/apps/identity/namespace.yaml", "x\n", "kubernetes/apps/identity/ks.yaml", "y\n"), homeScope)
		mustContain(t, err, "kubernetes/apps/identity is a symbolic link")
		if strings.Count(err.Error(), "symbolic link") != 1 {
			t.Errorf("the link is reported more than once: %v", err)
		}
		if diff := cmp.Diff(before, fullSnapshot(t, dir)); diff != "" {
			t.Errorf("tree changed (-before +after):\n%s", diff)
		}
	})
	t.Run("generated file is a link", func(t *testing.T) {
		dir := setup(t)
		write(t, dir, "cluster.cue", "package home\n")
		os.MkdirAll(filepath.Join(dir, "kubernetes"), 0o755)
		os.Symlink("../cluster.cue", filepath.Join(dir, "kubernetes/a.yaml"))
		os.WriteFile(filepath.Join(dir, ManifestName), encodeManifest(owning("kubernetes/a.yaml"), nil), 0o644)
		_, err := locked(dir, files("kubernetes/a.yaml", "x\n"), homeScope)
		mustContain(t, err, "kubernetes/a.yaml is a symbolic link")
		if b, _ := os.ReadFile(filepath.Join(dir, "cluster.cue")); string(b) != "package home\n" {
			t.Error("written through a link")
		}
	})
	t.Run("directory swapped for a link after the plan", func(t *testing.T) {
		dir := setup(t)
		build(t, dir, files("kubernetes/apps/a.yaml", "1\n"))
		p, err := NewPlan(dir, files("kubernetes/apps/a.yaml", "2\n", "kubernetes/apps/config", "evil\n"), nil, everything)
		if err != nil {
			t.Fatal(err)
		}
		os.Rename(filepath.Join(dir, "kubernetes/apps"), filepath.Join(dir, "moved"))
		os.Symlink("../.git", filepath.Join(dir, "kubernetes/apps"))
		if err := p.Apply(t.Context()); err == nil {
			t.Fatal("apply through a link succeeded")
		}
		if b, _ := os.ReadFile(filepath.Join(dir, ".git/config")); string(b) != gitConfig {
			t.Error(".git/config was overwritten")
		}
		if _, err := os.Stat(filepath.Join(dir, ".git/a.yaml")); err == nil {
			t.Error("a file was written into .git")
		}
	})
}

// TestNoAdoptionOfInputs: identical bytes never hand over a description
// input or a file outside the roots; under the roots they do (the control).
func TestNoAdoptionOfInputs(t *testing.T) {
	for _, tc := range []struct {
		name, path string
		want       string // "" means adopted
	}{
		{name: "libsonnet", path: "emitters/lib/k8s.libsonnet", want: "is a description file"},
		{name: "secret input", path: "secrets.sops.yaml", want: "is a secret input of the description"},
		{name: "outside the roots", path: "README.md", want: "outside every emitter's output roots"},
		{name: "under the roots", path: "kubernetes/mine.yaml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			write(t, dir, tc.path, "same\n")
			_, err := locked(dir, files(tc.path, "same\n"), homeScope)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if got := readManifestFile(t, dir).hashes; got[tc.path] != fileHash([]byte("same\n")) {
					t.Errorf("manifest %v does not own %s", got, tc.path)
				}
				return
			}
			mustContain(t, err, tc.path, tc.want)
			if _, err := os.Stat(filepath.Join(dir, ManifestName)); err == nil {
				t.Error("a manifest was written")
			}
		})
	}
}

// TestApplyIsAtomic: a rename or removal that fails part way puts every
// file back: rewritten files, pruned files and the manifest.
func TestApplyIsAtomic(t *testing.T) {
	v1 := files("k/a.yaml", "a1\n", "k/b.yaml", "b1\n", "k/old/s1.yaml", "s1\n", "k/old/s2.yaml", "s2\n")
	v2 := files("k/a.yaml", "a2\n", "k/b.yaml", "b2\n", "k/new/c.yaml", "c\n")
	for _, tc := range []struct {
		op, target string
		n          int
	}{
		{"fsync", "k/new/c.yaml", 1}, // staging
		{"rename", JournalName, 1},   // recording the journal
		{"rename", "k/b.yaml", 1},    // the second rewrite
		{"rename", "k/old/s2.yaml", 1},
		{"rename", ManifestName, 1},
		{"fsync", "k/old", 1},      // syncing a directory before the commit
		{"rename", JournalName, 2}, // the commit itself
	} {
		t.Run(fmt.Sprintf("%s %s #%d", tc.op, tc.target, tc.n), func(t *testing.T) {
			dir := t.TempDir()
			build(t, dir, v1)
			before := fullSnapshot(t, dir)
			p, err := NewPlan(dir, v2, nil, everything)
			if err != nil {
				t.Fatal(err)
			}
			failAtNth(t, tc.op, tc.target, tc.n)
			mustContain(t, p.Apply(t.Context()), "injected failure", "nothing was changed")
			if diff := cmp.Diff(before, fullSnapshot(t, dir)); diff != "" {
				t.Errorf("a failed apply changed the tree (-before +after):\n%s", diff)
			}
		})
	}
}

// TestApplyKeepsModes: a rewritten file keeps its permissions.
func TestApplyKeepsModes(t *testing.T) {
	dir := t.TempDir()
	build(t, dir, files("k/a.yaml", "a1\n"))
	os.Chmod(filepath.Join(dir, "k/a.yaml"), 0o600)
	build(t, dir, files("k/a.yaml", "a2\n"))
	if info, _ := os.Stat(filepath.Join(dir, "k/a.yaml")); info.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, want 0600", info.Mode().Perm())
	}
}

// TestLeftoversRemoved: the temp files of a killed build go with the next
// build, listed nowhere; a user's file that only looks like one stays.
func TestLeftoversRemoved(t *testing.T) {
	dir := t.TempDir()
	mine := []string{
		"kubernetes/.a.yaml.hogen-tmpX",        // not the pattern
		"docs/.guide.md.hogen-tmp12-0",         // the pattern, outside the roots
		"kubernetes/.a.yaml.hogen-tmp12-0.bak", // not the pattern
	}
	hogens := []string{
		"kubernetes/apps/.a.yaml.hogen-tmp4242-0",
		"kubernetes/apps/.gone.yaml.hogen-old4242-3",
		"." + ManifestName + ".hogen-tmp4242-0",
		"talos/.mini01.yaml.hogen-tmp1-1",
	}
	for _, p := range append(append([]string{}, mine...), hogens...) {
		write(t, dir, p, "x")
	}
	p, err := locked(dir, files("kubernetes/apps/a.yaml", "a\n"), homeScope)
	if err != nil {
		t.Fatal(err)
	}
	var listed strings.Builder
	p.Diff(&listed)
	listed.WriteString(p.Summary())
	for _, h := range hogens {
		if _, err := os.Stat(filepath.Join(dir, h)); err == nil {
			t.Errorf("leftover %s remains", h)
		}
		if strings.Contains(listed.String(), h) || strings.Contains(listed.String(), "hogen-tmp") {
			t.Errorf("leftover %s is listed:\n%s", h, listed.String())
		}
	}
	for _, m := range mine {
		if _, err := os.Stat(filepath.Join(dir, m)); err != nil {
			t.Errorf("user file %s was removed", m)
		}
	}
	// A build with nothing to do removes them too, and the directories
	// only they kept.
	write(t, dir, "kubernetes/gone/.x.yaml.hogen-old1-2", "x")
	write(t, dir, hogens[0], "x")
	if p, err := locked(dir, files("kubernetes/apps/a.yaml", "a\n"), homeScope); err != nil || !p.Clean() {
		t.Fatalf("rebuild: clean=%v err=%v", p.Clean(), err)
	}
	if _, err := os.Stat(filepath.Join(dir, hogens[0])); err == nil {
		t.Error("leftover remains after a clean build")
	}
	if _, err := os.Stat(filepath.Join(dir, "kubernetes/gone")); err == nil {
		t.Error("a directory only a leftover kept remains")
	}
}

// TestCorruptManifest: a manifest hogen cannot read is an error at its
// line and column, saying what is wrong and how to recover.
func TestCorruptManifest(t *testing.T) {
	h := fileHash([]byte("x"))
	for _, tc := range []struct {
		name, data string
		line, col  int
		want       string
	}{
		{name: "truncated", data: "{\n  \"files\": {\n    \"a.yaml\": \"sha", line: 3, col: 19, want: "ends before its JSON does"},
		{name: "empty", data: "", line: 1, col: 1, want: "is empty"},
		{name: "syntax", data: "{\n  \"files\": {,}\n}\n", line: 2, col: 13, want: "is not valid JSON"},
		{name: "wrong type", data: "{\n  \"files\": 3\n}\n", line: 2, col: 3, want: "must map each path"},
		{name: "unknown field", data: "{\n  \"files\": {},\n  \"extra\": 1\n}\n", line: 3, col: 3, want: `a field hogen never writes: "extra"`},
		{name: "escaping path", data: "{\n  \"files\": {\n    \"../x\": \"" + h + "\"\n  }\n}\n", line: 3, col: 5, want: `"../x" leaves the output directory`},
		{name: "git path", data: "{\"files\": [\"a\",\n \".git/config\"]}", line: 2, col: 2, want: `component ".git" is not allowed`},
		{name: "bad hash", data: "{\"files\": {\"a\": \"md5:1\"}}", line: 1, col: 12, want: "not sha256:"},
		{name: "twice", data: "{\"files\": [\"a\", \"a\"]}", line: 1, col: 12, want: `"a" is listed twice`},
		{name: "two values", data: "{\"files\": {}}\n{}", line: 2, col: 1, want: "more than one JSON value"},
		{name: "bad trace hash", data: "{\"files\": {},\n \"build\": {\"inputs\": {\"cue/a.cue\": \"x\"}, \"files\": \"" + h + "\"}}", line: 2, col: 2, want: "the trace's hash of cue/a.cue is x"},
		{name: "bad trace binding", data: "{\"files\": {},\n \"build\": {\"inputs\": {}, \"files\": \"\"}}", line: 2, col: 2, want: `"files" is not a sha256`},
		{name: "bad unit key", data: "{\"files\": {\"a\": \"" + h + "\"},\n \"units\": {\"u\": {\"key\": \"k\", \"files\": [\"a\"]}}}", line: 2, col: 2, want: "the key of unit u is k"},
		{name: "unit claims an unlisted file", data: "{\"files\": {},\n \"units\": {\"u\": {\"key\": \"" + h + "\", \"files\": [\"a\"]}}}", line: 2, col: 2, want: `unit u claims a, which "files" does not list`},
		{name: "a unit lists a file twice", data: "{\"files\": {\"a\": \"" + h + "\"},\n \"units\": {\"u\": {\"key\": \"" + h + "\", \"files\": [\"a\", \"a\"]}}}", line: 2, col: 2, want: "unit u lists a twice"},
		{name: "two units claim a file", data: "{\"files\": {\"a\": \"" + h + "\"},\n \"units\": {\"u\": {\"key\": \"" + h + "\", \"files\": [\"a\"]}, \"v\": {\"key\": \"" + h + "\", \"files\": [\"a\"]}}}", line: 2, col: 2, want: "units u and v both claim a"},
		{name: "unit without a name", data: "{\"files\": {},\n \"units\": {\"\": {\"key\": \"" + h + "\", \"files\": []}}}", line: 2, col: 2, want: "a unit has no name"},
		{name: "unit field", data: "{\"files\": {},\n \"units\": {\"u\": {\"key\": \"" + h + "\", \"files\": [], \"x\": 1}}}", line: 2, col: 113, want: "a field hogen never writes"},
		{name: "trace field", data: "{\"files\": {},\n \"build\": {\"inputs\": {}, \"files\": \"" + h + "\", \"x\": 1}}", line: 2, col: 110, want: "a field hogen never writes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseManifest("out/"+ManifestName, []byte(tc.data))
			var ds diag.Diagnostics
			if !errors.As(err, &ds) || len(ds) != 1 {
				t.Fatalf("err = %v, want one diagnostic", err)
			}
			d := ds[0]
			if d.Pos.Line != tc.line || d.Pos.Col != tc.col || !strings.Contains(d.Msg, tc.want) || !strings.Contains(d.Fix, "restore it from Git") {
				t.Errorf("got %s, want %d:%d %q", d, tc.line, tc.col, tc.want)
			}
		})
	}
	// A manifest of earlier versions still reads, with no hashes.
	o, err := parseManifest("m", []byte(`{"comment":"x","files":["a.yaml","b/c.yaml"]}`))
	if err != nil || len(o.hashes) != 2 || o.hashes["a.yaml"] != "" {
		t.Errorf("legacy manifest: %v %v", o.hashes, err)
	}
}

// FuzzParseManifest: the manifest loader never panics, and what it
// accepts encodes to a manifest that reads back the same.
func FuzzParseManifest(f *testing.F) {
	f.Add([]byte(`{"comment":"x","files":["a.yaml"]}`))
	f.Add(encodeManifest(map[string]string{"k/a.yaml": fileHash([]byte("a")), "t/x.yaml": ""}, map[string]recorded{"t/x.yaml": {"sha256:1", "sha256:2"}}))
	f.Add([]byte(`{"files":{"../a":""}}`))
	f.Add([]byte("{\"files\":{\"a\":\"\"},\"digests\":{\"a\":\"old\"}}"))
	h := fileHash([]byte("a"))
	f.Add(encodeTraced(map[string]string{"k/a.yaml": h, "k/b.yaml": h}, nil, map[string]Unit{"e/u": {Key: h, Files: []string{"k/a.yaml"}}, "e": {Key: h, Files: []string{}}}, nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		o, err := parseManifest("m", b)
		if err != nil {
			return
		}
		again, err := parseManifest("m", encodeTraced(o.hashes, o.digests, o.units, nil))
		if err != nil {
			t.Fatalf("re-encoded manifest does not read: %v", err)
		}
		if diff := cmp.Diff(o.hashes, again.hashes); diff != "" {
			t.Errorf("round trip (-first +again):\n%s", diff)
		}
		if diff := cmp.Diff(o.units, again.units, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("units round trip (-first +again):\n%s", diff)
		}
		for p := range o.hashes {
			if CheckPath(p) != nil {
				t.Errorf("accepted path %q", p)
			}
		}
	})
}
