// Package load reads a description: its .cue files, parsed, unified with
// hogen's embedded schema, validated as concrete and decoded once into the
// typed model, with CUE's errors translated into the user's terms.
package load

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/build"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/token"

	"github.com/hogen-dev/hogen/compiler/diag"
	"github.com/hogen-dev/hogen/compiler/model"
	"github.com/hogen-dev/hogen/schema"
)

// maxFileSize bounds one .cue file: descriptions are small, and a huge file
// is a mistake better reported than parsed.
const maxFileSize = 8 << 20

// ReadDir reads the .cue files of dir (not its subdirectories), skipping
// files whose names start with "." or "_" as cue does.
func ReadDir(dir string) (map[string][]byte, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("reading description: %w", err)
	}
	files := map[string][]byte{}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".cue") || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") {
			continue
		}
		info, err := e.Info()
		if err != nil {
			return nil, fmt.Errorf("reading description: %w", err)
		}
		if !info.Mode().IsRegular() {
			continue
		}
		if info.Size() > maxFileSize {
			return nil, fmt.Errorf("reading description: %s is %d bytes, more than the %d a description file may have", filepath.Join(dir, name), info.Size(), maxFileSize)
		}
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("reading description: %w", err)
		}
		files[name] = b
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("reading description: no .cue files in %s (run 'hogen init %s' to start one)", dir, dir)
	}
	return files, nil
}

// Files reads the description held in files (keyed by base name; the
// directory's .cue files as ReadDir returns them): it parses them, unifies
// them with hogen's schema, validates them as concrete and decodes them
// into the model, with the position of every field the user wrote. Bad
// input is reported as Diagnostics holding every problem found. File names
// in diagnostics are dir joined with the file's name.
func Files(ctx context.Context, dir string, files map[string][]byte) (*model.Description, diag.Diagnostics, error) {
	cctx := cuecontext.New()
	l := &loader{dir: dir, cctx: cctx, userFiles: map[string]bool{}}
	user, diags := l.build(files)
	if len(diags) > 0 {
		return nil, diags, diags
	}
	def, err := schemaDef(cctx)
	if err != nil {
		return nil, nil, err
	}
	v := def.Unify(user)
	pos, nums := l.survey(user)
	if err := v.Validate(cue.Concrete(true), cue.All()); err != nil {
		ds := l.translate(err, def, user, pos)
		return nil, ds, ds
	}
	if len(nums) > 0 {
		return nil, nums, nums
	}
	d, err := decode(v)
	if err != nil {
		ds := l.translate(err, def, user, pos)
		return nil, ds, ds
	}
	d.Pos = pos
	return d, nil, nil
}

type loader struct {
	dir       string
	cctx      *cue.Context
	userFiles map[string]bool // file names as CUE records them
}

// rel turns a CUE file name into the name users see: Dir joined with it.
func (l *loader) rel(name string) string { return filepath.Join(l.dir, name) }

// build parses the user's files into one instance. Parse errors, mixed
// packages and imports of anything but CUE's standard library are reported
// for every file at once.
func (l *loader) build(files map[string][]byte) (cue.Value, diag.Diagnostics) {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	inst := build.NewContext().NewInstance("", nil)
	var diags diag.Diagnostics
	pkg, pkgFile := "", ""
	for _, n := range names {
		l.userFiles[n] = true
		f, err := parser.ParseFile(n, files[n], parser.ParseComments)
		if err != nil {
			diags = append(diags, firstIllegal(withQuoteHints(l.fromCUE(err, nil), files[n]))...)
			continue
		}
		if p := f.PackageName(); p != "" && pkg != "" && p != pkg {
			diags = append(diags, diag.Diagnostic{Pos: l.pos(f.Pos()), Msg: fmt.Sprintf("package %s differs from package %s in %s", p, pkg, l.rel(pkgFile)),
				Fix: "use one package name in every .cue file of the description"})
			continue
		} else if p != "" && pkg == "" {
			pkg, pkgFile = p, n
		}
		diags = append(diags, l.checkImports(f)...)
		if err := inst.AddSyntax(f); err != nil {
			diags = append(diags, l.fromCUE(err, nil)...)
		}
	}
	if len(diags) > 0 {
		return cue.Value{}, diags
	}
	v := l.cctx.BuildInstance(inst)
	if err := v.Err(); err != nil {
		return cue.Value{}, l.fromCUE(err, nil)
	}
	return v, nil
}

func (l *loader) checkImports(f *ast.File) diag.Diagnostics {
	var diags diag.Diagnostics
	for spec := range f.ImportSpecs() {
		p := strings.Trim(spec.Path.Value, `"`)
		if first, _, _ := strings.Cut(p, "/"); strings.Contains(first, ".") {
			diags = append(diags, diag.Diagnostic{Pos: l.pos(spec.Pos()), Msg: fmt.Sprintf("cannot import %q", p),
				Fix: "a description may import only CUE's standard library (strings, list, net, ...)"})
		}
	}
	return diags
}

