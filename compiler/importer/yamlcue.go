package importer

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/literal"
	"cuelang.org/go/cue/token"
	"gopkg.in/yaml.v3"
)

// ValueOptions say how Value writes YAML as CUE.
type ValueOptions struct {
	// Comments keeps the YAML comments (above a key or an item, or after
	// a value) as // comments right before the field or item, where
	// hogen's Renovate preset reads `// renovate:` lines.
	Comments bool
	// Field, if set, is called for every field made from a mapping, with
	// the mapping, so a caller can add comments (a `// renovate:` line on
	// an image tag).
	Field func(mapping *yaml.Node, key string, f *ast.Field)
}

// Value is the CUE expression for the YAML value n, as written: keys in
// their order, anchors and merge keys (<<) expanded into plain values,
// multi-line strings as CUE's multi-line literals. Unlike Doc.Expr it
// keeps every value: it is for values that are data (chart values,
// manifests), not configuration hogen interprets.
func Value(n *yaml.Node, opts ValueOptions) (ast.Expr, error) {
	n = resolve(n)
	switch n.Kind {
	case yaml.MappingNode:
		return mappingValue(n, opts)
	case yaml.SequenceNode:
		l := make([]ast.Expr, 0, len(n.Content))
		for _, c := range n.Content {
			e, err := Value(c, opts)
			if err != nil {
				return nil, err
			}
			if opts.Comments {
				itemComment(e, yamlComments(c))
			}
			l = append(l, e)
		}
		return valueList(l), nil
	case yaml.ScalarNode:
		return scalarValue(n)
	}
	return nil, fmt.Errorf("line %d: unsupported YAML node", n.Line)
}

// valueList is a list literal: on one line when it holds only plain
// values, else one item per line. An item with comments gets no line
// break of its own (its comment makes one): cue/format would print the
// comment twice.
func valueList(l []ast.Expr) *ast.ListLit {
	list := ast.NewList(l...)
	multi := false
	for _, e := range l {
		switch e.(type) {
		case *ast.StructLit, *ast.ListLit:
			multi = true
		}
		multi = multi || len(ast.Comments(e)) > 0
	}
	if !multi {
		return list
	}
	for _, e := range l {
		if len(ast.Comments(e)) == 0 {
			ast.SetRelPos(e, token.Newline)
		}
	}
	list.Rbrack = token.Newline.Pos()
	return list
}

// itemComment puts the comments above a list item before it: on its
// first field when it is a struct (cue/format prints a struct's own
// comments twice inside a list).
func itemComment(e ast.Expr, lines []string) {
	if st, ok := e.(*ast.StructLit); ok && len(st.Elts) > 0 {
		if f, ok := st.Elts[0].(*ast.Field); ok {
			cg := &ast.CommentGroup{Doc: true}
			for _, l := range lines {
				cg.List = append(cg.List, &ast.Comment{Text: "// " + l})
			}
			if len(lines) > 0 {
				ast.SetComments(f, append([]*ast.CommentGroup{cg}, ast.Comments(f)...))
			}
			return
		}
	}
	Comment(e, lines...)
}

func mappingValue(n *yaml.Node, opts ValueOptions) (ast.Expr, error) {
	var s Struct
	for _, kv := range mappingPairs(n) {
		k, v := kv[0], kv[1]
		e, err := Value(v, opts)
		if err != nil {
			return nil, err
		}
		f := s.field(k.Value, e)
		if opts.Comments {
			Comment(f, append(yamlComments(k), lineComment(v)...)...)
		}
		if opts.Field != nil {
			opts.Field(n, k.Value, f)
		}
	}
	return s.Expr(), nil
}

// mappingPairs are the key/value pairs of mapping n with YAML merge keys
// (<<) expanded: the merged mappings' keys first, the first mapping to
// give a key winning, then n's own keys, which win over all of them.
func mappingPairs(n *yaml.Node) [][2]*yaml.Node {
	var own, merges [][2]*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		kv := [2]*yaml.Node{n.Content[i], n.Content[i+1]}
		if kv[0].Kind == yaml.ScalarNode && kv[0].ShortTag() == "!!merge" {
			merges = append(merges, kv)
		} else {
			own = append(own, kv)
		}
	}
	if len(merges) == 0 {
		return own
	}
	seen := map[string]bool{}
	for _, kv := range own {
		seen[kv[0].Value] = true
	}
	var out [][2]*yaml.Node
	for _, m := range merges {
		v := resolve(m[1])
		srcs := []*yaml.Node{v}
		if v.Kind == yaml.SequenceNode {
			srcs = v.Content
		}
		for _, src := range srcs {
			if src = resolve(src); src.Kind != yaml.MappingNode {
				continue
			}
			for _, kv := range mappingPairs(src) {
				if !seen[kv[0].Value] {
					seen[kv[0].Value] = true
					out = append(out, kv)
				}
			}
		}
	}
	return append(out, own...)
}

