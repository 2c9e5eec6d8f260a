package talhelper

import (
	"fmt"
	"regexp"
	"strings"

	"cuelang.org/go/cue/ast"
	"gopkg.in/yaml.v3"

	"github.com/hogen-dev/hogen/compiler/importer"
	"github.com/hogen-dev/hogen/compiler/secrets"
)

// A secret value of the input (a WireGuard private key, a LUKS
// passphrase, a talenv value from an encrypted file, a file that looks
// like a credential) moves to secrets.sops.yaml, encrypted to the
// cluster's age recipients, and the Talos patch that held it references it
// by name ({$secret: name}); the build puts it back. Without a recipient
// there is nowhere to keep it, and it is left out with a warning.

var (
	indexes   = regexp.MustCompile(`\[\d+\]`)
	nameChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)
)

// ref keeps value in secrets.sops.yaml under a name made from the input
// field that held it, and is the reference to it; nil without a recipient.
func (im *imp) ref(value, field string) (ast.Expr, string) {
	if len(im.c.AgeRecipients) == 0 {
		return nil, ""
	}
	if im.moved == nil {
		im.moved = map[string]string{}
	}
	parts := strings.Split(indexes.ReplaceAllString(field, ""), ".")
	base := strings.Trim(nameChars.ReplaceAllString(strings.Join(parts[max(0, len(parts)-2):], "-"), "-"), "-._")
	name := base
	for i := 2; ; i++ {
		if v, ok := im.moved[name]; (!ok || v == value) && secrets.ValidName(name) == nil {
			break
		}
		name = fmt.Sprintf("%s-%d", base, i)
	}
	im.moved[name] = value
	var s importer.Struct
	s.Set("$secret", ast.NewString(name))
	return s.Expr(), name
}

// moveContent moves a file entry's content to secrets.sops.yaml, warning
// at its content field; nil when it cannot.
func (im *imp) moveContent(f *importer.Obj, content, what string) ast.Expr {
	e, name := im.ref(content, f.Field("content"))
	if e != nil {
		f.Warn("content", "%s: the content moved to secrets.sops.yaml as %q, referenced with {$secret: %q}", what, name, name)
	}
	return e
}

// secretsFile is secrets.sops.yaml with the moved values, encrypted; nil
// when none moved.
func (im *imp) secretsFile() ([]byte, error) {
	if len(im.moved) == 0 {
		return nil, nil
	}
	plain, err := yaml.Marshal(im.moved)
	if err != nil {
		return nil, err
	}
	b, err := secrets.Encrypt(plain, im.c.AgeRecipients, "")
	if err != nil {
		return nil, fmt.Errorf("encrypting %s: %w", secrets.InputFile, err)
	}
	return b, nil
}
