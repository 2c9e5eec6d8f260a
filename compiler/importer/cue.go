package importer

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/format"
	"cuelang.org/go/cue/token"
	"gopkg.in/yaml.v3"

	"github.com/hogen-dev/hogen/emitters/talos"
)

// Struct builds a CUE struct literal field by field, in the order set.
type Struct struct {
	elts []ast.Decl
}

// Set adds label: v and returns the field, so comments can be attached.
func (s *Struct) Set(label string, v ast.Expr) *ast.Field {
	f := &ast.Field{Label: ast.NewStringLabel(label), Value: v}
	s.elts = append(s.elts, f)
	return f
}

// SetIf adds label: v unless v is nil.
func (s *Struct) SetIf(label string, v ast.Expr) {
	if v != nil {
		s.Set(label, v)
	}
}

// Append adds o's fields after s's.
func (s *Struct) Append(o *Struct) { s.elts = append(s.elts, o.elts...) }

// Len is the number of fields set.
func (s *Struct) Len() int { return len(s.elts) }

// Expr returns the struct literal, on several lines.
func (s *Struct) Expr() *ast.StructLit {
	st := ast.NewStruct()
	for _, e := range s.elts {
		// One field per line: the way people write descriptions.
		ast.SetRelPos(e, token.Newline)
	}
	st.Elts = s.elts
	st.Lbrace = token.Blank.Pos()
	st.Rbrace = token.Newline.Pos()
	return st
}

// Str is a string literal, or nil for "" so SetIf skips it.
func Str(s string) ast.Expr {
	if s == "" {
		return nil
	}
	return ast.NewString(s)
}

// Strs is a list of strings, or nil when empty.
func Strs(ss []string) ast.Expr {
	if len(ss) == 0 {
		return nil
	}
	l := make([]ast.Expr, len(ss))
	for i, s := range ss {
		l[i] = ast.NewString(s)
	}
	return ast.NewList(l...)
}

// Int is an integer literal, or nil for 0.
func Int(i int) ast.Expr {
	if i == 0 {
		return nil
	}
	return ast.NewLit(token.INT, strconv.Itoa(i))
}

// List is a list literal; a list of structs gets one element per line.
func List(l ...ast.Expr) *ast.ListLit {
	list := ast.NewList(l...)
	for _, e := range l {
		if _, ok := e.(*ast.StructLit); ok {
			for _, e := range l {
				ast.SetRelPos(e, token.Newline)
			}
			list.Rbrack = token.Newline.Pos()
			break
		}
	}
	return list
}

// Comment puts lines as `// ` comments right before n.
func Comment(n ast.Node, lines ...string) {
	if len(lines) == 0 {
		return
	}
	cg := &ast.CommentGroup{Doc: true}
	for _, l := range lines {
		cg.List = append(cg.List, &ast.Comment{Text: "// " + l})
	}
	ast.AddComment(n, cg)
}

// secretKey matches the keys whose values the Talos emitter encrypts:
// such a value in an input is a secret, and never written to a .cue file.
var secretKey = regexp.MustCompile(talos.EncryptedRegex)

// SecretKey tells whether a key's value is a secret, as the Talos emitter
// judges it.
func SecretKey(key string) bool { return secretKey.MatchString(key) }

// Expr turns the YAML value n (input path field) into the CUE expression
// for it, keeping the order of keys as written. Blocked scalars and the
// values of secret keys are left out, each with a warning whose TODO goes
// to output path at; nil means nothing is left.
func (d *Doc) Expr(n *yaml.Node, field, at string) (ast.Expr, error) {
	n = resolve(n)
	switch n.Kind {
	case yaml.MappingNode:
		var s Struct
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			sub := join(field, k.Value)
			e, err := d.KeyValue(k, v, sub, at)
			if err != nil {
				return nil, err
			}
			if e != nil {
				s.Set(k.Value, e)
			}
		}
		if s.Len() == 0 && len(n.Content) > 0 {
			return nil, nil // all of it left out
		}
		return s.Expr(), nil
	case yaml.SequenceNode:
		l := make([]ast.Expr, 0, len(n.Content))
		for i, c := range n.Content {
			e, err := d.Expr(c, fmt.Sprintf("%s[%d]", field, i), at)
			if err != nil {
				return nil, err
			}
			if e != nil {
				l = append(l, e)
			}
		}
		return List(l...), nil
	case yaml.ScalarNode:
		if note := d.note(n); len(note.Secret) > 0 || note.SecretFile {
			if e := d.Ref(n, field, at); e != nil {
				return e, nil
			}
		}
		if !d.Usable(n, field, at) {
			return nil, nil
		}
		return scalar(n)
	}
	line, col := d.Pos(n)
	return nil, InputError(d.File, line, col, field, "unsupported YAML node", "write a mapping, a list or a scalar here")
}

