package importer

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"cuelang.org/go/cue/ast"
	"gopkg.in/yaml.v3"
)

// Doc is one parsed YAML input: the file it is in, where its text starts
// in that file (an inline patch is a block scalar inside talconfig.yaml),
// and what the importer learned about its scalars while resolving
// variables, so a value that cannot be carried over is reported where it
// was written.
type Doc struct {
	File string
	Root *yaml.Node
	// LineOff and ColOff move positions of Root's nodes to the file's.
	LineOff, ColOff int
	// Notes mark scalars whose value must not be carried over as it is.
	Notes map[*yaml.Node]Note
	// Refs, when set, moves a secret value out of the output: it returns
	// the expression that references the value (a Talos patch's
	// {$secret: name}) and the name, or nil when it cannot. Nil keeps
	// secret values out with a warning.
	Refs   func(value, field string) (ast.Expr, string)
	ws     *Warnings
	warned map[*yaml.Node]bool
}

// Note says why a scalar's value cannot be carried over. Variables are
// named; values never are.
type Note struct {
	// Unresolved are variables nothing sets.
	Unresolved []string
	// Secret are variables whose values come from an encrypted file.
	Secret []string
	// Template is set when the value is a Go template expression.
	Template bool
	// SecretFile is set when the value is a file's content that looks like
	// it holds a credential.
	SecretFile bool
}

// Blocks tells whether the note keeps the value out of the output.
func (n Note) Blocks() bool {
	return len(n.Unresolved) > 0 || len(n.Secret) > 0 || n.Template || n.SecretFile
}

// Reason is the warning text for a blocked value.
func (n Note) Reason() string {
	switch {
	case len(n.Unresolved) > 0:
		return fmt.Sprintf("uses %s, which no talenv file nor the environment sets: not imported; set the value here", vars(n.Unresolved))
	case len(n.Secret) > 0:
		return fmt.Sprintf("holds %s from an encrypted talenv file: hogen never writes such a value in clear; not imported (set it here if it is not secret, or pass --clear-var)", vars(n.Secret))
	case n.Template:
		return "is a Go template that talhelper evaluates against the generated config: hogen cannot evaluate it; not imported, set the value here"
	case n.SecretFile:
		return "looks like it holds a credential: hogen never writes one in clear and has no age recipient to encrypt it to in secrets.sops.yaml (pass --age-recipient); not imported, or add it by hand outside Git"
	}
	return ""
}

func vars(names []string) string {
	s := make([]string, len(names))
	for i, n := range names {
		s[i] = "${" + n + "}"
	}
	return strings.Join(s, ", ")
}

// ParseDocs parses every YAML document of src (named file in messages).
// Empty documents are skipped.
func ParseDocs(file string, src []byte, ws *Warnings) ([]*Doc, error) {
	dec := yaml.NewDecoder(strings.NewReader(string(src)))
	var out []*Doc
	for {
		var n yaml.Node
		if err := dec.Decode(&n); err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return nil, syntaxError(file, src, err)
		}
		if len(n.Content) == 0 {
			continue
		}
		out = append(out, &Doc{File: file, Root: resolve(n.Content[0]), Notes: map[*yaml.Node]Note{}, ws: ws})
	}
}

// Within places the doc's positions inside scalar n of outer (an inline
// patch): a block scalar's text starts on the line after its indicator,
// indented by indent columns; a quoted one where it is written.
func (d *Doc) Within(outer *Doc, n *yaml.Node, indent int) {
	line, col := outer.Pos(n)
	d.File = outer.File
	if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		d.LineOff, d.ColOff = line, indent
		return
	}
	d.LineOff, d.ColOff = line-1, col-1
}

// Pos is n's line and column in the file.
func (d *Doc) Pos(n *yaml.Node) (line, col int) {
	if n == nil {
		return 0, 0
	}
	return n.Line + d.LineOff, n.Column + d.ColOff
}

// Warn records a warning about n, input path field, whose TODO goes at
// output path at.
func (d *Doc) Warn(n *yaml.Node, field, at, format string, args ...any) {
	line, col := d.Pos(n)
	d.ws.Add(Warning{File: d.File, Line: line, Col: col, Field: field, Msg: fmt.Sprintf(format, args...), At: at})
}

// Usable tells whether scalar n may be carried over, warning (once) when
// not.
func (d *Doc) Usable(n *yaml.Node, field, at string) bool {
	note := d.note(n)
	if !note.Blocks() {
		return true
	}
	if !d.warned[n] {
		if d.warned == nil {
			d.warned = map[*yaml.Node]bool{}
		}
		d.warned[n] = true
		d.Warn(n, field, at, "%s", note.Reason())
	}
	return false
}

// Ref moves scalar n's secret value (a secret key's, or one its note
// marks as secret) to where d.Refs keeps it, warning which value moved;
// nil when it cannot: no Refs, not a string, or a value that is blocked
// for another reason (unresolved, a template).
func (d *Doc) Ref(n *yaml.Node, field, at string) ast.Expr {
	n = resolve(n)
	note := d.note(n)
	if d.Refs == nil || n == nil || n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" ||
		len(note.Unresolved) > 0 || note.Template {
		return nil
	}
	e, name := d.Refs(n.Value, field)
	if e != nil {
		d.Warn(n, field, at, "a secret: its value moved to secrets.sops.yaml as %q, referenced with {$secret: %q}", name, name)
	}
	return e
}

// Blocked tells whether any scalar at or under n may not be carried over.
func (d *Doc) Blocked(n *yaml.Node) bool {
	n = resolve(n)
	if n == nil {
		return false
	}
	if d.note(n).Blocks() {
		return true
	}
	for _, c := range n.Content {
		if d.Blocked(c) {
			return true
		}
	}
	return false
}

// note is what is known of scalar n; a Go template expression is seen in
// any value.
func (d *Doc) note(n *yaml.Node) Note {
	note := d.Notes[n]
	if n.Kind == yaml.ScalarNode && strings.Contains(n.Value, "{{") {
		note.Template = true
	}
	return note
}

// Warnings is where d's warnings go.
func (d *Doc) Warnings() *Warnings { return d.ws }
