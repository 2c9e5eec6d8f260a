package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hogen-dev/hogen/compiler"
	"github.com/hogen-dev/hogen/compiler/inputs"
	"github.com/hogen-dev/hogen/compiler/model"
)

// dirArg is the description directory: the first argument, or ".".
func dirArg(args []string) string {
	if len(args) > 0 {
		return args[0]
	}
	return "."
}

// report prints diagnostics (warnings too) and turns bad input into
// errReported so Main exits 1 without printing it again.
func report(env *Env, diags compiler.Diagnostics, err error) error {
	diags.Print(env.Stderr)
	var ds compiler.Diagnostics
	if errors.As(err, &ds) {
		return errReported
	}
	return err
}

// loadDescription loads and checks the description in dir, printing any
// warnings; bad input is printed and returned as errReported.
func loadDescription(ctx context.Context, env *Env, dir string) (*model.Description, error) {
	d, diags, err := compiler.Load(ctx, compiler.Options{Dir: dir})
	if rerr := report(env, diags, err); rerr != nil {
		return nil, rerr
	}
	return d, nil
}

// loadUnlocked is loadDescription with the secret inputs decrypted into
// d.Inputs, for commands that need their values (talos config).
func loadUnlocked(ctx context.Context, env *Env, dir string) (*model.Description, error) {
	d, err := loadDescription(ctx, env, dir)
	if err != nil {
		return nil, err
	}
	u, err := inputs.Unlock(d, dir, env.Getenv)
	if err != nil {
		var ds compiler.Diagnostics
		errors.As(err, &ds)
		return nil, report(env, ds, err)
	}
	if len(u.Locked) > 0 {
		return nil, fmt.Errorf("%s: set SOPS_AGE_KEY_FILE or SOPS_AGE_KEY to the key of one of cluster.sops.ageRecipients", lockedReason(u))
	}
	return d, nil
}

// lockedReason says why secret inputs stayed locked: no key found, or keys
// that are none of the recipients, which it names.
func lockedReason(u *inputs.Unlocked) string {
	if len(u.Need) > 0 {
		return fmt.Sprintf("the age keys found (public keys: %s; looked in: %s) open none of %s: they are encrypted to %s, and need the private key of one of those",
			strings.Join(u.Identities.Recipients(), ", "), u.Identities.Searched(), strings.Join(u.Locked, ", "), strings.Join(u.Need, ", "))
	}
	return fmt.Sprintf("no age key opens %s (looked in: %s)", strings.Join(u.Locked, ", "), u.Identities.Searched())
}
