package load

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"cuelang.org/go/cue"
	cueerrors "cuelang.org/go/cue/errors"

	"github.com/hogen-dev/hogen/compiler/diag"
	"github.com/hogen-dev/hogen/compiler/model"
)

// translate turns CUE's errors into diagnostics in the user's terms: paths
// without schema definitions, positions in the user's files, messages that
// name what was expected, and a fix. A failed disjunction arrives as a head
// ("N errors in empty disjunction") followed by one error per branch; they
// are merged into one diagnostic.
func (l *loader) translate(err error, def, user cue.Value, pos model.Positions) diag.Diagnostics {
	var diags diag.Diagnostics
	errs := cueerrors.Errors(err)
	for i := 0; i < len(errs); i++ {
		e := errs[i]
		p := userPath(e.Path())
		format, _ := e.Msg()
		if strings.HasSuffix(format, "errors in empty disjunction:") {
			// The branches follow, at p or below it (a list's element).
			var branches []cueerrors.Error
			for i+1 < len(errs) && within(userPath(errs[i+1].Path()), p) {
				i++
				branches = append(branches, errs[i])
			}
			diags = append(diags, l.disjunction(p, branches, def, user, pos))
			continue
		}
		diags = append(diags, l.one(p, e, def, user, pos))
	}
	return diags.Sorted()
}

// fromCUE converts errors found before the schema is involved: parse
// errors, and conflicts between the user's own files.
func (l *loader) fromCUE(err error, pos model.Positions) diag.Diagnostics {
	var diags diag.Diagnostics
	for _, e := range cueerrors.Errors(err) {
		p := userPath(e.Path())
		d := diag.Diagnostic{Pos: l.firstUserPos(e, p, pos), Path: p}
		format, args := e.Msg()
		d.Msg, d.Fix = explain(format, args, "")
		d.Fix = l.withOthers(d.Fix, e, d.Pos)
		diags = append(diags, d)
	}
	return diags
}

func (l *loader) one(p string, e cueerrors.Error, def, user cue.Value, pos model.Positions) diag.Diagnostic {
	format, args := e.Msg()
	d := diag.Diagnostic{Pos: l.firstUserPos(e, p, pos), Path: p}
	switch {
	case format == "field not allowed":
		// From the selectors, not p: a key may hold a dot ("cm.yaml").
		sel := e.Path()
		parent, field := userPath(sel[:len(sel)-1]), userPath(sel[len(sel)-1:])
		d.Path = parent
		d.Msg, d.Fix = fieldProblem(def, parent, field)
	case strings.HasPrefix(format, "field is required but not present"):
		d.Msg = "is required but not set"
		d.Fix = "add it; `hogen schema` shows what it takes"
	case strings.HasPrefix(format, "incomplete value"):
		d.Msg = fmt.Sprintf("is not set to a concrete value (%s)", fmt.Sprintf(format, args...)[len("incomplete value "):])
		d.Fix = "give it a value"
	default:
		d.Msg, d.Fix = explain(format, args, userValue(user, p))
		d.Fix = l.withOthers(d.Fix, e, d.Pos)
	}
	return d
}

// withOthers adds to fix the user positions of e other than first: where
// the other side of a conflict was written.
func (l *loader) withOthers(fix string, e cueerrors.Error, first model.Pos) string {
	var out []string
	for _, tp := range cueerrors.Positions(e) {
		if l.userFiles[tp.Filename()] {
			if p := (model.Pos{File: l.rel(tp.Filename()), Line: tp.Line(), Col: tp.Column()}); p != first {
				out = append(out, p.String())
			}
		}
	}
	if len(out) == 0 {
		return fix
	}
	return strings.TrimPrefix(fix+"; also set at "+strings.Join(out, ", "), "; ")
}

// within tells whether path q is p or lies below it.
func within(q, p string) bool { return q == p || strings.HasPrefix(q, p+".") }

