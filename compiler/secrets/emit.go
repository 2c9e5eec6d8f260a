package secrets

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

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

// emitEncrypted is newStore().EmitEncryptedFile(tree); nodes may be nil.
func emitEncrypted(tree sops.Tree, nodes *nodeCache) ([]byte, error) {
	branches, err := stores.SerializeMetadata(tree, stores.MetadataOpts{Flatten: stores.MetadataFlattenNone})
	if err != nil {
		return nil, fmt.Errorf("Error marshaling metadata: %s", err)
	}
	return emitPlain(branches, nodes)
}

// emitPlain is newStore().EmitPlainFile(branches); nodes may be nil.
func emitPlain(branches sops.TreeBranches, nodes *nodeCache) ([]byte, error) {
	if out, ok := emitOnePass(branches, nodes); ok {
		return out, nil
	}
	return newStore().EmitPlainFile(branches)
}

// emitOnePass renders branches with one Encode of all their scalars. It
// declines (false) a tree with comments, and one the store would render
// with an error or with a value that does not encode (the store ignores
// that, leaving an empty node).
func emitOnePass(branches sops.TreeBranches, nodes *nodeCache) ([]byte, bool) {
	if hasComments(branches) {
		return nil, false
	}
	if nodes == nil {
		nodes = &nodeCache{}
	}
	sc := scalars{cache: nodes}
	for _, b := range branches {
		sc.addBranch(b)
	}
	if !sc.encode() {
		return nil, false
	}
	var buf bytes.Buffer
	e := yaml.NewEncoder(&buf)
	e.SetIndent(Indent)
	for _, b := range branches {
		doc := yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{sc.mapping(b)}}
		if e.Encode(&doc) != nil {
			return nil, false
		}
	}
	if e.Close() != nil {
		return nil, false
	}
	return buf.Bytes(), true
}

// nodeCache keeps the nodes of the scalars met so far, by value: a build
// seals many files with the same keys and values (every Talos config has
// the same few hundred keys and most of its values). The yaml encoder only
// reads nodes, so files share them. Ciphertext, which never repeats, is not
// kept. Safe for concurrent use.
type nodeCache struct {
	m sync.Map // string, int or bool -> *yaml.Node
}

// cacheable tells whether v's node is kept: a comparable value that can
// come again.
func cacheable(v any) bool {
	switch v := v.(type) {
	case string:
		return !strings.HasPrefix(v, "ENC[") && !encodesAlone(v)
	case int, bool:
		return true
	}
	// Not floats: 0 and -0 are equal keys but encode differently.
	return false
}

// scalars are a tree's scalar nodes in the order the tree is walked (each
// map's key, then its value): those met before and those that encode
// alone at once, the others (nil until encode) in one list.
type scalars struct {
	cache   *nodeCache
	nodes   []*yaml.Node
	pending []any
}

func (sc *scalars) addBranch(branch sops.TreeBranch) {
	for _, item := range branch {
		sc.addScalar(item.Key)
		sc.addValue(item.Value)
	}
}

func (sc *scalars) addValue(v any) {
	switch v := v.(type) {
	case sops.TreeBranch:
		sc.addBranch(v)
	case []any:
		for _, e := range v {
			sc.addValue(e)
		}
	default:
		sc.addScalar(v)
	}
}

// addScalar adds a value the store encodes with one Encode call.
func (sc *scalars) addScalar(v any) {
	if cacheable(v) {
		if n, ok := sc.cache.m.Load(v); ok {
			sc.nodes = append(sc.nodes, n.(*yaml.Node))
			return
		}
	}
	if n, ok := ciphertextNode(v); ok {
		sc.nodes = append(sc.nodes, n)
		return
	}
	if encodesAlone(v) {
		n := &yaml.Node{}
		// The store ignores an error here too.
		_ = n.Encode(v)
		sc.nodes = append(sc.nodes, n)
		return
	}
	sc.nodes, sc.pending = append(sc.nodes, nil), append(sc.pending, v)
}

// encode encodes the pending scalars in one list and puts their nodes in
// place. It fails when a value does not encode.
func (sc *scalars) encode() bool {
	var list yaml.Node
	if list.Encode(sc.pending) != nil || len(list.Content) != len(sc.pending) {
		return false
	}
	next := 0
	for i, n := range sc.nodes {
		if n == nil {
			sc.nodes[i] = list.Content[next]
			if v := sc.pending[next]; cacheable(v) {
				sc.cache.m.Store(v, list.Content[next])
			}
			next++
		}
	}
	return true
}

// encodesAlone tells whether v is encoded on its own, as the store does:
// a string with a line break becomes a literal block, which the emitter
// does not always indent so that it reads back in a list when it starts
// with a space or a break (it writes an indentation indicator). Any other
// block (age's armored data key in every file's metadata) reads back.
func encodesAlone(v any) bool {
	s, ok := v.(string)
	return ok && strings.Contains(s, "\n") && (s[0] <= ' ' || s[0] >= utf8.RuneSelf)
}

// ciphertextNode is the node Encode makes of an encrypted value, which is
// never kept (cacheable): sops writes ENC[AES256_GCM,data:...,type:str] in
// base64 and ",:[]_" alone, which the emitter writes plain in block
// context and reads back as a string, so the node is that string. Making
// it saves encoding and parsing every encrypted value (emit_test.go checks
// it against Encode for sops' own ciphertext of every type).
func ciphertextNode(v any) (*yaml.Node, bool) {
	s, ok := v.(string)
	if !ok || !strings.HasPrefix(s, "ENC[AES256_GCM,data:") || !strings.HasSuffix(s, "]") {
		return nil, false
	}
	for i := range len(s) {
		if c := s[i]; !isBase64(c) && !strings.ContainsRune(",:[]_", rune(c)) {
			return nil, false
		}
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}, true
}

func isBase64(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/' || c == '='
}

// take returns the next scalar's node.
func (sc *scalars) take() *yaml.Node {
	n := sc.nodes[0]
	sc.nodes = sc.nodes[1:]
	return n
}

// mapping builds branch's node as the store's treeValueToNode does, in the
// order addBranch walked it.
func (sc *scalars) mapping(branch sops.TreeBranch) *yaml.Node {
	m := &yaml.Node{Kind: yaml.MappingNode, Content: make([]*yaml.Node, 0, 2*len(branch))}
	for _, item := range branch {
		key := sc.take()
		m.Content = append(m.Content, key, sc.value(item.Value))
	}
	return m
}

func (sc *scalars) value(v any) *yaml.Node {
	switch v := v.(type) {
	case sops.TreeBranch:
		return sc.mapping(v)
	case []any:
		s := &yaml.Node{Kind: yaml.SequenceNode, Content: make([]*yaml.Node, 0, len(v))}
		for _, e := range v {
			s.Content = append(s.Content, sc.value(e))
		}
		return s
	default:
		return sc.take()
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
