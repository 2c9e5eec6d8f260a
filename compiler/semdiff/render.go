package semdiff

import (
	"fmt"
	"html"
	"io"
	"strings"
)

// sign is how the renderers mark a kind of change.
func (k Kind) sign() string {
	switch k {
	case Added:
		return "+"
	case Removed:
		return "-"
	default:
		return "~"
	}
}

// summary says how many files changed, in words.
func (r Report) summary() string {
	a, d, c := r.Count()
	return fmt.Sprintf("%d files: %d added, %d changed, %d removed", a+d+c, a, c, d)
}

// Text writes the report for a terminal: one line per file, object and
// field, marked + (added), - (removed) or ~ (changed).
func (r Report) Text(w io.Writer) error {
	var b strings.Builder
	if r.Empty() {
		b.WriteString(r.noChanges() + "\n")
		return r.flush(w, &b)
	}
	for _, f := range r.Files {
		fmt.Fprintf(&b, "%s %s", f.Kind.sign(), f.Path)
		switch {
		case f.Secret && len(f.Objects) > 0:
			fmt.Fprintf(&b, " (secret %s, encrypted values hidden)", f.Kind)
		case f.Secret:
			fmt.Fprintf(&b, " (secret %s, values hidden)", f.Kind)
		}
		b.WriteByte('\n')
		for _, o := range f.Objects {
			fmt.Fprintf(&b, "  %s %s\n", o.Kind.sign(), o.ID)
			for _, fc := range o.Fields {
				writeTextField(&b, fc)
			}
		}
	}
	fmt.Fprintln(&b, r.summary())
	return r.flush(w, &b)
}

// flush writes b, ending with the files the diff could not look into.
func (r Report) flush(w io.Writer, b *strings.Builder) error {
	for _, p := range r.Unverified {
		fmt.Fprintf(b, "? %s (secret, not checked: no age key opens it)\n", p)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func (r Report) noChanges() string {
	if len(r.Unverified) > 0 {
		return "No changes in the files hogen could check."
	}
	return "No changes."
}

func writeTextField(b *strings.Builder, fc FieldChange) {
	switch {
	case fc.Hidden:
		fmt.Fprintf(b, "      %s: %s (value hidden)\n", fc.Path, fc.Kind)
	case isMultiline(fc.Old) || isMultiline(fc.New):
		fmt.Fprintf(b, "      %s:\n", fc.Path)
		for _, l := range lineDiff(fc.Old, fc.New) {
			fmt.Fprintf(b, "        %s\n", l)
		}
	case fc.Kind == Added:
		fmt.Fprintf(b, "      %s: + %s\n", fc.Path, fc.New)
	case fc.Kind == Removed:
		fmt.Fprintf(b, "      %s: - %s\n", fc.Path, fc.Old)
	default:
		fmt.Fprintf(b, "      %s: %s -> %s\n", fc.Path, fc.Old, fc.New)
	}
}

// Markdown writes the report for a pull request comment: a summary, then a
// section per file with a table of changed fields per object.
func (r Report) Markdown(w io.Writer) error {
	var b strings.Builder
	b.WriteString("### hogen diff\n\n")
	if len(r.Unverified) > 0 {
		b.WriteString("> [!WARNING]\n> Not checked, for want of the age key (they may have changed):\n")
		for _, p := range r.Unverified {
			fmt.Fprintf(&b, "> `%s`\n", p)
		}
		b.WriteString("\n")
	}
	if r.Empty() {
		b.WriteString(r.noChanges() + "\n")
		_, err := io.WriteString(w, b.String())
		return err
	}
	fmt.Fprintf(&b, "%s.\n", r.summary())
	for _, f := range r.Files {
		fmt.Fprintf(&b, "\n#### `%s` (%s)\n", f.Path, f.Kind)
		switch {
		case f.Secret && len(f.Objects) > 0:
			b.WriteString("\nSecret file: encrypted values hidden.\n")
		case f.Secret:
			b.WriteString("\nSecret file: values hidden.\n")
			continue
		}
		for _, o := range f.Objects {
			writeMarkdownObject(&b, o)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeMarkdownObject(b *strings.Builder, o ObjectChange) {
	fmt.Fprintf(b, "\n- **%s** <code>%s</code>\n", o.Kind, html.EscapeString(o.ID.String()))
	if len(o.Fields) == 0 {
		return
	}
	b.WriteString("\n  | Field | Old | New |\n  | --- | --- | --- |\n")
	var multi []FieldChange
	for _, fc := range o.Fields {
		switch {
		case fc.Hidden:
			fmt.Fprintf(b, "  | %s | *hidden* | *hidden* |\n", cell(fc.Path))
		case isMultiline(fc.Old) || isMultiline(fc.New):
			fmt.Fprintf(b, "  | %s | *see below* | *see below* |\n", cell(fc.Path))
			multi = append(multi, fc)
		default:
			fmt.Fprintf(b, "  | %s | %s | %s |\n", cell(fc.Path), cell(fc.Old), cell(fc.New))
		}
	}
	for _, fc := range multi {
		lines := lineDiff(fc.Old, fc.New)
		fence := fenceFor(strings.Join(lines, "\n"))
		fmt.Fprintf(b, "\n  <details><summary><code>%s</code></summary>\n\n  %sdiff\n", html.EscapeString(fc.Path), fence)
		for _, l := range lines {
			fmt.Fprintf(b, "  %s\n", l)
		}
		fmt.Fprintf(b, "  %s\n\n  </details>\n", fence)
	}
}

// cell renders a value for a table cell: code, HTML escaped, pipes and
// newlines made harmless.
func cell(s string) string {
	if s == "" {
		return ""
	}
	s = strings.NewReplacer("|", "&#124;", "\n", " ").Replace(html.EscapeString(s))
	return "<code>" + s + "</code>"
}

// fenceFor returns a backtick fence longer than any run in s.
func fenceFor(s string) string {
	longest, run := 0, 0
	for _, c := range s {
		if c == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return strings.Repeat("`", max(3, longest+1))
}

// maxLineDiff bounds the quadratic line diff; longer values are summarised.
const maxLineDiff = 2000

// lineDiff lists the lines removed ("- ") and added ("+ ") between two
// multi-line values, in order, by longest common subsequence.
func lineDiff(old, new string) []string {
	a, b := splitLines(old), splitLines(new)
	if len(a) > maxLineDiff || len(b) > maxLineDiff {
		return []string{fmt.Sprintf("~ %d lines -> %d lines", len(a), len(b))}
	}
	// lcs[i][j] is the LCS length of a[i:] and b[j:].
	lcs := make([][]int, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []string
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && a[i] == b[j]:
			i, j = i+1, j+1
		case i < len(a) && (j == len(b) || lcs[i+1][j] >= lcs[i][j+1]):
			out = append(out, "- "+a[i])
			i++
		default:
			out = append(out, "+ "+b[j])
			j++
		}
	}
	return out
}

func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}