func (l *loader) pos(p token.Pos) model.Pos {
	if !p.IsValid() || !l.userFiles[p.Filename()] {
		return model.Pos{}
	}
	return model.Pos{File: l.rel(p.Filename()), Line: p.Line(), Col: p.Column()}
}

var (
	schemaOnce sync.Once
	schemaSrc  []*ast.File
	schemaErr  error
)

// schemaDef compiles the embedded schema in cctx and returns #Description.
func schemaDef(cctx *cue.Context) (cue.Value, error) {
	v, err := Schema(cctx)
	if err != nil {
		return cue.Value{}, err
	}
	return v.LookupPath(cue.ParsePath(schema.Root)), nil
}

// Schema compiles the embedded schema in cctx and returns its package,
// whose definitions (#Description, #Release, ...) other tools check
// fragments against. The schema is parsed once per process; building it
// is per context.
func Schema(cctx *cue.Context) (cue.Value, error) {
	schemaOnce.Do(func() {
		srcs, err := schema.Sources()
		if err != nil {
			schemaErr = err
			return
		}
		for _, s := range srcs {
			f, err := parser.ParseFile(path.Join("hogen-schema", s.Name), s.Data)
			if err != nil {
				schemaErr = fmt.Errorf("hogen's embedded schema does not parse: %w", err)
				return
			}
			schemaSrc = append(schemaSrc, f)
		}
	})
	if schemaErr != nil {
		return cue.Value{}, schemaErr
	}
	inst := build.NewContext().NewInstance("hogen", nil)
	for _, f := range schemaSrc {
		if err := inst.AddSyntax(f); err != nil {
			return cue.Value{}, fmt.Errorf("hogen's embedded schema: %w", err)
		}
	}
	v := cctx.BuildInstance(inst)
	if err := v.Err(); err != nil {
		return cue.Value{}, fmt.Errorf("hogen's embedded schema does not compile: %w", err)
	}
	return v, nil
}

// decoded is the description as CUE holds it: nodes and apps keyed by name.
type decoded struct {
	Cluster    model.Cluster                  `json:"cluster"`
	Nodes      map[string]model.Node          `json:"nodes"`
	Apps       map[string]model.AppSpec       `json:"apps"`
	Components map[string]model.ComponentSpec `json:"components"`
	Namespaces map[string]model.NamespaceSpec `json:"namespaces"`
	Emitters   model.Emitters                 `json:"emitters"`
	Bootstrap  model.Bootstrap                `json:"bootstrap"`
}

func decode(v cue.Value) (*model.Description, error) {
	var raw decoded
	if err := v.Decode(&raw); err != nil {
		return nil, err
	}
	d := &model.Description{Cluster: raw.Cluster, Emitters: raw.Emitters, Bootstrap: raw.Bootstrap}
	for _, name := range model.SortedKeys(raw.Nodes) {
		d.Nodes = append(d.Nodes, raw.Nodes[name])
	}
	d.Apps = model.NewApps(&d.Cluster, raw.Apps)
	d.Components = model.NewComponents(raw.Components)
	d.NamespaceSettings = model.NewNamespaces(raw.Namespaces)
	return d, nil
}

// survey walks the user's description once for what later stages need of
// it: where the user wrote every field, by description path, and every
// number the files hogen writes cannot carry (see numbers.go).
func (l *loader) survey(user cue.Value) (model.Positions, diag.Diagnostics) {
	ps := model.Positions{}
	var nums diag.Diagnostics
	walkFields(user, func(path string, v cue.Value, kind cue.Kind) {
		p := v.Pos()
		if p.IsValid() && path != "" {
			ps[path] = model.Pos{File: l.rel(p.Filename()), Line: p.Line(), Col: p.Column()}
		}
		switch kind {
		case cue.IntKind, cue.FloatKind, cue.NumberKind:
			if msg, fix := unrepresentable(v); msg != "" {
				nums = append(nums, diag.Diagnostic{Pos: l.pos(p), Path: path, Msg: msg, Fix: fix})
			}
		}
	})
	return ps, nums
}

// walkFields calls visit on v and every field (optional ones too) and list
// element under it, parents first, with its dotted path and its kind.
func walkFields(v cue.Value, visit func(path string, v cue.Value, kind cue.Kind)) {
	var walk func(prefix string, v cue.Value)
	walk = func(prefix string, v cue.Value) {
		kind := v.IncompleteKind()
		visit(prefix, v, kind)
		switch kind {
		case cue.StructKind:
			it, err := v.Fields(cue.Optional(true))
			for err == nil && it.Next() {
				sel := it.Selector()
				label := sel.String()
				if sel.LabelType() == cue.StringLabel {
					label = sel.Unquoted()
				}
				walk(join(prefix, label), it.Value())
			}
		case cue.ListKind:
			it, err := v.List()
			for i := 0; err == nil && it.Next(); i++ {
				walk(join(prefix, strconv.Itoa(i)), it.Value())
			}
		}
	}
	walk("", v)
}

func join(prefix, label string) string {
	if prefix == "" {
		return label
	}
	return prefix + "." + label
}
