package importer

import (
	"regexp"
	"slices"
	"strings"

	"github.com/a8m/envsubst/parse"
	"gopkg.in/yaml.v3"
)

// varRef finds the variables a value names: $NAME and ${NAME...}, not $$.
var varRef = regexp.MustCompile(`\$\$|\$\{?([A-Za-z0-9_]+)`)

// Envsubst substitutes s as talhelper does, with the envsubst library it
// uses (a8m/envsubst: $VAR, ${VAR}, ${VAR:-default}, $$ for $), an unset
// or empty variable being an error. lookup finds a variable's value. It
// returns the variables s names, and those without a value (then out is
// not to be used).
func Envsubst(s string, lookup func(string) string) (out string, names, missing []string) {
	if !strings.Contains(s, "$") {
		return s, nil, nil
	}
	var environ []string
	for _, m := range varRef.FindAllStringSubmatch(s, -1) {
		name := m[1]
		if name == "" || slices.Contains(names, name) {
			continue
		}
		names = append(names, name)
		if v := lookup(name); v != "" {
			environ = append(environ, name+"="+v)
		} else {
			missing = append(missing, name)
		}
	}
	out, err := parse.New("input", environ, parse.Strict).Parse(s)
	if err != nil && len(missing) == 0 {
		missing = names
	}
	return out, names, missing
}

// Substitute replaces every scalar value of d by f's result; a value whose
// note blocks it keeps its text and gets the note. A plain scalar's type is
// resolved again from its new value, as substituting before parsing gives.
func (d *Doc) Substitute(f func(string) (string, Note)) {
	walkScalars(d.Root, func(n *yaml.Node) { d.substScalar(n, f) })
}

// SubstituteExcept is Substitute skipping the values of the keys named.
func (d *Doc) SubstituteExcept(f func(string) (string, Note), skip ...string) {
	walkScalars(d.Root, func(n *yaml.Node) { d.substScalar(n, f) }, skip...)
}

func walkScalars(n *yaml.Node, f func(*yaml.Node), skip ...string) {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if slices.Contains(skip, n.Content[i].Value) {
				continue
			}
			// Keys too: talhelper substitutes the whole text ($$patch).
			f(n.Content[i])
			walkScalars(n.Content[i+1], f, skip...)
		}
	case yaml.SequenceNode:
		for _, c := range n.Content {
			walkScalars(c, f, skip...)
		}
	case yaml.ScalarNode:
		f(n)
	}
}

func (d *Doc) substScalar(n *yaml.Node, f func(string) (string, Note)) {
	out, note := f(n.Value)
	if note.Blocks() {
		d.Notes[n] = note
		return
	}
	if out == n.Value {
		return
	}
	n.Value = out
	if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) == 0 {
		n.Tag = ""
	}
}
