package sink

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hogen-dev/hogen/emitters"
)

// TestTrace: a recorded trace is written, makes the tree Fresh while its
// inputs and files stay as recorded, and changing alone never makes the
// tree out of date; a plan that kept a secret file unverified records
// none.
func TestTrace(t *testing.T) {
	dir := t.TempDir()
	scope := Scope{Roots: []string{"."}}
	files := []emitters.File{{Path: "a/x.yaml", Data: []byte("x\n")}}
	inputs := map[string]string{"cue/a.cue": HashString("a")}
	accept := func(want map[string]string) func(map[string]string) bool {
		return func(got map[string]string) bool {
			return got["cue/a.cue"] == want["cue/a.cue"] && len(got) == len(want)
		}
	}
	apply := func(in map[string]string) *Plan {
		t.Helper()
		p, err := NewPlan(dir, files, nil, scope)
		if err != nil {
			t.Fatal(err)
		}
		p.Record(in, 0)
		if err := p.Apply(context.Background()); err != nil {
			t.Fatal(err)
		}
		return p
	}
	if _, _, ok := Fresh(dir, false, accept(inputs)); ok {
		t.Fatal("Fresh with no manifest")
	}
	apply(inputs)
	if n, _, ok := Fresh(dir, true, accept(inputs)); !ok || n != 1 {
		t.Fatalf("Fresh = %d, %t after the build; want 1, true", n, ok)
	}
	if _, _, ok := Fresh(dir, false, accept(map[string]string{"cue/a.cue": HashString("b")})); ok {
		t.Error("Fresh with another input")
	}

	// New inputs, the same files: current, but the trace is rewritten.
	other := map[string]string{"cue/a.cue": HashString("a // comment")}
	p, err := NewPlan(dir, files, nil, scope)
	if err != nil {
		t.Fatal(err)
	}
	p.Record(other, 0)
	if !p.Clean() || strings.Contains(p.Summary(), "out of date") {
		t.Errorf("a plan whose trace alone changes: Clean = %t, Summary %q; want clean", p.Clean(), p.Summary())
	}
	apply(other)
	if _, _, ok := Fresh(dir, false, accept(other)); !ok {
		t.Error("Fresh = false after the trace was rewritten")
	}

	// A hand edit of a generated file: not fresh.
	os.WriteFile(filepath.Join(dir, "a/x.yaml"), []byte("edited\n"), 0o644)
	if _, _, ok := Fresh(dir, false, accept(other)); ok {
		t.Error("Fresh after a generated file was edited")
	}
}

// TestTraceNotRecordedUnverified: a plan that kept a secret file it could
// not check records no trace.
func TestTraceNotRecordedUnverified(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "s.sops.yaml"), []byte("a: ENC[x]\nsops:\n  mac: ENC[y]\n"), 0o644)
	os.WriteFile(filepath.Join(dir, ManifestName), encodeManifest(owning("s.sops.yaml"), nil), 0o644)
	p, err := NewPlan(dir, []emitters.File{{Path: "s.sops.yaml", Secret: true}}, nil, Scope{Roots: []string{"."}})
	if err != nil {
		t.Fatal(err)
	}
	p.Record(map[string]string{"cue/a.cue": HashString("a")}, 0)
	if p.trace != nil {
		t.Fatal("a plan with an unverified file recorded a trace")
	}
}

// TestTraceWarnings: a build that warned records how many times, an
// unchanged tree says so, and a manifest whose count was edited is no
// trace to trust.
func TestTraceWarnings(t *testing.T) {
	dir := t.TempDir()
	inputs := map[string]string{"cue/a.cue": HashString("a")}
	p, err := NewPlan(dir, []emitters.File{{Path: "a/x.yaml", Data: []byte("x\n")}}, nil, Scope{Roots: []string{"."}})
	if err != nil {
		t.Fatal(err)
	}
	p.Record(inputs, 3)
	if err := p.Apply(context.Background()); err != nil {
		t.Fatal(err)
	}
	accept := func(map[string]string) bool { return true }
	if _, w, ok := Fresh(dir, false, accept); !ok || w != 3 {
		t.Fatalf("Fresh = %d warnings, %t; want 3, true", w, ok)
	}
	path := filepath.Join(dir, ManifestName)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, forged := range []string{`"warnings": 0`, `"warnings": -1`} {
		edited := strings.Replace(string(b), `"warnings": 3`, forged, 1)
		if edited == string(b) {
			t.Fatalf("the manifest records no warnings:\n%s", b)
		}
		if err := os.WriteFile(path, []byte(edited), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, _, ok := Fresh(dir, false, accept); ok {
			t.Errorf("Fresh with the warnings count edited to %s", forged)
		}
	}
}

// TestTraceLeftovers: a temp file a killed build left beside a generated
// file, or at the top, makes the tree not fresh, so the full build that
// follows removes it; a file that only looks like one elsewhere does not.
func TestTraceLeftovers(t *testing.T) {
	for _, tt := range []struct {
		name  string
		fresh bool
	}{
		{"a/.x.yaml.hogen-tmp4242-0", false},
		{".hogen-manifest.json.hogen-tmp4242-1", false},
		{"a/.x.yaml.hogen-old4242-0", false},
		{"b/.y.yaml.hogen-tmp4242-0", true}, // no generated file in b/
		{"a/x.yaml.hogen-tmp", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			p, err := NewPlan(dir, []emitters.File{{Path: "a/x.yaml", Data: []byte("x\n")}}, nil, Scope{Roots: []string{"."}})
			if err != nil {
				t.Fatal(err)
			}
			p.Record(map[string]string{"cue/a.cue": HashString("a")}, 0)
			if err := p.Apply(context.Background()); err != nil {
				t.Fatal(err)
			}
			if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, tt.name)), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, tt.name), []byte("part"), 0o644); err != nil {
				t.Fatal(err)
			}
			if _, _, ok := Fresh(dir, false, func(map[string]string) bool { return true }); ok != tt.fresh {
				t.Errorf("Fresh = %t, want %t", ok, tt.fresh)
			}
		})
	}
}