// KeyValue is Expr of v, the value of key k in a mapping: a secret key's
// value is referenced where d.Refs keeps it, or left out with a warning.
func (d *Doc) KeyValue(k, v *yaml.Node, field, at string) (ast.Expr, error) {
	if !secretKey.MatchString(k.Value) {
		return d.Expr(v, field, at)
	}
	if e := d.Ref(v, field, at); e != nil {
		return e, nil
	}
	d.Warn(k, field, at, "a secret: hogen never writes one in clear; not imported (no age recipient to encrypt it to in secrets.sops.yaml: pass --age-recipient), or add it by hand outside Git")
	return nil, nil
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func scalar(n *yaml.Node) (ast.Expr, error) {
	switch n.ShortTag() {
	case "!!null":
		return ast.NewNull(), nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return nil, err
		}
		return ast.NewBool(b), nil
	case "!!int":
		var i int64
		if err := n.Decode(&i); err != nil {
			return nil, err
		}
		return ast.NewLit(token.INT, strconv.FormatInt(i, 10)), nil
	case "!!float":
		var f float64
		if err := n.Decode(&f); err != nil {
			return nil, err
		}
		s := strconv.FormatFloat(f, 'g', -1, 64)
		if !strings.ContainsAny(s, ".eE") {
			s += ".0"
		}
		return ast.NewLit(token.FLOAT, s), nil
	default:
		return ast.NewString(n.Value), nil
	}
}

// File formats a CUE file: the package clause, TODO comments, then fields.
func File(pkg string, todos []string, fields ...*ast.Field) ([]byte, error) {
	f := &ast.File{}
	p := &ast.Package{Name: ast.NewIdent(pkg)}
	f.Decls = append(f.Decls, p)
	for i, fl := range fields {
		if i == 0 {
			Comment(fl, todos...)
		}
		f.Decls = append(f.Decls, fl)
	}
	b, err := format.Node(f, format.Simplify())
	if err != nil {
		return nil, fmt.Errorf("formatting CUE: %w", err)
	}
	return b, nil
}

// TopField is label: v at the top of a file.
func TopField(label string, v ast.Expr) *ast.Field {
	return &ast.Field{Label: ast.NewIdent(label), Value: v}
}

// KernelModulesPatch is a Talos patch loading kernel modules by name.
func KernelModulesPatch(names []string) ast.Expr {
	var mods []ast.Expr
	for _, n := range names {
		var m Struct
		m.Set("name", ast.NewString(n))
		mods = append(mods, m.Expr())
	}
	var kernel, machine, p Struct
	kernel.Set("modules", List(mods...))
	machine.Set("kernel", kernel.Expr())
	p.Set("machine", machine.Expr())
	return p.Expr()
}

// Deepest is the field at path under f, or its deepest ancestor the
// output has: where a TODO about that path goes.
func Deepest(f *ast.Field, path []string) *ast.Field { return deepest(f, path) }

func deepest(f *ast.Field, path []string) *ast.Field {
	for _, label := range path {
		st, ok := f.Value.(*ast.StructLit)
		if !ok {
			return f
		}
		next := fieldNamed(st, label)
		if next == nil {
			return f
		}
		f = next
	}
	return f
}

func fieldNamed(st *ast.StructLit, label string) *ast.Field {
	for _, e := range st.Elts {
		if f, ok := e.(*ast.Field); ok {
			if name, _, err := ast.LabelName(f.Label); err == nil && name == label {
				return f
			}
		}
	}
	return nil
}
