package talhelper

import (
	"fmt"
	"io/fs"
	"path"
	"strings"

	"cuelang.org/go/cue/ast"
	"gopkg.in/yaml.v3"

	"github.com/hogen-dev/hogen/compiler/importer"
)

// patch is one document of a patches: entry, parsed and substituted, kept
// as YAML until it is written so the node's network can take from it what
// the node model carries.
type patch struct {
	doc *importer.Doc
	// field is its path in the input, at where its TODOs go.
	field, at string
}

func (p patch) expr() (ast.Expr, error) { return p.doc.Expr(p.doc.Root, p.field, p.at) }

// patches reads o's patches: inline YAML, or "@file" read beside
// talconfig.yaml, each substituted as talhelper does. A patch with several
// documents gives one patch per document.
func (im *imp) patches(o *importer.Obj) ([]patch, error) {
	n := o.Raw("patches")
	if n == nil {
		return nil, nil
	}
	if n.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("%s:%d: %s: want a list of patches", o.File(), n.Line, o.Field("patches"))
	}
	var out []patch
	for i, e := range n.Content {
		field := fmt.Sprintf("%s[%d]", o.Field("patches"), i)
		docs, err := im.patchDocs(o, e, field)
		if err != nil {
			return nil, err
		}
		for _, d := range docs {
			im.env.apply(d)
			out = append(out, patch{doc: d, field: field, at: o.Out()})
		}
	}
	return out, nil
}

func (im *imp) patchDocs(o *importer.Obj, e *yaml.Node, field string) ([]*importer.Doc, error) {
	if e.Kind != yaml.ScalarNode {
		return nil, importer.InputError(o.File(), e.Line, e.Column, field, `want a patch as a YAML string or "@file"`, `write the patch as a block string (- |-) or as "@./file.yaml"`)
	}
	name, isFile := strings.CutPrefix(strings.TrimSpace(e.Value), "@")
	if !isFile {
		docs, err := importer.ParseDocs(o.File(), []byte(e.Value), im.ws)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %s: %w", o.File(), e.Line, field, err)
		}
		for _, d := range docs {
			d.Within(o.Doc(), e, im.blockIndent(e))
			d.Refs = im.ref
		}
		return docs, nil
	}
	b, file, err := im.readBeside(name)
	if err != nil {
		o.Doc().Warn(e, field, o.Out(), "patch %s not imported: %v", name, err)
		return nil, nil
	}
	if importer.IsSOPS(b) {
		o.Doc().Warn(e, field, o.Out(), "patch %s is SOPS-encrypted: hogen does not yet decrypt a patch to move its values to secrets.sops.yaml; not imported", name)
		return nil, nil
	}
	docs, err := importer.ParseDocs(file, b, im.ws)
	for _, d := range docs {
		d.Refs = im.ref
	}
	return docs, err
}

// readBeside reads a file an "@" names, relative to talconfig.yaml's
// directory; the name returned is the file's path as messages give it.
func (im *imp) readBeside(name string) ([]byte, string, error) {
	if im.fsys == nil {
		return nil, "", fmt.Errorf("no directory to read it from")
	}
	p := path.Clean(strings.TrimPrefix(strings.TrimSpace(name), "./"))
	if !fs.ValidPath(p) {
		return nil, "", fmt.Errorf("the path leaves talconfig.yaml's directory")
	}
	b, err := fs.ReadFile(im.fsys, p)
	if err != nil {
		return nil, "", fmt.Errorf("reading it: %w", err)
	}
	return b, path.Join(path.Dir(im.file), p), nil
}

// blockIndent is the indentation of a block scalar's content in
// talconfig.yaml, so positions in an inline patch are the file's; other
// scalars keep the column they start at.
func (im *imp) blockIndent(n *yaml.Node) int {
	if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) == 0 {
		return n.Column
	}
	lines := strings.Split(string(im.src), "\n")
	for _, l := range lines[min(n.Line, len(lines)):] {
		if strings.TrimSpace(l) != "" {
			return len(l) - len(strings.TrimLeft(l, " "))
		}
	}
	return 0
}
