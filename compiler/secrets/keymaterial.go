package secrets

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"

	"gopkg.in/yaml.v3"
)

// TalosKeyMaterial matches the keys of a Talos secrets bundle (the
// `talosctl gen secrets` format) that hold secrets: private keys, tokens
// and encryption secrets, not the certificates, which are public and may
// rightly appear in plaintext output.
var TalosKeyMaterial = regexp.MustCompile(`^(key|token|secret|bootstraptoken|secretboxencryptionsecret|aescbcencryptionsecret)$`)

// FlattenYAML turns a YAML document of key material (the Talos secrets
// bundle, say) into named values for GuardLeaks: every string leaf whose
// key matches keys (all of them when keys is nil), named prefix + its
// dotted path ("talos/secrets.sops.yaml:certs.os.key"), so a leak is
// reported by where the value lives, never by the value.
func FlattenYAML(prefix string, data []byte, keys *regexp.Regexp) (map[string]string, error) {
	var doc any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("reading %s for the leak guard: %w", prefix, err)
	}
	out := map[string]string{}
	flatten(prefix+":", "", "", doc, keys, out)
	return out, nil
}

func flatten(prefix, path, key string, v any, keys *regexp.Regexp, out map[string]string) {
	join := func(k string) string {
		if path == "" {
			return k
		}
		return path + "." + k
	}
	switch v := v.(type) {
	case map[string]any:
		names := make([]string, 0, len(v))
		for k := range v {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			flatten(prefix, join(k), k, v[k], keys, out)
		}
	case []any:
		for i, e := range v {
			flatten(prefix, join(strconv.Itoa(i)), key, e, keys, out)
		}
	case string:
		if keys == nil || keys.MatchString(key) {
			out[prefix+path] = v
		}
	}
}
