package sink

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/hogen-dev/hogen/emitters"
)

// TestUnitsKept: a unit recorded with its key is reusable while the key
// is the same and its files are as written; a kept unit's files stay, its
// record too; a unit with a file kept unverified is not recorded; and a
// kept file that changes before the plan fails the plan.
func TestUnitsKept(t *testing.T) {
	dir, scope, files := t.TempDir(), Scope{Roots: []string{"."}}, unitFiles()
	ka, kb := HashString("a1"), HashString("b1")
	buildUnits(t, dir, files, map[string]string{"e/a": ka, "e/b": kb, "e/none": ka})
	reusable := func(keys map[string]string) []string {
		return slices.Sorted(maps.Keys(ReadUnits(dir).Reusable(keys)))
	}
	if got := reusable(map[string]string{"e/a": ka, "e/b": kb, "e/none": ka}); !slices.Equal(got, []string{"e/a", "e/b", "e/none"}) {
		t.Fatalf("reusable after the build = %v, want every unit", got)
	}
	if got := reusable(map[string]string{"e/a": kb, "e/b": kb}); !slices.Equal(got, []string{"e/b"}) {
		t.Errorf("with a's key changed, reusable = %v, want [e/b]", got)
	}
	write(t, dir, "b/z.yaml", "edited\n")
	if got := reusable(map[string]string{"e/a": ka, "e/b": kb}); !slices.Equal(got, []string{"e/a"}) {
		t.Errorf("with a file of b edited, reusable = %v, want [e/a]", got)
	}
	write(t, dir, "b/z.yaml", "z\n")

	// b is kept; a is made again, with a new key; b's files changing
	// after Reusable looked fails the plan.
	kept := ReadUnits(dir).Reusable(map[string]string{"e/b": kb})
	write(t, dir, "b/y.yaml", "raced\n")
	if _, err := NewPlanKeeping(dir, files[:1], kept, nil, scope); err == nil || !strings.Contains(err.Error(), "changed while hogen was building:\n\tb/y.yaml") {
		t.Errorf("a kept file changed before the plan: err = %v", err)
	}
	write(t, dir, "b/y.yaml", "y\n")
	ka2 := HashString("a2")
	p, err := NewPlanKeeping(dir, []emitters.File{{Path: "a/x.yaml", Data: []byte("x2\n"), Unit: "e/a"}}, kept, nil, scope)
	if err != nil {
		t.Fatal(err)
	}
	p.RecordUnits(map[string]string{"e/a": ka2})
	if len(p.Writes) != 1 || len(p.Prunes) != 0 || p.Unchanged != 2 {
		t.Fatalf("plan keeping b: %s, want a/x.yaml written and b's two files unchanged", p.Summary())
	}
	if err := p.Apply(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := reusable(map[string]string{"e/a": ka2, "e/b": kb}); !slices.Equal(got, []string{"e/a", "e/b"}) {
		t.Errorf("after the build keeping b, reusable = %v, want both", got)
	}

	// A secret file kept unverified (no key) leaves its unit unrecorded.
	write(t, dir, "s/secret.sops.yaml", "sops:\n    mac: ENC[x]\n")
	own := `{"files": {"a/x.yaml": "` + fileHash([]byte("x2\n")) + `", "s/secret.sops.yaml": "` + fileHash([]byte("sops:\n    mac: ENC[x]\n")) + `"}}`
	write(t, dir, ManifestName, own)
	p, err = NewPlan(dir, []emitters.File{{Path: "a/x.yaml", Data: []byte("x2\n"), Unit: "e/a"}, {Path: "s/secret.sops.yaml", Secret: true, Unit: "e/s"}}, nil, scope)
	if err != nil {
		t.Fatal(err)
	}
	p.RecordUnits(map[string]string{"e/a": ka2, "e/s": kb})
	if err := p.Apply(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := reusable(map[string]string{"e/a": ka2, "e/s": kb}); !slices.Equal(got, []string{"e/a"}) {
		t.Errorf("after a build that kept s unverified, reusable = %v, want [e/a]", got)
	}
}

// TestUnitMissingAFileNotKept: a manifest whose unit no longer lists one
// of the files it made (edited, merged) must not keep the unit: the file
// would be neither made nor kept, and pruned at every build after.
func TestUnitMissingAFileNotKept(t *testing.T) {
	dir := t.TempDir()
	keys := map[string]string{"e/a": HashString("a1"), "e/b": HashString("b1")}
	buildUnits(t, dir, unitFiles(), keys)
	tr, err := openTree(dir)
	if err != nil {
		t.Fatal(err)
	}
	own, _, err := readManifest(tr)
	tr.close()
	if err != nil {
		t.Fatal(err)
	}
	b := own.units["e/b"]
	b.Files = []string{"b/y.yaml"}
	own.units["e/b"] = b
	write(t, dir, ManifestName, string(encodeTraced(own.hashes, own.digests, own.units, nil)))
	if got := ReadUnits(dir).Reusable(keys); len(got) != 0 {
		t.Errorf("with b/z.yaml claimed by no unit, reusable = %v, want none: its unit is unknown", slices.Sorted(maps.Keys(got)))
	}
}

// unitFiles are three files of two units, e/a and e/b.
func unitFiles() []emitters.File {
	return []emitters.File{
		{Path: "a/x.yaml", Data: []byte("x\n"), Unit: "e/a"},
		{Path: "b/y.yaml", Data: []byte("y\n"), Unit: "e/b"},
		{Path: "b/z.yaml", Data: []byte("z\n"), Unit: "e/b"},
	}
}

// buildUnits writes files to dir, recording their units with keys.
func buildUnits(t *testing.T, dir string, files []emitters.File, keys map[string]string) {
	t.Helper()
	p, err := NewPlan(dir, files, nil, Scope{Roots: []string{"."}})
	if err != nil {
		t.Fatal(err)
	}
	p.RecordUnits(keys)
	if err := p.Apply(context.Background()); err != nil {
		t.Fatal(err)
	}
}
