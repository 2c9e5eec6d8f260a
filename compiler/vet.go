package compiler

import (
	"context"
	"errors"

	"github.com/hogen-dev/hogen/compiler/inputs"
	"github.com/hogen-dev/hogen/compiler/model"
	"github.com/hogen-dev/hogen/compiler/sink"
	"github.com/hogen-dev/hogen/emitters"
)

// Vet checks the description in opts.Dir as far as it can without a key
// and without writing: Load (which checks the secret inputs' format), the
// emitters' checks, a keyless run of the emitters for the problems they
// report and the files no emitter may write, and the sink's manifest. An
// emitter that cannot run without its inputs (no Talos bundle yet) is left
// for build to report.
func Vet(ctx context.Context, opts Options, registry []emitters.Emitter) (*model.Description, Diagnostics, error) {
	opts.checks = registry
	d, diags, err := Load(ctx, opts)
	if err != nil {
		return d, diags, err
	}
	noKey := func(string) string { return "" }
	if _, err := inputs.Unlock(d, opts.Dir, noKey); err != nil {
		return d, diags, err
	}
	_, more, err := emit(ctx, d, registry, true, nil)
	var ds Diagnostics
	if err != nil && !errors.As(err, &ds) {
		return d, diags, err
	}
	manifest, err := sink.CheckManifest(opts.Dir)
	if err != nil {
		return d, diags, err
	}
	diags = append(append(diags, more...), manifest...).Sorted()
	if len(diags.Errors()) > 0 {
		return d, diags, diags
	}
	return d, diags, nil
}
