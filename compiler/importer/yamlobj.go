package importer

import (
	"fmt"
	"strconv"

	"gopkg.in/yaml.v3"
)

// Obj is a YAML mapping read key by key. Every key read is marked; Done
// reports the others as warnings, so an importer cannot drop a field
// without saying so.
type Obj struct {
	file, path, scope string
	node              *yaml.Node
	taken             map[string]bool
	ws                *Warnings
}

// ParseObj parses src as one YAML mapping.
func ParseObj(file string, src []byte, ws *Warnings) (*Obj, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, fmt.Errorf("reading %s: %w", file, err)
	}
	if len(doc.Content) == 0 {
		return nil, fmt.Errorf("reading %s: the file is empty", file)
	}
	root := resolve(doc.Content[0])
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s:%d: the file must hold a mapping", file, root.Line)
	}
	return &Obj{file: file, node: root, taken: map[string]bool{}, ws: ws, scope: "cluster"}, nil
}

func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// Scoped returns o with TODO comments going to scope.
func (o *Obj) Scoped(scope string) *Obj { o.scope = scope; return o }

// File is the input file's name, as the caller gave it.
func (o *Obj) File() string { return o.file }

// Line is where the mapping starts.
func (o *Obj) Line() int { return o.node.Line }

// Path is the mapping's path in the input.
func (o *Obj) Path() string { return o.path }

// Field returns the path of key in o.
func (o *Obj) Field(key string) string {
	if o.path == "" {
		return key
	}
	return o.path + "." + key
}

// Take marks key as read and returns its value, or nil when absent or null.
func (o *Obj) Take(key string) *yaml.Node {
	c := o.node.Content
	for i := 0; i+1 < len(c); i += 2 {
		if c[i].Value == key {
			o.taken[key] = true
			v := resolve(c[i+1])
			if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
				return nil
			}
			return v
		}
	}
	return nil
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
	s, err := o.String(key)
	if err != nil || s == "" {
		return 0, err
	}
	i, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("%s:%d: %s: want a whole number", o.file, o.node.Line, o.Field(key))
	}
	return i, nil
}

// Strings reads a list of scalars.
func (o *Obj) Strings(key string) ([]string, error) {
	n := o.Take(key)
	if n == nil {
		return nil, nil
	}
	if n.Kind != yaml.SequenceNode {
		return nil, o.errAt(n, key, "want a list")
	}
	var out []string
	if err := n.Decode(&out); err != nil {
		return nil, o.errAt(n, key, "want a list of strings")
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
	return &Obj{file: o.file, path: o.Field(key), node: n, taken: map[string]bool{}, ws: o.ws, scope: o.scope}, nil
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
		if e.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("%s:%d: %s[%d]: want a mapping", o.file, e.Line, o.Field(key), i)
		}
		out = append(out, &Obj{file: o.file, path: fmt.Sprintf("%s[%d]", o.Field(key), i), node: e, taken: map[string]bool{}, ws: o.ws, scope: o.scope})
	}
	return out, nil
}

// Warn records a warning about key (or the mapping itself when key is "").
func (o *Obj) Warn(key, format string, args ...any) {
	line, field := o.node.Line, o.path
	if key != "" {
		field = o.Field(key)
		c := o.node.Content
		for i := 0; i+1 < len(c); i += 2 {
			if c[i].Value == key {
				line = c[i].Line
			}
		}
	}
	o.ws.Add(Warning{File: o.file, Line: line, Field: field, Msg: fmt.Sprintf(format, args...), Scope: o.scope})
}

// Done warns about every key that was never read.
func (o *Obj) Done() {
	c := o.node.Content
	for i := 0; i+1 < len(c); i += 2 {
		if k := c[i].Value; !o.taken[k] {
			o.taken[k] = true
			o.Warn(k, "not imported: hogen has no equivalent field; carry it over by hand (a Talos patch or an app) if you need it")
		}
	}
}

func (o *Obj) errAt(n *yaml.Node, key, msg string) error {
	return fmt.Errorf("%s:%d:%d: %s: %s", o.file, n.Line, n.Column, o.Field(key), msg)
}

// Drop marks every key read, after the caller warned about the mapping as
// a whole.
func (o *Obj) Drop() {
	c := o.node.Content
	for i := 0; i+1 < len(c); i += 2 {
		o.taken[c[i].Value] = true
	}
}
