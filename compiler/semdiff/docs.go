package semdiff

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"gopkg.in/yaml.v3"
)

// ObjectID names a YAML document: a Kubernetes object by apiVersion, kind,
// namespace and name; a Talos document by apiVersion, kind and name; any
// other document by its position in the file.
type ObjectID struct {
	APIVersion, Kind, Namespace, Name string
	// Doc is the document's 1-based position, used when it has no name.
	Doc int
}

func (id ObjectID) String() string {
	if id.Kind == "" && id.Name == "" {
		return fmt.Sprintf("document %d", id.Doc)
	}
	s := strings.TrimSpace(id.APIVersion + " " + id.Kind)
	switch {
	case id.Name == "":
		return fmt.Sprintf("%s (document %d)", s, id.Doc)
	case id.Namespace != "":
		return s + " " + id.Namespace + "/" + id.Name
	default:
		return s + " " + id.Name
	}
}

// doc is one parsed YAML document.
type doc struct {
	id  ObjectID
	val any
}

// parseDocs reads a YAML stream; empty documents are skipped.
func parseDocs(data []byte) ([]doc, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []doc
	seen := map[ObjectID]bool{}
	for i := 1; ; i++ {
		var v any
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, err
		}
		if v == nil {
			continue
		}
		v = normalize(v)
		id := identify(v, i)
		if seen[id] {
			// Two documents with one name: tell them apart by position.
			id.Doc = i
		}
		seen[id] = true
		docs = append(docs, doc{id: id, val: v})
	}
}

// identify names a document by what it says it is.
func identify(v any, pos int) ObjectID {
	m, ok := v.(map[string]any)
	if !ok {
		return ObjectID{Doc: pos}
	}
	id := ObjectID{APIVersion: str(m["apiVersion"]), Kind: str(m["kind"])}
	if meta, ok := m["metadata"].(map[string]any); ok {
		id.Name, id.Namespace = str(meta["name"]), str(meta["namespace"])
	} else {
		id.Name = str(m["name"]) // Talos documents name themselves at the top
	}
	if id.Name == "" {
		id.Doc = pos
	}
	return id
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// normalize turns yaml.v3's map[any]any (non-string keys) into
// map[string]any, so every map compares and prints alike.
func normalize(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			t[k] = normalize(e)
		}
		return t
	case map[any]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			m[fmt.Sprint(k)] = normalize(e)
		}
		return m
	case []any:
		for i, e := range t {
			t[i] = normalize(e)
		}
		return t
	default:
		return v
	}
}

// diffDocs compares two YAML streams object by object, hiding what h
// hides. ok is false when either side is not YAML.
func diffDocs(oldData, newData []byte, h hider) (changes []ObjectChange, ok bool) {
	oldDocs, err := parseDocs(oldData)
	if err != nil {
		return nil, false
	}
	newDocs, err := parseDocs(newData)
	if err != nil {
		return nil, false
	}
	oldByID := map[ObjectID]doc{}
	for _, d := range oldDocs {
		oldByID[d.id] = d
	}
	for _, n := range newDocs {
		o, found := oldByID[n.id]
		delete(oldByID, n.id)
		if !found {
			changes = append(changes, ObjectChange{ID: n.id, Kind: Added})
			continue
		}
		secret := n.id.Kind == "Secret" && (n.id.APIVersion == "v1" || n.id.APIVersion == "")
		if fields := diffObject(o.val, n.val, secret, h); len(fields) > 0 {
			changes = append(changes, ObjectChange{ID: n.id, Kind: Changed, Fields: fields})
		}
	}
	for _, o := range oldDocs {
		if _, gone := oldByID[o.id]; gone {
			changes = append(changes, ObjectChange{ID: o.id, Kind: Removed})
		}
	}
	return changes, true
}
