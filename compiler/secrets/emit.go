package secrets

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/getsops/sops/v3"
	"github.com/getsops/sops/v3/stores"
	"go.yaml.in/yaml/v3"
)

// sops' YAML store turns every key and scalar of a tree into a yaml.Node
// with its own yaml.Node.Encode call, each of which sets up a YAML emitter
// and a parser: for a Talos machine config that was three quarters of
// sealing it. emitEncrypted makes the same nodes with one Encode call per
// file, of all its scalars in a list, and assembles them as the store does.
// An element of a block list is emitted in the same style as a document
// alone (the emitter's choice depends on flow level and key context, which
// are the same), and the decoder makes the same node from it.
// emit_test.go checks the bytes against the store's on every kind of tree;
// a tree with comments, whose placement the store decides, goes to the
// store unchanged. Remove this once sops encodes a tree in one pass.

// emitEncrypted is newStore().EmitEncryptedFile(tree).
func emitEncrypted(tree sops.Tree) ([]byte, error) {
	branches, err := stores.SerializeMetadata(tree, stores.MetadataOpts{Flatten: stores.MetadataFlattenNone})
	if err != nil {
		return nil, fmt.Errorf("Error marshaling metadata: %s", err)
	}
	return emitPlain(branches)
}

// emitPlain is newStore().EmitPlainFile(branches).
func emitPlain(branches sops.TreeBranches) ([]byte, error) {
	if out, ok := emitOnePass(branches); ok {
		return out, nil
	}
	return newStore().EmitPlainFile(branches)
}

// emitOnePass renders branches with one Encode of all their scalars. It
// declines (false) a tree with comments, and one the store would render
// with an error or with a value that does not encode (the store ignores
// that, leaving an empty node).
func emitOnePass(branches sops.TreeBranches) ([]byte, bool) {
	if hasComments(branches) {
		return nil, false
	}
	var scalars []any
	for _, b := range branches {
		scalars = appendScalars(scalars, b)
	}
	var list yaml.Node
	if list.Encode(scalars) != nil || len(list.Content) != len(scalars) {
		return nil, false
	}
	a := assembler{nodes: list.Content}
	var buf bytes.Buffer
	e := yaml.NewEncoder(&buf)
	e.SetIndent(Indent)
	for _, b := range branches {
		doc := yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{a.mapping(b)}}
		if e.Encode(&doc) != nil {
			return nil, false
		}
	}
	if e.Close() != nil {
		return nil, false
	}
	return buf.Bytes(), true
}

// appendScalars appends branch's keys and scalar values in the order the
// assembler takes them.
func appendScalars(out []any, branch sops.TreeBranch) []any {
	for _, item := range branch {
		out = appendValue(appendValue(out, item.Key), item.Value)
	}
	return out
}

func appendValue(out []any, v any) []any {
	switch v := v.(type) {
	case sops.TreeBranch:
		return appendScalars(out, v)
	case []any:
		for _, e := range v {
			out = appendValue(out, e)
		}
		return out
	default:
		if encodesAlone(v) {
			return out
		}
		return append(out, v)
	}
}

// encodesAlone tells whether v is encoded on its own, as the store does:
// a string with a line break becomes a literal block, which the emitter
// does not always indent so that it reads back in a list (one with a
// leading space or break).
func encodesAlone(v any) bool {
	s, ok := v.(string)
	return ok && strings.Contains(s, "\n")
}

// assembler builds a tree's nodes as the store's treeValueToNode does,
// taking each scalar's node from the encoded list, in order.
type assembler struct {
	nodes []*yaml.Node
}

func (a *assembler) next(v any) *yaml.Node {
	if encodesAlone(v) {
		n := &yaml.Node{}
		// The store ignores an error here too.
		_ = n.Encode(v)
		return n
	}
	n := a.nodes[0]
	a.nodes = a.nodes[1:]
	return n
}

func (a *assembler) mapping(branch sops.TreeBranch) *yaml.Node {
	m := &yaml.Node{Kind: yaml.MappingNode, Content: make([]*yaml.Node, 0, 2*len(branch))}
	for _, item := range branch {
		key := a.next(item.Key)
		m.Content = append(m.Content, key, a.value(item.Value))
	}
	return m
}

func (a *assembler) value(v any) *yaml.Node {
	switch v := v.(type) {
	case sops.TreeBranch:
		return a.mapping(v)
	case []any:
		s := &yaml.Node{Kind: yaml.SequenceNode, Content: make([]*yaml.Node, 0, len(v))}
		for _, e := range v {
			s.Content = append(s.Content, a.value(e))
		}
		return s
	default:
		return a.next(v)
	}
}

// hasComments tells whether a tree holds a comment, as a key or a list
// element, at any depth.
func hasComments(branches sops.TreeBranches) bool {
	for _, b := range branches {
		if branchHasComments(b) {
			return true
		}
	}
	return false
}

func branchHasComments(b sops.TreeBranch) bool {
	for _, item := range b {
		if _, ok := item.Key.(sops.Comment); ok || valueHasComments(item.Value) {
			return true
		}
	}
	return false
}

func valueHasComments(v any) bool {
	switch v := v.(type) {
	case sops.Comment:
		return true
	case sops.TreeBranch:
		return branchHasComments(v)
	case []any:
		for _, e := range v {
			if valueHasComments(e) {
				return true
			}
		}
	}
	return false
}
