package schema

import (
	"testing"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/build"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/parser"
)

// emittersDef compiles the embedded schema and returns #Emitters.
func emittersDef(t *testing.T) (*cue.Context, cue.Value) {
	t.Helper()
	srcs, err := Sources()
	if err != nil {
		t.Fatal(err)
	}
	inst := build.NewContext().NewInstance("hogen", nil)
	for _, s := range srcs {
		f, err := parser.ParseFile(s.Name, s.Data)
		if err != nil {
			t.Fatal(err)
		}
		if err := inst.AddSyntax(f); err != nil {
			t.Fatal(err)
		}
	}
	ctx := cuecontext.New()
	v := ctx.BuildInstance(inst)
	if err := v.Err(); err != nil {
		t.Fatal(err)
	}
	return ctx, v.LookupPath(cue.ParsePath("#Emitters"))
}

func TestJsonnetEmitterPaths(t *testing.T) {
	ctx, def := emittersDef(t)
	tests := []struct {
		name  string
		src   string
		valid bool
	}{
		{name: "file and out", src: `jsonnet: [{file: "emitters/homepage.jsonnet", out: "kubernetes/apps/default/homepage/app"}]`, valid: true},
		{name: "file only", src: `jsonnet: [{file: "a.jsonnet"}]`, valid: true},
		{name: "no emitters", src: `jsonnet: []`, valid: true},
		{name: "not jsonnet", src: `jsonnet: [{file: "a.libsonnet"}]`},
		{name: "absolute file", src: `jsonnet: [{file: "/etc/a.jsonnet"}]`},
		{name: "file leaving the directory", src: `jsonnet: [{file: "../a.jsonnet"}]`},
		{name: "out leaving the directory", src: `jsonnet: [{file: "a.jsonnet", out: "kubernetes/../.."}]`},
		{name: "out with a dot segment", src: `jsonnet: [{file: "a.jsonnet", out: "./kubernetes"}]`},
		{name: "backslash", src: `jsonnet: [{file: "a\\b.jsonnet"}]`},
		{name: "missing file", src: `jsonnet: [{out: "x"}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := def.Unify(ctx.CompileString(tt.src))
			err := v.Validate(cue.Concrete(true), cue.All())
			if (err == nil) != tt.valid {
				t.Errorf("valid = %v, want %v (error: %v)", err == nil, tt.valid, err)
			}
		})
	}
}
