package load

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	"cuelang.org/go/cue"
)

// patternHelp says in words what the schema's regular expressions mean.
// Keys are the patterns exactly as schema/*.cue writes them; a test checks
// every key still occurs there.
var patternHelp = map[string]string{
	`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`:                                   "must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit",
	`^v[0-9]+\.[0-9]+\.[0-9]+$`:                                         `must be a version like "v1.10.5"`,
	`^v?[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.+-]+)?$`:                  `must be a SemVer chart version like "1.17.6"`,
	`^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$`:                                  `must be a duration like "30s", "5m" or "1h30m"`,
	`^([0-9a-f]{2}:){5}[0-9a-f]{2}$`:                                    `must be a MAC address in lowercase like "00:1b:63:84:45:e6"`,
	`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`: "must be an IP address or a lowercase DNS name",
	`^(https?|oci)://`:                                                  `must start with "https://" (a Helm repository) or "oci://" (an OCI registry)`,
	`^(https|ssh)://`:                                                   `must start with "https://" or "ssh://"`,
	`^2\.(x|[0-9]+\.(x|[0-9]+))$`:                                       `must be a Flux 2 version like "2.x", "2.6.x" or "2.6.4"`,
	`^age1([0-9a-z]{58}|pq1[0-9a-z]+)$`:                                 `must be an age recipient ("age1" and 58 more characters, or a post-quantum "age1pq1..."), as 'hogen secrets init' prints`,
	`^[A-Z_][A-Z0-9_]*$`:                                                "must be an upper-case variable name such as CLUSTER_DOMAIN",
	`^/[^\x00]*$`:                                                       "must be an absolute path",
	`^[a-zA-Z0-9._-]{1,15}$`:                                            `must be a Linux interface name like "enp3s0f0" (at most 15 characters)`,
	`^[0-9.]+/[0-9]+$`:                                                  `must be an IPv4 CIDR like "172.29.51.0/24"`,
}

// validatorHelp says what CUE's builtin validators want.
var validatorHelp = map[string]string{
	"net.IPv4":         `must be an IPv4 address like "172.29.51.11"`,
	"net.IPv6":         `must be an IPv6 address like "fd47:25e1:2f96:51::11"`,
	"net.IP":           "must be an IP address",
	"net.IPCIDR":       `must be a network in CIDR notation like "10.244.0.0/16"`,
	"strings.MaxRunes": "is too long",
}

// explain renders one CUE constraint failure as a message and a fix.
// Values are cut to a readable length: a message never echoes a
// megabyte.
func explain(format string, args []any, got string) (string, string) {
	args, got = clipArgs(args), clip(got)
	text := fmt.Sprintf(format, args...)
	switch {
	case strings.HasPrefix(format, "invalid value ") && strings.Contains(format, "(out of bound ") && len(args) == 2:
		bound := fmt.Sprint(args[1])
		if pat, ok := strings.CutPrefix(bound, "=~"); ok {
			if help, ok := patternHelp[unquote(pat)]; ok {
				return fmt.Sprintf("%v %s", args[0], help), ""
			}
			return fmt.Sprintf("%v does not match %s", args[0], pat), ""
		}
		return fmt.Sprintf("%v is out of range: must be %s", args[0], boundWords(bound)), ""
	case strings.HasPrefix(format, "invalid value ") && strings.Contains(format, "(does not satisfy ") && len(args) >= 2:
		name, _, _ := strings.Cut(fmt.Sprint(args[1]), "(")
		if help, ok := validatorHelp[name]; ok {
			return fmt.Sprintf("%v %s", args[0], help), ""
		}
		return text, ""
	case strings.Contains(format, "mismatched types") && len(args) >= 4:
		return fmt.Sprintf("%v has the wrong type: want %v, got %v", pick(args[:2], got), args[3], args[2]), ""
	case strings.HasPrefix(format, "conflicting values %s and %s") && len(args) >= 2:
		return fmt.Sprintf("%s conflicts with %s", args[0], args[1]), "set it once, or to the same value everywhere"
	}
	return text, ""
}

// maxShown is how much of a value a message shows.
const maxShown = 80

// clip cuts a long value, at a rune boundary, saying how long it was.
func clip(s string) string {
	if len(s) <= maxShown {
		return s
	}
	cut := maxShown - 20
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s... (%d bytes)", s[:cut], len(s))
}

// clipArgs clips the arguments of a message whose text is long.
func clipArgs(args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		if s := fmt.Sprint(a); len(s) > maxShown {
			out[i] = clip(s)
		} else {
			out[i] = a
		}
	}
	return out
}

