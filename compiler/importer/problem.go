package importer

import (
	"errors"
	"regexp"
	"strconv"
	"strings"

	goccy "github.com/goccy/go-yaml"
	goccyparser "github.com/goccy/go-yaml/parser"

	"github.com/hogen-dev/hogen/compiler/diag"
	"github.com/hogen-dev/hogen/compiler/model"
)

// InputError is bad input at file:line:col, field path of the input, in
// hogen's format (diag): `file:line:col: error: path: msg` and a fix line.
func InputError(file string, line, col int, path, msg, fix string) error {
	return diag.Diagnostics{{Pos: model.Pos{File: file, Line: line, Col: col}, Path: path, Msg: msg, Fix: fix}}
}

var yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): `)

// syntaxError positions a YAML syntax error of src. yaml.v3 says only a
// line, often the one where the broken construct began; goccy/go-yaml's
// parser, given the same text, points at the token where it broke, line
// and column, which is where the user must look.
func syntaxError(file string, src []byte, err error) error {
	line, col := 1, 1
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		line, _ = strconv.Atoi(m[1])
	}
	msg := strings.TrimPrefix(yamlLine.ReplaceAllString(err.Error(), ""), "yaml: ")
	var se *goccy.SyntaxError
	if _, perr := goccyparser.ParseBytes(src, 0); errors.As(perr, &se) && se.Token != nil && se.Token.Position != nil {
		line, col = se.Token.Position.Line, se.Token.Position.Column
	}
	return InputError(file, line, col, "", "not valid YAML: "+msg, "correct the YAML syntax at this position")
}