// disjunction merges the branches of a failed disjunction into one
// diagnostic. A branch failing a real constraint (a bound, a pattern, a
// field not allowed) says why, at its own path; branches that only
// conflict with another allowed literal (a default such as
// *["10.244.0.0/16"]) list the allowed values.
func (l *loader) disjunction(p string, branches []cueerrors.Error, def, user cue.Value, pos model.Positions) diag.Diagnostic {
	got := userValue(user, p)
	var allowed []string
	d := diag.Diagnostic{Path: p, Pos: pos.Of(p)}
	for _, b := range branches {
		if bp := l.firstUserPos(b, p, pos); bp.IsValid() && !d.Pos.IsValid() {
			d.Pos = bp
		}
	}
	for _, b := range branches {
		format, args := b.Msg()
		switch {
		case strings.HasPrefix(format, "conflicting values %s and %s") && len(args) >= 2 && !strings.Contains(format, "mismatched types"):
			for _, a := range args[:2] {
				if s := fmt.Sprint(a); s != got {
					allowed = append(allowed, s)
				}
			}
		case strings.HasPrefix(format, "incompatible list lengths"):
			// The user's list against a default list: says nothing.
		default:
			bp := userPath(b.Path())
			one := l.one(bp, b, def, user, pos)
			if bp == p && !strings.HasPrefix(format, "field not allowed") {
				one.Pos = d.Pos
			}
			return one
		}
	}
	d.Msg = fmt.Sprintf("%s is not allowed", clip(got))
	if allowed = dedupe(allowed); len(allowed) > 0 {
		d.Fix = "use one of " + strings.Join(allowed, ", ")
	}
	return d
}

func (l *loader) firstUserPos(e cueerrors.Error, p string, pos model.Positions) model.Pos {
	for _, tp := range cueerrors.Positions(e) {
		if l.userFiles[tp.Filename()] {
			return model.Pos{File: l.rel(tp.Filename()), Line: tp.Line(), Col: tp.Column()}
		}
	}
	return pos.Of(p)
}

// userPath drops schema definitions from a CUE error path and unquotes
// labels, so paths match the model's: apps.cert-manager.interval.
func userPath(sel []string) string {
	for len(sel) > 0 && strings.HasPrefix(sel[0], "#") {
		sel = sel[1:]
	}
	out := make([]string, len(sel))
	for i, s := range sel {
		if u, err := strconv.Unquote(s); err == nil && strings.HasPrefix(s, `"`) {
			s = u
		}
		out[i] = s
	}
	return strings.Join(out, ".")
}

func userValue(user cue.Value, p string) string {
	if p == "" {
		return ""
	}
	var sels []cue.Selector
	for _, label := range strings.Split(p, ".") {
		sels = append(sels, cue.Str(label))
	}
	v := user.LookupPath(cue.MakePath(sels...))
	if !v.Exists() {
		return ""
	}
	return fmt.Sprint(v)
}

func splitLast(p string) (string, string) {
	i := strings.LastIndexByte(p, '.')
	if i < 0 {
		return "", p
	}
	return p[:i], p[i+1:]
}

func dedupe(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// unquoted is a value CUE cannot read bare but people write bare: an IP
// address, a CIDR or a version with two dots. Its parse error ("missing ','
// in struct literal") does not say what is wrong.
var unquoted = regexp.MustCompile(`:\s*(v?[0-9]+\.[0-9]+\.[0-9][0-9.]*(/[0-9]+)?|[0-9a-fA-F]*:[0-9a-fA-F:]+(/[0-9]+)?)\s*(,|$|//)`)

// withQuoteHints adds a fix to the parse errors on a line holding such a
// value.
func withQuoteHints(diags diag.Diagnostics, src []byte) diag.Diagnostics {
	lines := strings.Split(string(src), "\n")
	for i, d := range diags {
		if d.Fix != "" || d.Pos.Line < 1 || d.Pos.Line > len(lines) {
			continue
		}
		if m := unquoted.FindStringSubmatch(lines[d.Pos.Line-1]); m != nil {
			diags[i].Fix = fmt.Sprintf("quote it: %q", m[1])
		}
	}
	return diags
}

// illegalFix explains the bytes CUE's scanner calls illegal.
var illegalFix = map[string]string{
	"illegal byte order mark":  "remove it: a byte-order mark may only open a file (save the file as UTF-8 without a BOM)",
	"illegal character NUL":    "remove the NUL byte: the file is binary, or was damaged",
	"illegal character U+0000": "remove the NUL byte: the file is binary, or was damaged",
	"illegal UTF-8 encoding":   "save the file as UTF-8",
}

// firstIllegal keeps, of a file's parse errors, only the first one about
// a byte the scanner cannot read, when there is one: the errors after it
// ("string literal not terminated" on every later line) are its echoes.
func firstIllegal(diags diag.Diagnostics) diag.Diagnostics {
	for _, d := range diags {
		if fix, ok := illegalFix[d.Msg]; ok {
			d.Fix = fix
			return diag.Diagnostics{d}
		}
	}
	return diags
}
