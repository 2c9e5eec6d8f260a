package secrets

import (
	"bytes"
	"errors"
	"io"

	"github.com/getsops/sops/v3"
	"github.com/getsops/sops/v3/stores"
	"go.yaml.in/yaml/v3"
)

// sops' YAML store reads a file twice: once into a map, only so the decoder
// rejects duplicate keys, then into nodes it turns into a tree. loadPlain
// reads it once, checks the keys itself, and turns the nodes into the same
// tree for the files hogen seals: no comments, anchors, aliases, explicit
// tags or merge keys, string keys, a map in every document. Any other file
// (and every error) goes to the store. load_test.go checks the trees
// against the store's on every kind of file.

// loadPlain is newStore().LoadPlainFile(in).
func loadPlain(in []byte) (sops.TreeBranches, error) {
	if branches, ok := loadOnePass(in); ok {
		return branches, nil
	}
	return newStore().LoadPlainFile(in)
}

// loadEncryptedTree is newStore().LoadEncryptedFile(in).
func loadEncryptedTree(in []byte) (sops.Tree, error) {
	branches, err := loadPlain(in)
	if err != nil {
		return sops.Tree{}, err
	}
	branches, metadata, err := stores.ExtractMetadata(branches, stores.MetadataOpts{Flatten: stores.MetadataFlattenNone})
	if err != nil {
		return sops.Tree{}, err
	}
	return sops.Tree{Branches: branches, Metadata: metadata}, nil
}

// loadOnePass reads in with one decode; false declines it.
func loadOnePass(in []byte) (sops.TreeBranches, bool) {
	if len(in) == 0 {
		return nil, false
	}
	d := yaml.NewDecoder(bytes.NewReader(in))
	var branches sops.TreeBranches
	for {
		var doc yaml.Node
		err := d.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return branches, len(branches) > 0
		}
		if err != nil || len(doc.Content) != 1 || !plainNode(&doc) || doc.Content[0].Kind != yaml.MappingNode {
			return nil, false
		}
		branches = append(branches, treeBranch(doc.Content[0]))
	}
}

// plainNode tells whether n and everything under it is what loadOnePass
// reads: no comment, anchor, alias, explicit tag or merge key, and maps
// with distinct string keys, as the store's decode into a map demands.
func plainNode(n *yaml.Node) bool {
	if n.HeadComment != "" || n.LineComment != "" || n.FootComment != "" || n.Anchor != "" ||
		n.Kind == yaml.AliasNode || n.Style&yaml.TaggedStyle != 0 || n.Tag == "!!merge" {
		return false
	}
	if n.Kind == yaml.MappingNode && !distinctStringKeys(n) {
		return false
	}
	for _, c := range n.Content {
		if !plainNode(c) {
			return false
		}
	}
	return true
}

func distinctStringKeys(m *yaml.Node) bool {
	seen := make(map[string]bool, len(m.Content)/2)
	for i := 0; i < len(m.Content); i += 2 {
		k := m.Content[i]
		if k.Kind != yaml.ScalarNode || k.Tag != "!!str" || seen[k.Value] {
			return false
		}
		seen[k.Value] = true
	}
	return true
}

// treeBranch and treeValue are the store's appendYamlNodeToTreeBranch and
// nodeToTreeValue for plain nodes: a map is a non-nil branch, a list a
// slice (nil when empty), a scalar what the node decodes to.
func treeBranch(m *yaml.Node) sops.TreeBranch {
	branch := make(sops.TreeBranch, 0, len(m.Content)/2)
	for i := 0; i < len(m.Content); i += 2 {
		// Keys are strings (plainNode).
		branch = append(branch, sops.TreeItem{Key: m.Content[i].Value, Value: treeValue(m.Content[i+1])})
	}
	return branch
}

func treeValue(n *yaml.Node) any {
	switch n.Kind {
	case yaml.MappingNode:
		return treeBranch(n)
	case yaml.SequenceNode:
		var list []any
		for _, c := range n.Content {
			list = append(list, treeValue(c))
		}
		return list
	case yaml.ScalarNode:
		if n.Tag == "!!str" {
			// What Decode gives a string node without an explicit tag
			// (plainNode), quoted or not: its value, saving a decoder.
			return n.Value
		}
		var v any
		// The store ignores an error here too.
		_ = n.Decode(&v)
		return v
	}
	return nil
}
