package talhelper

import (
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"slices"

	"github.com/joho/godotenv"

	"github.com/hogen-dev/hogen/compiler/importer"
)

// envFiles are the files talhelper reads variables from, beside
// talconfig.yaml, in its order. talhelper sets each file's variables in the
// process environment as it reads them, so a later file's value wins, and
// any file's value wins over the environment's.
var envFiles = []string{"talenv.yaml", "talenv.sops.yaml", "talenv.yml", "talenv.sops.yml"}

// env resolves ${VAR} as talhelper does: envsubst syntax (a8m/envsubst,
// the library talhelper uses), an unset or empty variable being an error.
type env struct {
	vals map[string]string
	// secret names the variables read from encrypted files, and which.
	secret map[string]string
	getenv func(string) string
	// secretValues are the decrypted values, for the leak guard.
	secretValues map[string]string
}

// loadEnv reads the talenv files in fsys, decrypting SOPS ones with the
// age keys sops would find (as talhelper does).
func loadEnv(fsys fs.FS, opts importer.Options, keys *importer.Keyring) (*env, error) {
	e := &env{vals: map[string]string{}, secret: map[string]string{}, getenv: opts.Getenv, secretValues: map[string]string{}}
	if e.getenv == nil {
		e.getenv = func(string) string { return "" }
	}
	if fsys == nil {
		return e, nil
	}
	for _, name := range envFiles {
		b, err := fs.ReadFile(fsys, name)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", name, err)
		}
		encrypted := importer.IsSOPS(b)
		if encrypted {
			if b, err = keys.Open(name, b); err != nil {
				return nil, err
			}
		}
		// talhelper's own reading: YAML document markers dropped, then
		// dotenv parsing, which takes "key: value" lines.
		vals, err := godotenv.Unmarshal(docMarker.ReplaceAllString(string(b), "\n"))
		if err != nil {
			return nil, fmt.Errorf("reading %s: %v", name, err)
		}
		for k, v := range vals {
			e.vals[k] = v
			delete(e.secret, k)
			if encrypted && !slices.Contains(opts.ClearVars, k) {
				e.secret[k] = name
				e.secretValues[name+":"+k] = v
			}
		}
	}
	return e, nil
}

var docMarker = regexp.MustCompile(`(?m)^---\n`)

// lookup is a variable's value: a talenv file's, else the environment's.
func (e *env) lookup(name string) string {
	if v, ok := e.vals[name]; ok {
		return v
	}
	return e.getenv(name)
}

// subst substitutes s. The note says why the result may not be written:
// a variable nothing sets, or one from an encrypted file.
func (e *env) subst(s string) (string, importer.Note) {
	out, names, missing := importer.Envsubst(s, e.lookup)
	note := importer.Note{Unresolved: missing}
	for _, n := range names {
		if _, secret := e.secret[n]; secret && !slices.Contains(missing, n) {
			note.Secret = append(note.Secret, n)
		}
	}
	return out, note
}

// apply substitutes every scalar value of d, except the patches, which are
// YAML themselves and substituted once parsed (so a variable is reported
// at its own line).
func (e *env) apply(d *importer.Doc) { d.SubstituteExcept(e.subst, "patches") }
