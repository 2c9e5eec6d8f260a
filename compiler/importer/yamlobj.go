package importer

import (
	"fmt"
	"strconv"
	"strings"

	"cuelang.org/go/cue/ast"
	"gopkg.in/yaml.v3"
)

// Obj is a YAML mapping read key by key. Every key read is marked; Done
// reports the others as warnings, so an importer cannot drop a field
// without saying so. Scalars the Doc notes as blocked (unresolved or secret
// variables, templates) read as absent, with a warning.
type Obj struct {
	doc      *Doc
	path, at string
	node     *yaml.Node
	taken    map[string]bool
}

// ParseObj parses src as one YAML mapping.
func ParseObj(file string, src []byte, ws *Warnings) (*Obj, error) {
	docs, err := ParseDocs(file, src, ws)
	if err != nil {
		return nil, err
	}
	if len(docs) == 0 {
		return nil, fmt.Errorf("reading %s: the file is empty", file)
	}
	return DocObj(docs[0])
}

// DocObj reads d's root as a mapping whose TODOs go to "cluster".
func DocObj(d *Doc) (*Obj, error) {
	if d.Root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s:%d: the file must hold a mapping", d.File, d.Root.Line+d.LineOff)
	}
	return &Obj{doc: d, node: d.Root, taken: map[string]bool{}, at: "cluster"}, nil
}

func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// At returns o with TODO comments going to output path at.
func (o *Obj) At(at string) *Obj { o.at = at; return o }

// Out is the output path o's TODOs go to.
func (o *Obj) Out() string { return o.at }

// Doc is the document o is in.
func (o *Obj) Doc() *Doc { return o.doc }

// Node is the mapping itself.
func (o *Obj) Node() *yaml.Node { return o.node }

// File is the input file's name, as the caller gave it.
func (o *Obj) File() string { return o.doc.File }

// Line is where the mapping starts.
func (o *Obj) Line() int { l, _ := o.doc.Pos(o.node); return l }

// Path is the mapping's path in the input.
func (o *Obj) Path() string { return o.path }

// Field returns the path of key in o.
func (o *Obj) Field(key string) string {
	if o.path == "" {
		return key
	}
	return o.path + "." + key
}

// Keys lists the mapping's keys in order.
func (o *Obj) Keys() []string {
	var out []string
	for i := 0; i+1 < len(o.node.Content); i += 2 {
		out = append(out, o.node.Content[i].Value)
	}
	return out
}

// Raw marks key as read and returns its value as written (nil when absent
// or null), blocked scalars included: for callers that check them.
func (o *Obj) Raw(key string) *yaml.Node {
	c := o.node.Content
	for i := 0; i+1 < len(c); i += 2 {
		if c[i].Value == key {
			o.taken[key] = true
			v := resolve(c[i+1])
			if v.Kind == yaml.ScalarNode && v.ShortTag() == "!!null" {
				return nil
			}
			return v
		}
	}
	return nil
}

// Take marks key as read and returns its value, or nil when absent, null
// or a scalar that may not be carried over (warned about).
func (o *Obj) Take(key string) *yaml.Node {
	v := o.Raw(key)
	if v != nil && v.Kind == yaml.ScalarNode && !o.doc.Usable(v, o.Field(key), o.at) {
		return nil
	}
	return v
}

// Has tells whether key is present, without marking it.
func (o *Obj) Has(key string) bool {
	c := o.node.Content
	for i := 0; i+1 < len(c); i += 2 {
		if c[i].Value == key {
			return true
		}
	}
	return false
}

// String reads a scalar as a string.
func (o *Obj) String(key string) (string, error) {
	n := o.Take(key)
	if n == nil {
		return "", nil
	}
	if n.Kind != yaml.ScalarNode {
		return "", o.errAt(n, key, "want a single value")
	}
	return n.Value, nil
}

// Bool reads a boolean; absent is false.
func (o *Obj) Bool(key string) (bool, error) {
	n := o.Take(key)
	if n == nil {
		return false, nil
	}
	var b bool
	if err := n.Decode(&b); err != nil {
		return false, o.errAt(n, key, "want true or false")
	}
	return b, nil
}

