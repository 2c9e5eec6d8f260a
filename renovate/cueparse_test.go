package renovate

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/token"
)

// parseDeps finds the renovate comments of a .cue file with the CUE parser,
// independently of the preset's regex, and checks the convention: every
// `version` string has a comment, and a chart's comment names that chart.
func parseDeps(t *testing.T, name string, src []byte) ([]dep, []string) {
	t.Helper()
	f, err := parser.ParseFile(name, src, parser.ParseComments)
	if err != nil {
		t.Fatalf("parsing %s: %v", name, err)
	}
	var deps []dep
	var problems []string
	byLit := map[*ast.BasicLit]dep{}
	used := map[*ast.CommentGroup]bool{}
	ast.Walk(f, func(n ast.Node) bool {
		field, ok := n.(*ast.Field)
		if !ok {
			return true
		}
		cg, kv, ok := renovateComment(field)
		if !ok {
			return true
		}
		used[cg] = true
		lit := leafString(field.Value)
		if lit == nil {
			problems = append(problems, fmt.Sprintf("%s:%d: renovate comment is not followed by a string value", name, field.Pos().Line()))
			return true
		}
		d := dep{File: name, Line: lit.Pos().Line(), Datasource: kv["datasource"], DepName: kv["depName"], RegistryURL: kv["registryUrl"],
			Versioning: kv["versioning"], ExtractVersion: kv["extractVersion"], Value: unquote(lit)}
		deps = append(deps, d)
		byLit[lit] = d
		problems = append(problems, checkTags(d)...)
		return true
	}, nil)
	problems = append(problems, unusedComments(name, f, used)...)
	reported := map[*ast.BasicLit]bool{}
	ast.Walk(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.Field:
			lit := leafString(n.Value)
			if lit == nil || reported[lit] || !versioned(label(n), unquote(lit)) {
				return true
			}
			if _, ok := byLit[lit]; !ok {
				reported[lit] = true
				problems = append(problems, fmt.Sprintf("%s:%d: %s %q has no `// renovate:` comment on the line before", name, lit.Pos().Line(), label(n), unquote(lit)))
			}
		case *ast.StructLit:
			problems = append(problems, checkChart(name, n, byLit)...)
		}
		return true
	}, nil)
	return deps, problems
}

// versionLike is a value Renovate could bump: 1.2, v1.2.3, 2025.7.0,
// 1.2.3-rc.1. IPv4 addresses have four parts and do not match.
var versionLike = regexp.MustCompile(`^v?\d+\.\d+(\.\d+)?([-+][0-9A-Za-z.-]+)?$`)

// versioned tells whether a string field holds a version that must be
// tracked: one under a version or tag key, or any that looks like one.
func versioned(label, value string) bool {
	return label == "version" || label == "tag" || versionLike.MatchString(value)
}

// checkTags catches a pin Renovate would bump to a value the schema
// rejects: GitHub tags carry a leading v that a bare version lacks.
func checkTags(d dep) []string {
	if (d.Datasource == "github-releases" || d.Datasource == "github-tags") && !strings.HasPrefix(d.Value, "v") && d.ExtractVersion == "" {
		return []string{fmt.Sprintf("%s:%d: %s tags start with v, %q does not: add extractVersion=^v(?<version>.*)$", d.File, d.Line, d.DepName, d.Value)}
	}
	return nil
}

// unusedComments reports renovate comments no value follows on the next
// line (a blank line between them, say): Renovate would skip them quietly.
func unusedComments(name string, f *ast.File, used map[*ast.CommentGroup]bool) []string {
	var problems []string
	seen := map[*ast.CommentGroup]bool{}
	ast.Walk(f, func(n ast.Node) bool {
		for _, cg := range ast.Comments(n) {
			if seen[cg] || used[cg] {
				continue
			}
			seen[cg] = true
			for _, c := range cg.List {
				if strings.HasPrefix(strings.TrimSpace(strings.TrimPrefix(c.Text, "//")), "renovate:") {
					problems = append(problems, fmt.Sprintf("%s:%d: renovate comment is not on the line right before a value", name, c.Pos().Line()))
				}
			}
		}
		return true
	}, nil)
	return problems
}

// renovateComment returns the key=value pairs of a `// renovate:` comment
// that ends on the line right before field.
func renovateComment(field *ast.Field) (*ast.CommentGroup, map[string]string, bool) {
	for _, cg := range ast.Comments(field) {
		if len(cg.List) == 0 || cg.End().Line() != field.Pos().Line()-1 {
			continue
		}
		text := strings.TrimSpace(strings.TrimPrefix(cg.List[len(cg.List)-1].Text, "//"))
		rest, ok := strings.CutPrefix(text, "renovate:")
		if !ok {
			continue
		}
		kv := map[string]string{}
		for _, w := range strings.Fields(rest) {
			k, v, _ := strings.Cut(w, "=")
			kv[k] = v
		}
		return cg, kv, true
	}
	return nil, nil, false
}

// leafString follows `a: b: "x"` chains to the string literal, or nil.
func leafString(e ast.Expr) *ast.BasicLit {
	switch v := e.(type) {
	case *ast.BasicLit:
		if v.Kind == token.STRING {
			return v
		}
	case *ast.StructLit:
		if len(v.Elts) == 1 && !v.Lbrace.IsValid() {
			if f, ok := v.Elts[0].(*ast.Field); ok {
				return leafString(f.Value)
			}
		}
	}
	return nil
}

// checkChart checks that the renovate comment of a chart's version names the
// chart the struct's repo and name fields give.
func checkChart(file string, s *ast.StructLit, byLit map[*ast.BasicLit]dep) []string {
	strs := map[string]string{}
	var version *ast.BasicLit
	for _, e := range s.Elts {
		f, ok := e.(*ast.Field)
		if !ok {
			continue
		}
		if lit := leafString(f.Value); lit != nil {
			strs[label(f)] = unquote(lit)
			if label(f) == "version" {
				version = lit
			}
		}
	}
	d, ok := byLit[version]
	repo, hasRepo := strs["repo"]
	chart, hasName := strs["name"]
	if version == nil || !ok || !hasRepo || !hasName {
		return nil
	}
	at := fmt.Sprintf("%s:%d: ", file, d.Line)
	switch d.Datasource {
	case "helm":
		var ps []string
		if d.DepName != chart {
			ps = append(ps, fmt.Sprintf("%shelm depName %q is not the chart name %q", at, d.DepName, chart))
		}
		if d.RegistryURL != repo {
			ps = append(ps, fmt.Sprintf("%shelm registryUrl %q is not the chart repo %q", at, d.RegistryURL, repo))
		}
		return ps
	case "docker":
		oci, isOCI := strings.CutPrefix(repo, "oci://")
		if want := strings.TrimSuffix(oci, "/") + "/" + chart; !isOCI || d.DepName != want {
			return []string{fmt.Sprintf("%sdocker depName %q is not the OCI chart %q", at, d.DepName, want)}
		}
		return nil
	default:
		return []string{fmt.Sprintf("%sa chart's datasource is helm or docker, not %q", at, d.Datasource)}
	}
}

func label(f *ast.Field) string {
	name, _, _ := ast.LabelName(f.Label)
	return name
}

func unquote(lit *ast.BasicLit) string {
	s, err := strconv.Unquote(lit.Value)
	if err != nil {
		return lit.Value
	}
	return s
}

func itoa(i int) string { return strconv.Itoa(i) }