func pick(args []any, got string) any {
	for _, a := range args {
		if fmt.Sprint(a) == got {
			return a
		}
	}
	return args[0]
}

func unquote(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
		return strings.ReplaceAll(s, `\\`, `\`)
	}
	return s
}

// fieldFix suggests the field the user most likely meant, from the schema.
// fieldProblem explains a field the schema does not allow at parent: in a
// struct, an unknown field (with the likeliest meant one); in a map whose
// keys follow a rule, a key that breaks it.
func fieldProblem(def cue.Value, parent, field string) (msg, fix string) {
	if rule, ok := keyRule(parent); ok && len(schemaFields(def, parent)) == 0 {
		return fmt.Sprintf("%q is not a valid key here: %s", field, rule), keyFix(parent, field)
	}
	return fmt.Sprintf("unknown field %q", field), fieldFix(def, parent, field)
}

// keyRule says what the keys of the schema's rule-bound maps must look like.
func keyRule(parent string) (string, bool) {
	labels := strings.Split(parent, ".")
	last := labels[len(labels)-1]
	switch {
	case parent == "cluster.substitutions.settings" || parent == "cluster.substitutions.secrets":
		return "variable names are upper case letters, digits and '_', not starting with a digit", true
	case len(labels) == 3 && labels[0] == "apps" && (last == "manifests" || last == "secrets"):
		return "names are DNS-1123 labels: lowercase letters, digits and '-', starting and ending with a letter or digit", true
	}
	return "", false
}

func keyFix(parent, field string) string {
	if strings.HasPrefix(parent, "cluster.substitutions") {
		return fmt.Sprintf("rename it, e.g. %q", strings.Trim(nonEnv.ReplaceAllString(strings.ToUpper(field), "_"), "_"))
	}
	name := strings.Trim(nonName.ReplaceAllString(strings.ToLower(strings.TrimSuffix(field, ".yaml")), "-"), "-")
	if strings.HasSuffix(parent, ".manifests") {
		return fmt.Sprintf("rename it, e.g. %q (hogen adds .yaml to the file name)", name)
	}
	return fmt.Sprintf("rename it, e.g. %q", name)
}

var (
	nonEnv  = regexp.MustCompile(`[^A-Z0-9_]+`)
	nonName = regexp.MustCompile(`[^a-z0-9-]+`)
)

func fieldFix(def cue.Value, parent, field string) string {
	known := schemaFields(def, parent)
	if len(known) == 0 {
		return "remove it"
	}
	if best := Closest(field, known); best != "" {
		return fmt.Sprintf("did you mean %q?", best)
	}
	return "remove it; allowed here: " + strings.Join(known, ", ")
}

// Closest is the name in known that word is most likely a typo of, or ""
// when none is near enough to suggest.
func Closest(word string, known []string) string {
	best, dist := "", 1<<30
	for _, k := range known {
		if d := editDistance(word, k); d < dist {
			best, dist = k, d
		}
	}
	if dist <= max(2, len(word)/3) {
		return best
	}
	return ""
}

// schemaFields lists the fields the schema allows at a description path,
// following pattern constraints ([Name=string]: #Node) for map keys.
func schemaFields(def cue.Value, p string) []string {
	v := def
	if p != "" {
		for _, label := range strings.Split(p, ".") {
			next, ok := fields(v)[label]
			if !ok {
				next = v.LookupPath(cue.MakePath(cue.AnyString))
			}
			if !next.Exists() {
				// A key-bound pattern ([#Name]: #Manifest) applies once the key
				// is there.
				sel := cue.MakePath(cue.Str(label))
				next = v.FillPath(sel, struct{}{}).LookupPath(sel)
			}
			if !next.Exists() {
				return nil
			}
			v = next
		}
	}
	var out []string
	for name := range fields(v) {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// fields maps the names of v's regular, optional and required fields to
// their values; LookupPath alone does not find required fields not set.
func fields(v cue.Value) map[string]cue.Value {
	it, err := v.Fields(cue.Optional(true))
	if err != nil {
		return nil
	}
	m := map[string]cue.Value{}
	for it.Next() {
		m[strings.TrimRight(it.Selector().String(), "?!")] = it.Value()
	}
	return m
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// boundWords reads a CUE bound such as ">=576" as "at least 576".
func boundWords(bound string) string {
	for _, w := range []struct{ op, words string }{{">=", "at least "}, {"<=", "at most "}, {">", "more than "}, {"<", "less than "}, {"!=", "other than "}} {
		if rest, ok := strings.CutPrefix(bound, w.op); ok {
			return w.words + rest
		}
	}
	return bound
}
