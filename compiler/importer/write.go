package importer

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hogen-dev/hogen/compiler"
	"github.com/hogen-dev/hogen/compiler/secrets"
	"github.com/hogen-dev/hogen/emitters"
	"github.com/hogen-dev/hogen/emitters/builtin"
)

// WriteOptions say where and how an import is written.
type WriteOptions struct {
	// Dir is the description directory.
	Dir string
	// Force replaces files that exist.
	Force bool
	// Getenv finds the age keys vet uses, as sops does.
	Getenv func(string) string
}

// ErrExists means a file the import would write is there already.
var ErrExists = errors.New("exists")

// Write checks r and writes it into opts.Dir, or writes nothing. The
// files are first searched for the secret values the importer read; then
// they are written to a temporary directory beside the description's other
// files and vetted there as `hogen vet` would (schema, cross-file checks,
// every emitter's checks); only a description that passes is moved into
// place. The diagnostics returned hold vet's warnings, or its errors as
// the error, positioned at the files' final paths.
func Write(ctx context.Context, r *Result, opts WriteOptions) (compiler.Diagnostics, error) {
	names := slices.Sorted(func(yield func(string) bool) {
		for n := range r.Files {
			if !yield(n) {
				return
			}
		}
	})
	if err := guard(r, names); err != nil {
		return nil, err
	}
	files := maps.Clone(r.Files)
	for _, n := range names {
		p := filepath.Join(opts.Dir, filepath.FromSlash(n))
		if _, err := os.Stat(p); err != nil {
			continue
		}
		if n == secrets.InputFile {
			// One import after another (the cluster, then its apps):
			// the values are added to the description's own.
			merged, err := addSecrets(p, files[n], opts.Getenv)
			if err != nil {
				return nil, err
			}
			files[n] = merged
			continue
		}
		if strings.HasSuffix(n, ".sops.yaml") {
			// A secrets bundle replaced is a cluster locked out.
			return nil, fmt.Errorf("%s %w, and an import never replaces a secret input: import into another directory with -o", p, ErrExists)
		}
		if !opts.Force {
			return nil, fmt.Errorf("%s %w: pass --force to overwrite it, or -o to write elsewhere", p, ErrExists)
		}
	}
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating %s: %w", opts.Dir, err)
	}
	tmp, err := os.MkdirTemp(opts.Dir, ".hogen-import-")
	if err != nil {
		return nil, fmt.Errorf("writing the import: %w", err)
	}
	defer os.RemoveAll(tmp)
	if err := stage(tmp, opts.Dir, files); err != nil {
		return nil, err
	}
	diags, err := vet(ctx, tmp, opts)
	if err != nil {
		return diags, err
	}
	for _, n := range names {
		dst := filepath.Join(opts.Dir, filepath.FromSlash(n))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return diags, fmt.Errorf("writing %s: %w", dst, err)
		}
		if err := os.Rename(filepath.Join(tmp, filepath.FromSlash(n)), dst); err != nil {
			return diags, fmt.Errorf("writing %s: %w", dst, err)
		}
	}
	return diags, nil
}

// addSecrets is the secrets file at path with the values of imported (the
// import's own, encrypted to the description's recipients) added, both
// opened with the user's age key as sops finds it.
func addSecrets(path string, imported []byte, getenv func(string) string) ([]byte, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	fail := func(err error) ([]byte, error) {
		return nil, fmt.Errorf("%s exists, and the import's secrets cannot be added to it: %w; nothing was written", path, err)
	}
	ids, err := secrets.LoadIdentities(getenv)
	if err != nil {
		return fail(err)
	}
	values, err := secrets.DecryptValues(imported, ids)
	if err != nil {
		return fail(fmt.Errorf("the import's values: %w", err))
	}
	existing, err := os.ReadFile(path)
	if err != nil {
		return fail(err)
	}
	merged, err := secrets.AddValues(existing, values, ids)
	if err != nil {
		return fail(fmt.Errorf("%w (give the import's values other names, or import into another directory with -o and set them with hogen secrets set)", err))
	}
	return merged, nil
}

// guard fails when a file that is not encrypted holds a secret value the
// importer read (a talenv value, a Talos key).
func guard(r *Result, names []string) error {
	var files []emitters.File
	for _, n := range names {
		files = append(files, emitters.File{Path: n, Data: r.Files[n], Secret: strings.HasSuffix(n, ".sops.yaml")})
	}
	if _, err := secrets.GuardLeaks(files, r.Secrets); err != nil {
		return fmt.Errorf("the import would write a secret in clear, so nothing was written (a bug in hogen's importer; please report it): %w", err)
	}
	return nil
}

// stage writes files into tmp beside copies of the description's other
// files (its .cue files and secret inputs), so the vet sees what the
// directory will hold.
func stage(tmp, dir string, files map[string][]byte) error {
	for _, pattern := range []string{"*.cue", "*.sops.yaml", "talos/*.sops.yaml"} {
		matches, _ := filepath.Glob(filepath.Join(dir, filepath.FromSlash(pattern)))
		for _, m := range matches {
			rel, err := filepath.Rel(dir, m)
			if err != nil || files[filepath.ToSlash(rel)] != nil {
				continue
			}
			b, err := os.ReadFile(m)
			if err != nil {
				return fmt.Errorf("reading %s: %w", m, err)
			}
			if err := writeNew(filepath.Join(tmp, rel), b); err != nil {
				return err
			}
		}
	}
	for n, b := range files {
		if err := writeNew(filepath.Join(tmp, filepath.FromSlash(n)), b); err != nil {
			return err
		}
	}
	return nil
}

func writeNew(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("writing the import: %w", err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("writing the import: %w", err)
	}
	return nil
}

// vet loads tmp as `hogen vet` does and names its files as in opts.Dir.
func vet(ctx context.Context, tmp string, opts WriteOptions) (compiler.Diagnostics, error) {
	d, diags, err := compiler.Load(ctx, compiler.Options{Dir: tmp, Getenv: opts.Getenv})
	if err == nil {
		diags = append(diags, compiler.CheckEmitters(d, builtin.All())...)
	}
	// A message naming another position names it in the staging
	// directory too.
	staged, final := tmp+string(filepath.Separator), ""
	if d := filepath.Clean(opts.Dir); d != "." {
		final = d + string(filepath.Separator)
	}
	for i := range diags {
		diags[i].Msg = strings.ReplaceAll(diags[i].Msg, staged, final)
		diags[i].Fix = strings.ReplaceAll(diags[i].Fix, staged, final)
		if f := diags[i].Pos.File; f != "" {
			if rel, rerr := filepath.Rel(tmp, f); rerr == nil && !strings.HasPrefix(rel, "..") {
				diags[i].Pos.File = filepath.Join(opts.Dir, rel)
			}
		}
	}
	diags = diags.Sorted()
	if err == nil && len(diags.Errors()) > 0 {
		err = diags
	}
	var ds compiler.Diagnostics
	if err != nil && !errors.As(err, &ds) {
		return diags, fmt.Errorf("vetting the import: %w", err)
	}
	if err != nil {
		return diags, diags
	}
	return diags, nil
}
