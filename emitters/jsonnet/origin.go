package jsonnet

import (
	"fmt"
	"path/filepath"
	"unicode/utf8"

	gojsonnet "github.com/google/go-jsonnet"
	"github.com/google/go-jsonnet/ast"
	"github.com/google/go-jsonnet/toolutils"

	"github.com/hogen-dev/hogen/compiler/model"
	"github.com/hogen-dev/hogen/emitters"
)

// sources are the description's Jsonnet files, known well enough to point
// a problem at a line of one.
type sources struct {
	d      *model.Description
	parsed map[string]ast.Node
}

// dir is the description directory as positions name it: every .cue file
// of a description lies directly in it, so any recorded position's
// directory is it. Without positions, paths stay relative to it.
func (s sources) dir() string {
	for _, p := range s.d.Pos {
		return filepath.Dir(p.File)
	}
	return ""
}

// show names a Jsonnet file as the user sees it.
func (s sources) show(file string) string {
	if dir := s.dir(); dir != "" {
		return filepath.Join(dir, filepath.FromSlash(file))
	}
	return file
}

func (s sources) pos(file string, line, col int) model.Pos {
	return model.Pos{File: s.show(file), Line: line, Col: col}
}

// keyPos finds where file writes the object key name as a literal: the
// line that produced that output. A computed key is not found.
func (s sources) keyPos(file, name string) model.Pos {
	node, ok := s.parsed[file]
	if !ok {
		node, _ = gojsonnet.SnippetToAST(file, string(s.d.Inputs.Jsonnet[file]))
		s.parsed[file] = node
	}
	var found ast.LocationRange
	var walk func(n ast.Node) bool
	walk = func(n ast.Node) bool {
		if obj, ok := n.(*ast.DesugaredObject); ok {
			for _, f := range obj.Fields {
				if lit, ok := f.Name.(*ast.LiteralString); ok && lit.Value == name {
					found = f.LocRange
					return true
				}
			}
		}
		for _, c := range toolutils.Children(n) {
			if c != nil && walk(c) {
				return true
			}
		}
		return false
	}
	if node == nil || !walk(node) {
		return model.Pos{}
	}
	return s.pos(file, found.Begin.Line, found.Begin.Column)
}

// notUTF8 reports a Jsonnet file that is not UTF-8 at its first bad byte:
// go-jsonnet would read it as U+FFFD and write that into the output.
func (s sources) notUTF8(i int, file string) emitters.Problems {
	b := s.d.Inputs.Jsonnet[file]
	if utf8.Valid(b) {
		return nil
	}
	line, col, bad := badByte(b)
	return emitters.Problems{{Path: entry(i) + ".file", Pos: s.pos(file, line, col),
		Msg: fmt.Sprintf("%s is not UTF-8 text (byte 0x%02x)", file, bad), Fix: "save the file as UTF-8"}}
}

// badByte is the line, column and value of b's first byte that is not
// part of valid UTF-8.
func badByte(b []byte) (line, col int, bad byte) {
	line, col = 1, 1
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return line, col, b[i]
		}
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col += n
		}
		i += n
	}
	return line, col, 0
}

// utf8Error is the importer's error for an imported file that is not UTF-8.
func utf8Error(p string, b []byte) error {
	if utf8.Valid(b) {
		return nil
	}
	line, col, bad := badByte(b)
	return fmt.Errorf("%s:%d:%d: not UTF-8 text (byte 0x%02x): save the file as UTF-8", p, line, col, bad)
}
