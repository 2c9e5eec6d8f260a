package renovate

import (
	"fmt"
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
	ast.Walk(f, func(n ast.Node) bool {
		field, ok := n.(*ast.Field)
		if !ok {
			return true
		}
		kv, ok := renovateComment(field)
		if !ok {
			return true
		}
		lit := leafString(field.Value)
		if lit == nil {
			problems = append(problems, fmt.Sprintf("%s:%d: renovate comment is not followed by a string value", name, field.Pos().Line()))
			return true
		}
		d := dep{File: name, Line: lit.Pos().Line(), Datasource: kv["datasource"], DepName: kv["depName"], RegistryURL: kv["registryUrl"], Value: unquote(lit)}
		deps = append(deps, d)
		byLit[lit] = d
		return true
	}, nil)
	ast.Walk(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.Field:
			if lit := leafString(n.Value); lit != nil && label(n) == "version" {
				if _, ok := byLit[lit]; !ok {
					problems = append(problems, fmt.Sprintf("%s:%d: version %q has no `// renovate:` comment on the line before", name, lit.Pos().Line(), unquote(lit)))
				}
			}
		case *ast.StructLit:
			problems = append(problems, checkChart(name, n, byLit)...)
		}
		return true
	}, nil)
	return deps, problems
}

// renovateComment returns the key=value pairs of a `// renovate:` comment
// that ends on the line right before field.
func renovateComment(field *ast.Field) (map[string]string, bool) {
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
		return kv, true
	}
	return nil, false
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
