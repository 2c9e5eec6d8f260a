// Package jsonnet runs user emitters written in Jsonnet.
//
// The description lists them (`emitters: jsonnet: [{file: "x.jsonnet", out:
// "dir"}]`). Each file is evaluated with the model as the top-level argument
// `model` (so the file reads `function(model) {...}`); the model is the JSON
// form of model.Description and never holds secrets. The file returns an
// object mapping a relative path to an object (written as YAML, or as JSON
// when the path ends in .json) or to a string (written as is). Paths are
// joined under out and checked like every emitter's: relative, slash
// separated, never leaving the output root. A path ending in .sops.yaml is a
// secret file, encrypted by the sink.
//
// The emitter is pure: the compiler reads the .jsonnet and .libsonnet files
// into model.Inputs.Jsonnet, and imports resolve against that map only,
// relative to the importing file.
package jsonnet

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	gojsonnet "github.com/google/go-jsonnet"
	"sigs.k8s.io/yaml"

	"github.com/hogen-dev/hogen/compiler/model"
	"github.com/hogen-dev/hogen/emitters"
)

// TLA is the name of the top-level argument that carries the model.
const TLA = "model"

// Emitter runs every Jsonnet emitter the description lists.
var Emitter emitters.Emitter = emitters.Func{
	ID:     "jsonnet",
	IsOn:   func(d *model.Description) bool { return len(d.Emitters.Jsonnet) > 0 },
	EmitFn: Emit,
}

// Emit evaluates the description's Jsonnet emitters in order and returns
// their files, sorted by path. Two emitters writing one path is an error.
func Emit(ctx context.Context, d *model.Description) ([]emitters.File, error) {
	modelJSON, err := json.Marshal(d)
	if err != nil {
		return nil, fmt.Errorf("jsonnet emitters: encoding the model: %w", err)
	}
	imp := newImporter(d.Inputs.Jsonnet)
	var files []emitters.File
	from := map[string]string{}
	for _, e := range d.Emitters.Jsonnet {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		out, err := run(imp, e, string(modelJSON))
		if err != nil {
			return nil, err
		}
		for _, f := range out {
			if prev, ok := from[f.Path]; ok {
				return nil, fmt.Errorf("jsonnet emitter %s: %s is also written by %s: give each emitter its own out directory", e.File, f.Path, prev)
			}
			from[f.Path] = e.File
		}
		files = append(files, out...)
	}
	slices.SortFunc(files, func(a, b emitters.File) int { return strings.Compare(a.Path, b.Path) })
	return files, nil
}

// run evaluates one emitter file and turns its object into files.
func run(imp *importer, e model.JsonnetEmitter, modelJSON string) ([]emitters.File, error) {
	if err := CheckPath(e.File); err != nil {
		return nil, fmt.Errorf("jsonnet emitter file: %w", err)
	}
	if e.Out != "" {
		if err := CheckPath(e.Out); err != nil {
			return nil, fmt.Errorf("jsonnet emitter %s: out: %w", e.File, err)
		}
	}
	vm := gojsonnet.MakeVM()
	vm.Importer(imp)
	vm.TLACode(TLA, modelJSON)
	res, err := vm.EvaluateFile(e.File)
	if err != nil {
		return nil, fmt.Errorf("jsonnet emitter %s:\n%s", e.File, strings.TrimRight(err.Error(), "\n"))
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal([]byte(res), &obj); err != nil {
		return nil, fmt.Errorf("jsonnet emitter %s: must return an object mapping paths to objects or strings, got %.40s", e.File, res)
	}
	names := make([]string, 0, len(obj))
	for name := range obj {
		names = append(names, name)
	}
	slices.Sort(names)
	files := make([]emitters.File, 0, len(names))
	for _, name := range names {
		f, err := toFile(e, name, obj[name])
		if err != nil {
			return nil, fmt.Errorf("jsonnet emitter %s: %w", e.File, err)
		}
		files = append(files, f)
	}
	return files, nil
}

// toFile encodes one returned value at out/name.
func toFile(e model.JsonnetEmitter, name string, raw json.RawMessage) (emitters.File, error) {
	if err := CheckPath(name); err != nil {
		return emitters.File{}, err
	}
	p := name
	if e.Out != "" {
		p = e.Out + "/" + name
	}
	data, err := encode(p, raw)
	if err != nil {
		return emitters.File{}, fmt.Errorf("%s: %w", name, err)
	}
	return emitters.File{Path: p, Data: data, Secret: strings.HasSuffix(p, ".sops.yaml")}, nil
}

// encode writes a string as is, and an object as YAML or indented JSON.
func encode(p string, raw json.RawMessage) ([]byte, error) {
	switch raw[0] {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		return []byte(s), nil
	case '{':
		if strings.HasSuffix(p, ".json") {
			var buf bytes.Buffer
			if err := json.Indent(&buf, raw, "", "  "); err != nil {
				return nil, err
			}
			buf.WriteByte('\n')
			return buf.Bytes(), nil
		}
		return yaml.JSONToYAML(raw)
	default:
		return nil, fmt.Errorf("value must be an object or a string, got %.20s (for several YAML documents, return std.manifestYamlStream([...]))", raw)
	}
}

// CheckPath rejects a path that is not a clean relative slash path inside
// its root: empty, absolute, with a backslash, or with an empty, "." or ".."
// segment.
func CheckPath(p string) error {
	switch {
	case p == "":
		return fmt.Errorf("empty path")
	case strings.Contains(p, `\`):
		return fmt.Errorf("path %q has a backslash: use forward slashes", p)
	case strings.HasPrefix(p, "/"):
		return fmt.Errorf("path %q is absolute: paths are relative to the output directory", p)
	}
	for _, seg := range strings.Split(p, "/") {
		switch seg {
		case "", ".", "..":
			return fmt.Errorf("path %q has an empty, \".\" or \"..\" segment: paths must stay inside the output directory", p)
		}
	}
	return nil
}
