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
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	gojsonnet "github.com/google/go-jsonnet"
	"github.com/google/go-jsonnet/ast"
	"sigs.k8s.io/yaml"

	"github.com/hogen-dev/hogen/compiler/model"
	"github.com/hogen-dev/hogen/emitters"
)

// TLA is the name of the top-level argument that carries the model.
const TLA = "model"

// Emitter runs every Jsonnet emitter the description lists.
var Emitter emitters.Emitter = emitters.Func{
	ID:      "jsonnet",
	IsOn:    func(d *model.Description) bool { return len(d.Emitters.Jsonnet) > 0 },
	EmitFn:  Emit,
	RootsFn: Roots,
}

// Roots are the emitters' out directories; an emitter without one writes
// anywhere in the tree but the description's inputs, and so may prune
// anywhere its old files were.
func Roots(d *model.Description) []string {
	var roots []string
	for _, e := range d.Emitters.Jsonnet {
		if e.Out == "" {
			return []string{"."}
		}
		roots = append(roots, e.Out)
	}
	return roots
}

// Emit evaluates the description's Jsonnet emitters in order and returns
// their files, sorted by path. What is wrong with an emitter comes back as
// emitters.Problems, at the line of the Jsonnet file that made it when it
// can be found: a file that is not there, bytes that are not UTF-8, a path
// that leaves its out directory, two emitters writing one path.
func Emit(ctx context.Context, d *model.Description) ([]emitters.File, error) {
	modelJSON, err := json.Marshal(d)
	if err != nil {
		return nil, fmt.Errorf("jsonnet emitters: encoding the model: %w", err)
	}
	src := sources{d: d, parsed: map[string]ast.Node{}}
	imp := newImporter(d.Inputs.Jsonnet)
	var files []emitters.File
	var ps emitters.Problems
	from := map[string]string{}
	for i, e := range d.Emitters.Jsonnet {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		out, err := run(imp, src, i, e, string(modelJSON))
		var more emitters.Problems
		if errors.As(err, &more) {
			ps = append(ps, more...)
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, f := range out {
			if prev, ok := from[f.Path]; ok {
				ps = append(ps, emitters.Problem{Path: entry(i), Pos: f.Origin,
					Msg: fmt.Sprintf("%s is also written by %s", f.Path, prev), Fix: "give each emitter its own out directory"})
			}
			from[f.Path] = e.File
		}
		files = append(files, out...)
	}
	if len(ps) > 0 {
		return nil, ps
	}
	slices.SortFunc(files, func(a, b emitters.File) int { return strings.Compare(a.Path, b.Path) })
	return files, nil
}

func entry(i int) string { return fmt.Sprintf("emitters.jsonnet.%d", i) }

// run evaluates one emitter file and turns its object into files.
func run(imp *importer, src sources, i int, e model.JsonnetEmitter, modelJSON string) ([]emitters.File, error) {
	if err := CheckPath(e.File); err != nil {
		return nil, emitters.Problems{{Path: entry(i) + ".file", Msg: err.Error(), Fix: "name a .jsonnet file inside the description directory"}}
	}
	if _, ok := imp.files[e.File]; !ok {
		return nil, emitters.Problems{{Path: entry(i) + ".file", Msg: fmt.Sprintf("there is no file %s in the description directory", e.File),
			Fix: "create it, or correct the path (relative to the description directory)"}}
	}
	if e.Out != "" {
		if err := CheckPath(e.Out); err != nil {
			return nil, emitters.Problems{{Path: entry(i) + ".out", Msg: "out: " + err.Error(), Fix: "name a directory inside the description directory"}}
		}
	}
	if ps := src.notUTF8(i, e.File); len(ps) > 0 {
		return nil, ps
	}
	vm := gojsonnet.MakeVM()
	vm.Importer(imp)
	vm.TLACode(TLA, modelJSON)
	res, err := vm.EvaluateFile(e.File)
	if err != nil {
		return nil, fmt.Errorf("jsonnet emitter %s:\n%s", src.show(e.File), strings.TrimRight(err.Error(), "\n"))
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal([]byte(res), &obj); err != nil {
		return nil, emitters.Problems{{Path: entry(i) + ".file", Pos: src.pos(e.File, 1, 1),
			Msg: fmt.Sprintf("must return an object mapping paths to objects or strings, got %.40s", res), Fix: "return {'name.yaml': {...}}"}}
	}
	var files []emitters.File
	var ps emitters.Problems
	for _, name := range slices.Sorted(maps.Keys(obj)) {
		origin := src.keyPos(e.File, name)
		if !origin.IsValid() {
			origin = src.d.Pos.Of(entry(i))
		}
		f, err := toFile(e, name, obj[name])
		if err != nil {
			ps = append(ps, emitters.Problem{Path: entry(i), Pos: origin, Msg: fmt.Sprintf("output %q: %v", name, err),
				Fix: "return paths relative to the emitter's out directory, with forward slashes"})
			continue
		}
		f.Origin = origin
		files = append(files, f)
	}
	if len(ps) > 0 {
		return nil, ps
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
		return emitters.File{}, err
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
