package secrets

import (
	"bytes"
	"strings"
)

// A Talos config is a few hundred lines of block YAML in which every value
// sits on its key's line, and parsing it with a YAML library cost the leak
// guard more than the rest of its work. clearFieldsByLine reads such files
// line by line instead, and gives up on anything else: a block scalar, a
// value continued on the next line, a quoted value with escapes, a flow
// collection, an anchor, a tag, a comment, a blank line. Only what it can
// read without doubt passes; the rest goes to the parser (clearFields).
// TestClearFieldsByLine checks it against the YAML library on every kind
// of file hogen writes.

// frame is a mapping key whose value is on the lines below it.
type frame struct {
	col int
	key string
}

// clearFieldsByLine returns, for a file it can read line by line, every
// leaf's key (a list element's is its list's) and, where r leaves it in
// clear, the leaf's value, each followed by NUL. ok is false when the file
// needs a parser.
func clearFieldsByLine(data []byte, r *rule) (out []byte, ok bool) {
	if bytes.ContainsAny(data, "\r\t") {
		return nil, false
	}
	var buf bytes.Buffer
	var stack []frame
	leafCol := -1 // the column of the last leaf's key or dash: no line may go deeper
	for line := range bytes.Lines(data) {
		text := strings.TrimSuffix(string(line), "\n")
		if text == "---" {
			stack, leafCol = stack[:0], -1
			continue
		}
		indent := len(text) - len(strings.TrimLeft(text, " "))
		rest := text[indent:]
		if rest == "" || rest[0] == '\t' || rest[0] == '#' || (leafCol >= 0 && indent > leafCol) {
			return nil, false
		}
		col, isItem := indent, false
		if strings.HasPrefix(rest, "- ") {
			col, isItem, rest = indent+2, true, rest[2:]
		}
		if rest == "" || strings.HasPrefix(rest, "- ") || rest == "-" {
			return nil, false
		}
		key, value, isKey := splitKey(rest)
		if isKey && !plainKey(key) || !isKey && !isItem {
			return nil, false // a value on a line of its own continues another
		}
		for len(stack) > 0 && stack[len(stack)-1].col >= col {
			stack = stack[:len(stack)-1]
		}
		if isKey && value == "" {
			stack, leafCol = append(stack, frame{col, key}), -1
			continue
		}
		v, ok := scalar(value)
		if !ok {
			return nil, false
		}
		leafCol = col
		if isItem && !isKey {
			leafCol = indent
		}
		if v == nil {
			continue // {} or []: no leaf
		}
		path := make([]string, 0, len(stack)+1)
		for _, f := range stack {
			path = append(path, f.key)
		}
		if isKey {
			path = append(path, key)
		}
		if len(path) == 0 {
			return nil, false
		}
		buf.WriteString(path[len(path)-1])
		buf.WriteByte(0)
		if r == nil || !r.encrypts(path) {
			buf.WriteString(*v)
			buf.WriteByte(0)
		}
	}
	return buf.Bytes(), true
}

// splitKey splits "key: value" or "key:"; a line without a key is a list
// element's scalar.
func splitKey(s string) (key, value string, ok bool) {
	if k, v, found := strings.Cut(s, ": "); found {
		return k, v, true
	}
	if k, found := strings.CutSuffix(s, ":"); found {
		return k, "", true
	}
	return "", s, false
}

// plainKey tells whether a key is written as it reads.
func plainKey(k string) bool {
	return k != "" && k != "<<" && !strings.ContainsAny(k, "\"'{}[]?#&*!|>%@`:\\\t") && k[0] != '-' && k[0] != ' ' && !strings.HasSuffix(k, " ")
}

// scalar reads a value written on one line: plain, or quoted without any
// escape. {} and [] read as nil; anything else is not ok.
func scalar(s string) (*string, bool) {
	switch {
	case s == "{}" || s == "[]":
		return nil, true
	case strings.HasPrefix(s, `"`):
		inner, found := strings.CutSuffix(s[1:], `"`)
		if !found || strings.ContainsAny(inner, `"\`) {
			return nil, false
		}
		return &inner, true
	case strings.HasPrefix(s, "'"):
		inner, found := strings.CutSuffix(s[1:], "'")
		if !found || strings.Contains(inner, "'") {
			return nil, false
		}
		return &inner, true
	case strings.ContainsAny(s[:1], "|>&*!%@`{[#,\"' \t") || strings.Contains(s, " #") || strings.Contains(s, ": ") || strings.ContainsAny(s, "\t\r") || strings.HasSuffix(s, " "):
		return nil, false
	case strings.ContainsAny(s[:1], "-?:") && (len(s) == 1 || s[1] == ' '):
		return nil, false // an indicator, not the start of a plain value ("::/0" is one)
	}
	return &s, true
}
