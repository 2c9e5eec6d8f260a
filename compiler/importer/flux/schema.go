package flux

import (
	"encoding/json"
	"fmt"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
	cueerrors "cuelang.org/go/cue/errors"

	"github.com/hogen-dev/hogen/compiler/load"
)

// schema is hogen's schema, for the defaults an import writes against and
// the fragments it checks before writing them (a field the schema refuses
// would fail the whole import at vet).
type schema struct {
	ctx *cue.Context
	pkg cue.Value
}

func loadSchema() (*schema, error) {
	ctx := cuecontext.New()
	pkg, err := load.Schema(ctx)
	if err != nil {
		return nil, err
	}
	return &schema{ctx: ctx, pkg: pkg}, nil
}

// defaults are hogen's own cluster.flux.defaults, as the schema sets them.
func (s *schema) defaults() (defaults, error) {
	v := s.pkg.LookupPath(cue.ParsePath("#Cluster.flux.defaults"))
	var d struct {
		Kustomization map[string]any `json:"kustomization"`
		HelmRelease   map[string]any `json:"helmRelease"`
		Source        struct {
			Interval string `json:"interval"`
		} `json:"source"`
	}
	if err := v.Decode(&d); err != nil {
		return defaults{}, fmt.Errorf("hogen's schema: cluster.flux.defaults: %w", err)
	}
	ks, _ := canon(d.Kustomization).(map[string]any)
	hr, _ := canon(d.HelmRelease).(map[string]any)
	return defaults{kustomization: ks, helmRelease: hr, sourceInterval: d.Source.Interval}, nil
}

// check returns why value does not fit the definition at def, or "".
func (s *schema) check(def string, value any) string {
	v := s.pkg.LookupPath(cue.ParsePath(def)).Unify(s.ctx.Encode(numbers(value)))
	err := v.Validate(cue.Concrete(true))
	if err == nil {
		return ""
	}
	// Of a disjunction's errors, the one about the value's own type says
	// what is wrong; the others list what it is not (null, ...).
	msg := ""
	for _, e := range cueerrors.Errors(err) {
		f, args := e.Msg()
		m := fmt.Sprintf(f, args...)
		if strings.Contains(m, "empty disjunction") || strings.Contains(m, "and null") {
			continue
		}
		msg = strings.TrimPrefix(strings.Join(e.Path(), "."), def+".") + ": " + m
		break
	}
	if msg == "" {
		msg = err.Error()
	}
	return "hogen's schema refuses it (" + msg + ")"
}

// numbers is v with JSON numbers as Go numbers, as CUE encodes them.
func numbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = numbers(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = numbers(e)
		}
		return out
	}
	return v
}

func (s *schema) releasePolicy(p map[string]any) string { return s.check("#HelmReleasePolicy", p) }