// Int reads an integer given as a number or a string; absent is 0.
func (o *Obj) Int(key string) (int, error) {
	n := o.Take(key)
	if n == nil {
		return 0, nil
	}
	i, err := strconv.Atoi(n.Value)
	if n.Kind != yaml.ScalarNode || err != nil {
		return 0, o.errAt(n, key, "want a whole number")
	}
	return i, nil
}

// Strings reads a list of scalars; blocked elements are left out, with a
// warning.
func (o *Obj) Strings(key string) ([]string, error) {
	n := o.Take(key)
	if n == nil {
		return nil, nil
	}
	if n.Kind != yaml.SequenceNode {
		return nil, o.errAt(n, key, "want a list")
	}
	var out []string
	for i, e := range n.Content {
		e = resolve(e)
		if e.Kind != yaml.ScalarNode {
			return nil, o.errAt(e, key, "want a list of strings")
		}
		if o.doc.Usable(e, fmt.Sprintf("%s[%d]", o.Field(key), i), o.at) {
			out = append(out, e.Value)
		}
	}
	return out, nil
}

// Obj reads a nested mapping, or nil when absent.
func (o *Obj) Obj(key string) (*Obj, error) {
	n := o.Take(key)
	if n == nil {
		return nil, nil
	}
	if n.Kind != yaml.MappingNode {
		return nil, o.errAt(n, key, "want a mapping")
	}
	return o.child(o.Field(key), n), nil
}

func (o *Obj) child(path string, n *yaml.Node) *Obj {
	return &Obj{doc: o.doc, path: path, node: n, taken: map[string]bool{}, at: o.at}
}

// Objs reads a list of mappings.
func (o *Obj) Objs(key string) ([]*Obj, error) {
	n := o.Take(key)
	if n == nil {
		return nil, nil
	}
	if n.Kind != yaml.SequenceNode {
		return nil, o.errAt(n, key, "want a list")
	}
	var out []*Obj
	for i, e := range n.Content {
		e = resolve(e)
		p := fmt.Sprintf("%s[%d]", o.Field(key), i)
		if e.Kind != yaml.MappingNode {
			return nil, o.errAt(e, p, "want a mapping")
		}
		out = append(out, o.child(p, e))
	}
	return out, nil
}

// Expr marks key as read and is the CUE expression of its value, as
// Doc.KeyValue gives it (a secret key's value referenced or left out).
func (o *Obj) Expr(key string) (ast.Expr, error) {
	return o.doc.KeyValue(o.KeyNode(key), o.Raw(key), o.Field(key), o.at)
}

// KeyNode is the node of key itself (for positions), or the mapping's.
func (o *Obj) KeyNode(key string) *yaml.Node {
	c := o.node.Content
	for i := 0; i+1 < len(c); i += 2 {
		if c[i].Value == key {
			return c[i]
		}
	}
	return o.node
}

// Warn records a warning about key (or the mapping itself when key is "").
func (o *Obj) Warn(key, format string, args ...any) {
	field := o.path
	if key != "" {
		field = o.Field(key)
	}
	o.doc.Warn(o.KeyNode(key), field, o.at, format, args...)
}

// Unread lists the keys never read.
func (o *Obj) Unread() []string {
	var out []string
	for _, k := range o.Keys() {
		if !o.taken[k] {
			out = append(out, k)
		}
	}
	return out
}

// Done warns about every key that was never read.
func (o *Obj) Done() {
	o.DoneWith("not imported: hogen has no equivalent field; carry it over by hand (a Talos patch or an app) if you need it")
}

// DoneWith warns with msg about every key that was never read.
func (o *Obj) DoneWith(msg string) {
	for _, k := range o.Keys() {
		if !o.taken[k] {
			o.taken[k] = true
			o.Warn(k, "%s", msg)
		}
	}
}

// errAt is a bad-input error at n. key is a key of o or a full path.
func (o *Obj) errAt(n *yaml.Node, key, msg string) error {
	field := key
	if !strings.Contains(key, "[") {
		field = o.Field(key)
	}
	line, col := o.doc.Pos(n)
	return InputError(o.doc.File, line, col, field, msg, "write "+strings.TrimPrefix(msg, "want ")+" here, as talhelper and Talos take it")
}

// Drop marks every key read, after the caller warned about the mapping as
// a whole.
func (o *Obj) Drop() {
	for _, k := range o.Keys() {
		o.taken[k] = true
	}
}
