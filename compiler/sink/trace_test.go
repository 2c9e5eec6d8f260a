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
		p.Record(in)
		if err := p.Apply(context.Background()); err != nil {
			t.Fatal(err)
		}
		return p
	}
	if _, ok := Fresh(dir, false, accept(inputs)); ok {
		t.Fatal("Fresh with no manifest")
	}
	apply(inputs)
	if n, ok := Fresh(dir, true, accept(inputs)); !ok || n != 1 {
		t.Fatalf("Fresh = %d, %t after the build; want 1, true", n, ok)
	}
	if _, ok := Fresh(dir, false, accept(map[string]string{"cue/a.cue": HashString("b")})); ok {
		t.Error("Fresh with another input")
	}

	// New inputs, the same files: current, but the trace is rewritten.
	other := map[string]string{"cue/a.cue": HashString("a // comment")}
	p, err := NewPlan(dir, files, nil, scope)
	if err != nil {
		t.Fatal(err)
	}
	p.Record(other)
	if !p.Clean() || strings.Contains(p.Summary(), "out of date") {
		t.Errorf("a plan whose trace alone changes: Clean = %t, Summary %q; want clean", p.Clean(), p.Summary())
	}
	apply(other)
	if _, ok := Fresh(dir, false, accept(other)); !ok {
		t.Error("Fresh = false after the trace was rewritten")
	}

	// A hand edit of a generated file: not fresh.
	os.WriteFile(filepath.Join(dir, "a/x.yaml"), []byte("edited\n"), 0o644)
	if _, ok := Fresh(dir, false, accept(other)); ok {
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
	p.Record(map[string]string{"cue/a.cue": HashString("a")})
	if p.trace != nil {
		t.Fatal("a plan with an unverified file recorded a trace")
	}
}
