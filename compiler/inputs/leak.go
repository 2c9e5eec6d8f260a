package inputs

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/hogen-dev/hogen/compiler/diag"
	"github.com/hogen-dev/hogen/compiler/model"
	"github.com/hogen-dev/hogen/compiler/secrets"
	"github.com/hogen-dev/hogen/emitters"
	"github.com/hogen-dev/hogen/emitters/talos"
)

// GuardLeaks fails when a file that is not encrypted holds a secret value
// hogen knows: the input secrets and the Talos key material (the bundle's
// keys and tokens, and the admin client key). It names the
// file and the secret, never the value. Values too short to scan for come
// back as warnings.
func GuardLeaks(d *model.Description, files []emitters.File) (diag.Diagnostics, error) {
	named := maps.Clone(d.Inputs.Secrets)
	if named == nil {
		named = map[string]string{}
	}
	for file, plain := range map[string][]byte{talos.SecretsFile: d.Inputs.TalosSecrets, talos.ClientFile: d.Inputs.TalosClient} {
		if plain == nil {
			continue
		}
		km, err := secrets.FlattenYAML(file, plain, secrets.TalosKeyMaterial)
		if err != nil {
			return nil, err
		}
		maps.Copy(named, km)
	}
	warns, err := secrets.GuardLeaks(files, named)
	var diags diag.Diagnostics
	for _, w := range warns {
		diags = append(diags, diag.Diagnostic{Warning: true, Path: "secrets." + w.Secret, Msg: w.Msg})
	}
	var le *secrets.LeakError
	if !errors.As(err, &le) {
		return diags, err
	}
	leaks := leakDiagnostics(d, le.Leaks, named)
	return append(diags, leaks...), leaks
}

// leakDiagnostics says each leak at the place in the description where
// the value was pasted, when it stands there as written, and how to
// reference the secret instead. A value pasted nowhere the user wrote
// (key material, say) has no position, only the output file.
func leakDiagnostics(d *model.Description, leaks []secrets.Leak, named map[string]string) diag.Diagnostics {
	srcs := sourcesOf(d)
	ds := make(diag.Diagnostics, 0, len(leaks))
	for _, l := range leaks {
		fix := fmt.Sprintf("reference the secret by name instead of pasting its value: in an app, secrets: <Secret>: <key>: %q, or cluster.substitutions.secrets for a ${VARIABLE}", l.Secret)
		if strings.HasPrefix(l.File, talos.Dir+"/") {
			fix = fmt.Sprintf("reference the secret where the value stands: {$secret: %q} in a Talos patch ({$concat: [...]} inside a longer string); hogen puts the value in and encrypts that field", l.Secret)
		}
		ds = append(ds, diag.Diagnostic{
			Pos:  pastedAt(srcs, named[l.Secret]),
			Path: "secrets." + l.Secret,
			Msg:  fmt.Sprintf("%s would hold the value of secret %q in clear (%s)", l.File, l.Secret, l.Form),
			Fix:  fix,
		})
	}
	return ds
}

type source struct {
	name string
	data []byte
}

// sourcesOf reads the description's .cue files, those its positions name,
// in name order. A file that cannot be read is left out: it only costs a
// position.
func sourcesOf(d *model.Description) []source {
	var names []string
	for _, p := range d.Pos {
		if strings.HasSuffix(p.File, ".cue") && !slices.Contains(names, p.File) {
			names = append(names, p.File)
		}
	}
	slices.Sort(names)
	srcs := make([]source, 0, len(names))
	for _, n := range names {
		if b, err := os.ReadFile(n); err == nil {
			srcs = append(srcs, source{n, b})
		}
	}
	return srcs
}

// pastedAt is the first place in srcs where value stands as written: as
// is, escaped as a CUE or JSON string holds it, or, for a value of several
// lines, one of its lines.
func pastedAt(srcs []source, value string) model.Pos {
	forms := []string{value}
	if q := strconv.Quote(value); q[1:len(q)-1] != value {
		forms = append(forms, q[1:len(q)-1])
	}
	for line := range strings.Lines(value) {
		if line = strings.TrimSpace(line); len(line) >= secrets.MinScanLength && line != value {
			forms = append(forms, line)
		}
	}
	for _, f := range forms {
		for _, s := range srcs {
			if i := bytes.Index(s.data, []byte(f)); i >= 0 {
				if i > 0 && s.data[i-1] == '"' {
					i-- // at the string, as CUE points
				}
				before := s.data[:i]
				line := bytes.Count(before, []byte("\n")) + 1
				col := i - (bytes.LastIndexByte(before, '\n') + 1) + 1
				return model.Pos{File: s.name, Line: line, Col: col}
			}
		}
	}
	return model.Pos{}
}
