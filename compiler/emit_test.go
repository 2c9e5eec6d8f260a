package compiler

import (
	"context"
	"errors"
	"testing"

	"github.com/hogen-dev/hogen/compiler/model"
	"github.com/hogen-dev/hogen/emitters"
)

func emitter(name string, files []emitters.File, err error) emitters.Emitter {
	return emitters.Func{ID: name, EmitFn: func(context.Context, *model.Description) ([]emitters.File, error) { return files, err }}
}

func TestEmitAllOrNothing(t *testing.T) {
	d := &model.Description{Pos: model.Positions{"nodes.a": {File: "nodes.cue", Line: 3, Col: 2}}}
	ok := emitter("ok", []emitters.File{{Path: "a.yaml"}}, nil)
	tests := []struct {
		name    string
		reg     []emitters.Emitter
		wantErr string
	}{
		{"failing emitter after a good one", []emitters.Emitter{ok, emitter("bad", nil, errors.New("boom"))}, "emitter bad: boom"},
		{"two emitters write one path", []emitters.Emitter{ok, emitter("dup", []emitters.File{{Path: "a.yaml"}}, nil)}, "emitters ok and dup both write a.yaml"},
		{"problems are positioned", []emitters.Emitter{emitter("p", nil, emitters.Problems{{Path: "nodes.a.disk", Msg: "no disk"}})}, "nodes.cue:3:2: error: nodes.a.disk: no disk"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files, _, err := Emit(context.Background(), d, tt.reg)
			if err == nil || err.Error() != tt.wantErr {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			if files != nil {
				t.Errorf("files = %v, want none on failure", files)
			}
		})
	}
}
