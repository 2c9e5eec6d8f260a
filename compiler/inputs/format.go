package inputs

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/hogen-dev/hogen/compiler/diag"
	"github.com/hogen-dev/hogen/compiler/model"
	"github.com/hogen-dev/hogen/compiler/secrets"
)

// CheckFormat checks, without a key, that each of the secret inputs rels
// (of SecretInputs) in dir is a whole SOPS file, and reports one that is
// not (cut short, hand-broken) at its file:line:col. Such a file cannot be
// rebuilt: it holds the only copy of what it encrypts, so the fix is to
// restore it, never to remove it.
func CheckFormat(dir string, rels ...string) (diag.Diagnostics, error) {
	var ds diag.Diagnostics
	for _, rel := range rels {
		b, err := readInput(dir, rel)
		if err != nil {
			return nil, err
		}
		if b == nil {
			continue
		}
		err = secrets.CheckFormat(b, rel == secrets.InputFile)
		var fe *secrets.FormatError
		if errors.As(err, &fe) {
			fix := fmt.Sprintf("restore it from Git (git checkout -- %s): it holds the only copy of what it encrypts, and hogen cannot remake it", rel)
			if fe.Entry {
				fix = fmt.Sprintf("correct that entry with 'hogen secrets set', or restore the file from Git (git checkout -- %s)", rel)
			}
			ds = append(ds, diag.Diagnostic{
				Pos: model.Pos{File: filepath.Join(dir, filepath.FromSlash(rel)), Line: fe.Line, Col: fe.Col},
				Msg: fe.Msg, Fix: fix,
			})
		}
	}
	return ds, nil
}
