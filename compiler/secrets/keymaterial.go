package secrets

import (
	"fmt"
	"sort"
	"strconv"

	"gopkg.in/yaml.v3"
)

// FlattenYAML turns a YAML document of key material (the Talos secrets
// bundle, say) into named values for GuardLeaks: every string leaf, named
// prefix + its dotted path ("talos-secrets:certs.os.key"), so a leak is
// reported by where the value lives, never by the value.
func FlattenYAML(prefix string, data []byte) (map[string]string, error) {
	var doc any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("reading %s for the leak guard: %w", prefix, err)
	}
	out := map[string]string{}
	flatten(prefix+":", "", doc, out)
	return out, nil
}

func flatten(prefix, path string, v any, out map[string]string) {
	join := func(k string) string {
		if path == "" {
			return k
		}
		return path + "." + k
	}
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			flatten(prefix, join(k), v[k], out)
		}
	case []any:
		for i, e := range v {
			flatten(prefix, join(strconv.Itoa(i)), e, out)
		}
	case string:
		out[prefix+path] = v
	}
}
