package talos

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/hogen-dev/hogen/compiler/model"
	"github.com/hogen-dev/hogen/emitters"
)

// resolveRefs returns the patch with every reference replaced by its value
// from lookup. A patch without references comes back as it is.
func resolveRefs(path string, p model.Patch, lookup func(name string) (string, bool)) (model.Patch, error) {
	pr := refsOf(path, p)
	if len(pr.problems) > 0 {
		return nil, pr.problems
	}
	if len(pr.refs) == 0 {
		return p, nil
	}
	v, err := decodePatch(p)
	if err != nil {
		return nil, err
	}
	var missing emitters.Problems
	get := func(at, name string) string {
		s, ok := lookup(name)
		if !ok {
			missing = append(missing, emitters.Problem{Path: at, Msg: fmt.Sprintf("secret %q is not in secrets.sops.yaml", name),
				Fix: fmt.Sprintf("add it: echo -n VALUE | hogen secrets set %s", name)})
		}
		return s
	}
	v = substitute(path, v, get)
	if len(missing) > 0 {
		return nil, missing
	}
	return json.Marshal(v)
}

// substitute replaces the references in v (checked well-formed).
func substitute(path string, v any, get func(at, name string) string) any {
	switch v := v.(type) {
	case []any:
		for i, e := range v {
			v[i] = substitute(path+"."+strconv.Itoa(i), e, get)
		}
	case map[string]any:
		if name, ok := v[refSecret].(string); ok && len(v) == 1 {
			return get(path+"."+refSecret, name)
		}
		if parts, ok := v[refConcat].([]any); ok && len(v) == 1 {
			var b strings.Builder
			for i, part := range parts {
				switch part := part.(type) {
				case string:
					b.WriteString(part)
				case map[string]any:
					b.WriteString(get(fmt.Sprintf("%s.%s.%d.%s", path, refConcat, i, refSecret), part[refSecret].(string)))
				}
			}
			return b.String()
		}
		for k, e := range v {
			v[k] = substitute(path+"."+k, e, get)
		}
	}
	return v
}

// nodeRefKeys are the keys of the config fields that the node's patches
// (cluster, role, node) fill with secret values.
func nodeRefKeys(d *model.Description, n *model.Node) []string {
	keys, _ := nodeRefs(d, n)
	return keys
}

// nodeRefs returns the keys of the fields n's patches fill with secret
// values, and, when there are any, the patches themselves: the digest
// masks those fields whole, so it takes what shapes them from the patches
// as written (secret names, never values) to see every change to them.
func nodeRefs(d *model.Description, n *model.Node) ([]string, []model.Patch) {
	role := d.Cluster.Patches.Worker
	roleAt := "cluster.patches.worker"
	if n.Role == model.RoleControlPlane {
		role, roleAt = d.Cluster.Patches.ControlPlane, "cluster.patches.controlplane"
	}
	var keys []string
	var all []model.Patch
	for _, ps := range []patchSet{{"cluster.patches.all", d.Cluster.Patches.All}, {roleAt, role}, {"nodes." + n.Name + ".patches", n.Patches}} {
		for i, p := range ps.patches {
			keys = append(keys, refsOf(fmt.Sprintf("%s.%d", ps.at, i), p).keys...)
			all = append(all, p)
		}
	}
	if len(keys) == 0 {
		return nil, nil
	}
	slices.Sort(keys)
	return slices.Compact(keys), all
}

var keyMaterial = regexp.MustCompile(EncryptedRegex)

// encryptedRegex is EncryptedRegex with the keys holding secret values
// added (those it does not match already), for the file of a node whose
// patches reference secrets.
func encryptedRegex(refKeys []string) string {
	var quoted []string
	for _, k := range refKeys {
		if !keyMaterial.MatchString(k) {
			quoted = append(quoted, regexp.QuoteMeta(k))
		}
	}
	if len(quoted) == 0 {
		return EncryptedRegex
	}
	return strings.TrimSuffix(EncryptedRegex, ")$") + "|" + strings.Join(quoted, "|") + ")$"
}

// SealedBeyondKeys is a node config whose patches fill fields from
// secrets.sops.yaml, and the EncryptedRegex it is sealed with.
type SealedBeyondKeys struct{ Path, EncryptedRegex string }

// ConfigsSealedBeyondKeys are the node configs, in node order, that
// encrypt more than EncryptedRegex: .sops.yaml gives each its own rule, so
// sops encrypts a config re-encrypted by hand as hogen does.
func ConfigsSealedBeyondKeys(d *model.Description) []SealedBeyondKeys {
	var out []SealedBeyondKeys
	for i := range d.Nodes {
		if re := encryptedRegex(nodeRefKeys(d, &d.Nodes[i])); re != EncryptedRegex {
			out = append(out, SealedBeyondKeys{Dir + "/" + d.Nodes[i].Name + ".yaml", re})
		}
	}
	return out
}