// field adds label: v, quoting the label where CUE would read it as
// something else (a hidden field, a definition, a keyword).
func (s *Struct) field(label string, v ast.Expr) *ast.Field {
	f := &ast.Field{Label: Label(label), Value: v}
	s.elts = append(s.elts, f)
	return f
}

// cueKeywords may not be written as plain labels.
var cueKeywords = []string{"package", "import", "for", "in", "if", "let", "true", "false", "null", "func"}

// Label is label as a CUE field label: an identifier where CUE reads it
// as the same name, a quoted string otherwise.
func Label(label string) ast.Label {
	if ast.StringLabelNeedsQuoting(label) || slices.Contains(cueKeywords, label) || strings.HasPrefix(label, "__") {
		return ast.NewString(label)
	}
	return ast.NewIdent(label)
}

func scalarValue(n *yaml.Node) (ast.Expr, error) {
	switch n.ShortTag() {
	case "!!str", "!!timestamp", "!!binary", "":
		// Kubernetes reads a timestamp as the string it is written as.
		return stringLit(n.Value), nil
	}
	e, err := scalar(n)
	if err != nil {
		return nil, fmt.Errorf("line %d: %q is not a %s", n.Line, n.Value, strings.TrimPrefix(n.ShortTag(), "!!"))
	}
	return e, nil
}

// stringLit is s as a CUE string, multi-line when it holds newlines.
func stringLit(s string) *ast.BasicLit {
	return &ast.BasicLit{Kind: token.STRING, Value: literal.String.WithOptionalTabIndent(1).Quote(s)}
}

// yamlComments are the comments above n (a key or an item), one per line,
// without their #. A yaml-language-server schema line is an editor's, not
// the author's: left out.
func yamlComments(n *yaml.Node) []string {
	return commentLines(n.HeadComment, n.LineComment)
}

// lineComment is the comment after a scalar value on its line.
func lineComment(v *yaml.Node) []string {
	if v.Kind != yaml.ScalarNode {
		return nil
	}
	return commentLines(v.LineComment)
}

func commentLines(texts ...string) []string {
	var out []string
	for _, t := range texts {
		for _, l := range strings.Split(t, "\n") {
			l = strings.TrimSpace(l)
			if !strings.HasPrefix(l, "#") {
				continue
			}
			l = strings.TrimSpace(strings.TrimLeft(l, "#"))
			if l == "" || strings.HasPrefix(l, "yaml-language-server:") {
				continue
			}
			out = append(out, l)
		}
	}
	return out
}

// Any is the CUE expression for a value decoded from YAML or JSON (maps,
// lists, strings, numbers, booleans, null), map keys sorted.
func Any(v any) ast.Expr {
	switch x := v.(type) {
	case nil:
		return ast.NewNull()
	case bool:
		return ast.NewBool(x)
	case string:
		return stringLit(x)
	case map[string]any:
		var s Struct
		for _, k := range slices.Sorted(maps.Keys(x)) {
			s.field(k, Any(x[k]))
		}
		return s.Expr()
	case []any:
		l := make([]ast.Expr, len(x))
		for i, e := range x {
			l[i] = Any(e)
		}
		return valueList(l)
	case json.Number:
		if strings.ContainsAny(string(x), ".eE") {
			return ast.NewLit(token.FLOAT, string(x))
		}
		return ast.NewLit(token.INT, string(x))
	case int:
		return ast.NewLit(token.INT, strconv.Itoa(x))
	case int64:
		return ast.NewLit(token.INT, strconv.FormatInt(x, 10))
	case uint64:
		return ast.NewLit(token.INT, strconv.FormatUint(x, 10))
	case float64:
		s := strconv.FormatFloat(x, 'g', -1, 64)
		if !strings.ContainsAny(s, ".eE") {
			s += ".0"
		}
		return ast.NewLit(token.FLOAT, s)
	}
	return stringLit(fmt.Sprint(v))
}
