package compiler

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/hogen-dev/hogen/compiler/model"
	"github.com/hogen-dev/hogen/emitters"
)

func emitter(name string, files []emitters.File, err error) emitters.Emitter {
	return emitters.Func{ID: name, EmitFn: func(context.Context, *model.Description) ([]emitters.File, error) { return files, err },
		RootsFn: func(*model.Description) []string { return []string{"k"} }}
}

func TestEmitAllOrNothing(t *testing.T) {
	d := &model.Description{Pos: model.Positions{"nodes.a": {File: "nodes.cue", Line: 3, Col: 2}},
		Inputs: model.Inputs{Jsonnet: map[string][]byte{"k/lib.libsonnet": nil, "k/e.jsonnet": nil}}}
	ok := emitter("ok", []emitters.File{{Path: "k/a.yaml"}}, nil)
	jsonnetLine := model.Pos{File: "e.jsonnet", Line: 7, Col: 3}
	tests := []struct {
		name    string
		reg     []emitters.Emitter
		wantErr string
	}{
		{"failing emitter after a good one", []emitters.Emitter{ok, emitter("bad", nil, errors.New("boom"))}, "emitter bad: boom"},
		{"two emitters write one path", []emitters.Emitter{ok, emitter("dup", []emitters.File{{Path: "k/a.yaml", Origin: jsonnetLine}}, nil)},
			"e.jsonnet:7:3: error: k/a.yaml is written by both emitter ok and emitter dup\n\tfix: give the Jsonnet emitter another out directory, or drop the file from one of them"},
		{"a secret input", []emitters.Emitter{emitter("j", []emitters.File{{Path: "talos/secrets.sops.yaml", Origin: jsonnetLine}}, nil)},
			"e.jsonnet:7:3: error: emitter j writes talos/secrets.sops.yaml, which is a secret input of the description\n\tfix: write it to another path: an input of the description is never an output"},
		{"a Jsonnet input", []emitters.Emitter{emitter("j", []emitters.File{{Path: "k/lib.libsonnet"}}, nil)}, "emitter j writes k/lib.libsonnet, which is an input of the description"},
		{"outside its roots", []emitters.Emitter{emitter("j", []emitters.File{{Path: "other/x.yaml"}}, nil)}, "emitter j writes other/x.yaml, outside its output roots (k)"},
		{"problems are positioned", []emitters.Emitter{emitter("p", nil, emitters.Problems{{Path: "nodes.a.disk", Msg: "no disk"}})}, "nodes.cue:3:2: error: nodes.a.disk: no disk"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files, _, err := Emit(context.Background(), d, tt.reg)
			if err == nil || !strings.HasPrefix(strings.TrimPrefix(err.Error(), "error: "), strings.TrimPrefix(tt.wantErr, "error: ")) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			if files != nil {
				t.Errorf("files = %v, want none on failure", files)
			}
		})
	}
}
