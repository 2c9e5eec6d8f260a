package talos

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/hogen-dev/hogen/compiler/model"
	"github.com/hogen-dev/hogen/emitters"
)

// A Talos patch may name a value of secrets.sops.yaml wherever it holds a
// string, with an object in its place:
//
//	{$secret: "tailscale-authkey"}
//	{$concat: ["TS_AUTHKEY=", {$secret: "tailscale-authkey"}, "\n"]}
//
// The first stands for the value, the second for its strings and values
// joined (a value inside a file's content or an environment entry). Keys
// starting with "$" never occur in a Talos config, and Talos' patches know
// only $patch (a directive, left as it is), so the form cannot be mistaken
// for one. hogen puts the values in as it loads the patch, and
// the node's config encrypts every field that holds one: the field's key
// joins the EncryptedRegex of that file, so SOPS encrypts it (and any
// other field of the same name in the file) and the value never reaches
// Git in clear.
const (
	refSecret = "$secret"
	refConcat = "$concat"
)

// secretRef is one reference, at its description path.
type secretRef struct {
	path, name string
}

// patchRefs is what a patch says about secrets: its references, the keys
// of the config fields that hold them, and what is wrong with its
// references' shapes.
type patchRefs struct {
	refs     []secretRef
	keys     []string
	problems emitters.Problems
}

// hasRefs tells cheaply whether a patch may hold a reference: a key
// starting with "$" is written `"$` in JSON.
func hasRefs(p model.Patch) bool { return bytes.Contains(p, []byte(`"$`)) }

// decodePatch decodes a patch as JSON, numbers kept as written.
func decodePatch(p model.Patch) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(p))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	return v, err
}

// refsOf walks the patch written at path (e.g. "cluster.patches.all.0").
func refsOf(path string, p model.Patch) patchRefs {
	var out patchRefs
	if !hasRefs(p) {
		return out
	}
	v, err := decodePatch(p)
	if err != nil {
		return out // loadPatches reports a patch that is not JSON
	}
	w := refWalker{out: &out}
	if ops, ok := v.([]any); ok {
		w.ops(path, ops)
	} else {
		w.value(path, "", v)
	}
	slices.Sort(out.keys)
	out.keys = slices.Compact(out.keys)
	return out
}

type refWalker struct{ out *patchRefs }

func (w refWalker) problem(path, msg, fix string) {
	w.out.problems = append(w.out.problems, emitters.Problem{Path: path, Msg: msg, Fix: fix})
}

// ops walks a JSON6902 patch: a reference may stand in an operation's
// value, for the field its path ends in.
func (w refWalker) ops(path string, ops []any) {
	for i, op := range ops {
		at := path + "." + strconv.Itoa(i)
		m, ok := op.(map[string]any)
		if !ok {
			continue
		}
		for _, k := range slices.Sorted(maps.Keys(m)) {
			switch k {
			case "value":
				p, _ := m["path"].(string)
				w.value(at+".value", lastField(p), m[k])
			default:
				w.value(at+"."+k, "", m[k])
			}
		}
	}
}

// lastField is the last key of a JSON pointer that is not a list index.
func lastField(pointer string) string {
	segs := strings.Split(pointer, "/")
	for i := len(segs) - 1; i > 0; i-- {
		s := strings.NewReplacer("~1", "/", "~0", "~").Replace(segs[i])
		if _, err := strconv.Atoi(s); err != nil && s != "-" {
			return s
		}
	}
	return ""
}

// value walks v, found at path under the config field key.
func (w refWalker) value(path, key string, v any) {
	switch v := v.(type) {
	case []any:
		for i, e := range v {
			w.value(path+"."+strconv.Itoa(i), key, e)
		}
	case map[string]any:
		if isRef(v) {
			w.ref(path, key, v)
			return
		}
		for _, k := range slices.Sorted(maps.Keys(v)) {
			w.value(path+"."+k, k, v[k])
		}
	}
}

