package flux

import (
	"encoding/json"
	"slices"
	"strings"
	"time"

	jsonpatch "github.com/evanphx/json-patch"

	"github.com/hogen-dev/hogen/compiler/importer"
)

// The spec fields of #KustomizationPolicy and #HelmReleasePolicy: Flux's
// policy, as opposed to what a Kustomization or release applies.
var (
	kustomizationPolicyKeys = []string{"interval", "timeout", "retryInterval", "wait", "prune", "force", "suspend",
		"deletionPolicy", "serviceAccountName", "patches", "healthCheckExprs", "commonMetadata"}
	helmReleasePolicyKeys = []string{"interval", "timeout", "maxHistory", "serviceAccountName", "persistentClient", "suspend",
		"releaseName", "targetNamespace", "storageNamespace", "install", "upgrade", "rollback", "uninstall", "test",
		"driftDetection", "valuesFrom", "postRenderers"}
)

// Policy fields that are an object's own, never a cluster-wide default.
var (
	ownKustomizationKeys = []string{"patches", "healthCheckExprs", "commonMetadata"}
	ownHelmReleaseKeys   = []string{"interval", "timeout", "releaseName", "targetNamespace", "storageNamespace", "valuesFrom", "postRenderers"}
)

func isKey(keys []string, k string) bool { return slices.Contains(keys, k) }

// onlyKeys tells whether every key of m is one of keys.
func onlyKeys(m map[string]any, keys []string) bool {
	for k := range m {
		if !isKey(keys, k) {
			return false
		}
	}
	return true
}

// policyFields reads the fields of spec named in keys, as JSON-like
// values, marking them read.
func (im *imp) policyFields(spec *importer.Obj, keys []string) (map[string]any, error) {
	out := map[string]any{}
	for _, k := range spec.Keys() {
		if !isKey(keys, k) {
			continue
		}
		n := spec.Raw(k)
		if n == nil {
			continue
		}
		v, err := decode(n)
		if err != nil {
			line, col := spec.Doc().Pos(n)
			return nil, importerError(spec.File(), line, col, spec.Field(k), err)
		}
		out[k] = shortDurations(k, v)
	}
	return out, nil
}

// mergeAll merges patches over base like a JSON merge patch (RFC 7386),
// as kustomize merges a strategic-merge patch into a custom resource:
// objects key by key, lists and values replaced, null removing.
func mergeAll(base map[string]any, patches ...map[string]any) map[string]any {
	doc, _ := json.Marshal(base)
	for _, p := range patches {
		pb, _ := json.Marshal(p)
		if merged, err := jsonpatch.MergePatch(doc, pb); err == nil {
			doc = merged
		}
	}
	var out map[string]any
	if json.Unmarshal(doc, &out) != nil || out == nil {
		out = map[string]any{}
	}
	out, _ = canon(out).(map[string]any)
	return out
}

// mergeDiff is the merge patch that turns base into want: what a
// description writes over defaults (null for what it removes).
func mergeDiff(base, want map[string]any) map[string]any {
	b, _ := json.Marshal(canon(base))
	w, _ := json.Marshal(canon(want))
	patch, err := jsonpatch.CreateMergePatch(b, w)
	if err != nil {
		return want
	}
	var out map[string]any
	if json.Unmarshal(patch, &out) != nil {
		return want
	}
	out, _ = canon(out).(map[string]any)
	return out
}

// durationKeys are the policy fields that hold durations.
var durationKeys = []string{"interval", "timeout", "retryInterval"}

// shortDurations writes the durations of policy field key (v, or under
// it) that are in Go's long form ("1h0m0s", what hogen and flux export
// write) in the short form people write ("1h"); others stay as written.
func shortDurations(key string, v any) any {
	switch x := v.(type) {
	case string:
		if isKey(durationKeys, key) {
			return shortDuration(x)
		}
	case map[string]any:
		for k, e := range x {
			x[k] = shortDurations(k, e)
		}
	case []any:
		for i, e := range x {
			x[i] = shortDurations("", e)
		}
	}
	return v
}

func shortDuration(s string) string {
	d, err := time.ParseDuration(s)
	if err != nil || d.String() != s || d == 0 {
		return s
	}
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