// talosDirective is the one "$" key Talos' strategic merge patches know:
// {$patch: delete} removes what it stands at.
const talosDirective = "$patch"

// isRef tells whether an object is a reference: it has a "$" key other
// than Talos' own directive.
func isRef(m map[string]any) bool {
	for k := range m {
		if strings.HasPrefix(k, "$") && k != talosDirective {
			return true
		}
	}
	return false
}

const refFix = `write {$secret: "name"}, or {$concat: ["TEXT=", {$secret: "name"}]} for a value inside a string`

// ref checks a reference and records it with the field it fills.
func (w refWalker) ref(path, key string, m map[string]any) {
	if key == "" {
		w.problem(path, "a secret reference must stand for the value of a field of the config", refFix)
		return
	}
	if len(m) != 1 {
		w.problem(path, fmt.Sprintf("a secret reference has one key, %s or %s; this one has %d", refSecret, refConcat, len(m)), refFix)
		return
	}
	secret, isSecret := m[refSecret]
	concat, isConcat := m[refConcat]
	switch {
	case isSecret:
		w.secret(path, key, secret)
	case isConcat:
		parts, ok := concat.([]any)
		if !ok {
			w.problem(path+"."+refConcat, refConcat+" takes a list of strings and {$secret: name}", refFix)
			return
		}
		for i, part := range parts {
			at := fmt.Sprintf("%s.%s.%d", path, refConcat, i)
			switch part := part.(type) {
			case string:
			case map[string]any:
				if s, ok := part[refSecret]; ok && len(part) == 1 {
					w.secret(at, key, s)
					continue
				}
				w.problem(at, refConcat+" takes a list of strings and {$secret: name}", refFix)
			default:
				w.problem(at, refConcat+" takes a list of strings and {$secret: name}", refFix)
			}
		}
	default:
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if k != talosDirective {
				w.problem(path+"."+k, fmt.Sprintf("%q is not a secret reference", k), refFix)
			}
		}
	}
}

// secretName is what a secrets.sops.yaml name looks like (#SecretRef).
var secretName = regexp.MustCompile(`^[a-zA-Z0-9._-]+$`)

func (w refWalker) secret(path, key string, name any) {
	at := path + "." + refSecret
	s, ok := name.(string)
	if !ok || !secretName.MatchString(s) {
		w.problem(at, refSecret+" takes the name of a value in secrets.sops.yaml", `write {$secret: "name"}; see hogen secrets list`)
		return
	}
	w.out.refs = append(w.out.refs, secretRef{path: at, name: s})
	w.out.keys = append(w.out.keys, key)
}

// SecretRefs calls fn with the description path and the name of every
// well-formed secret reference in the Talos patches, in a stable order, so
// the compiler checks each name as it checks the others.
func SecretRefs(d *model.Description, fn func(path, name string)) {
	for _, ps := range patchSets(d) {
		for i, p := range ps.patches {
			for _, r := range refsOf(fmt.Sprintf("%s.%d", ps.at, i), p).refs {
				fn(r.path, r.name)
			}
		}
	}
}

// patchSet is a list of patches and where it is written.
type patchSet struct {
	at      string
	patches []model.Patch
}

func patchSets(d *model.Description) []patchSet {
	ps := d.Cluster.Patches
	out := []patchSet{
		{"cluster.patches.all", ps.All},
		{"cluster.patches.controlplane", ps.ControlPlane},
		{"cluster.patches.worker", ps.Worker},
	}
	for _, n := range d.Nodes {
		out = append(out, patchSet{"nodes." + n.Name + ".patches", n.Patches})
	}
	return out
}

// refProblems are the malformed references of every patch.
func refProblems(d *model.Description) emitters.Problems {
	var out emitters.Problems
	for _, ps := range patchSets(d) {
		for i, p := range ps.patches {
			out = append(out, refsOf(fmt.Sprintf("%s.%d", ps.at, i), p).problems...)
		}
	}
	return out
}
