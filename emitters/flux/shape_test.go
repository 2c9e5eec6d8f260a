package flux

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// TestBuildShape: builds that differ only by names share a shape; builds
// whose names coincide differently (two objects of one name: a duplicate
// kustomize refuses), or that differ in anything else, do not. A build
// that patches has none.
func TestBuildShape(t *testing.T) {
	cm := func(name string) json.RawMessage {
		return raw(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"` + name + `"}}`)
	}
	withManifests := func(ms map[string]json.RawMessage) func(*testApp) {
		return func(a *testApp) { a.Manifests = ms }
	}
	shapeOf := func(t *testing.T, opts ...func(*testApp)) string {
		t.Helper()
		d := smallDesc(func(d *testDesc) {
			d.Apps = []testApp{app("one", "default", "oci://ghcr.io/x", "chart", "1.0.0", opts...)}
		}).build()
		a := &d.Apps[0]
		k := &a.Kustomizations[0]
		ks, err := fluxKustomization("", a, k)
		if err != nil {
			t.Fatal(err)
		}
		var kust = kustomization([]string{"./helmrelease.yaml", "./ocirepository.yaml"})
		return buildShape(d, a, k, fluxBuildOf(ks, "x", kust).flux)
	}
	base := shapeOf(t, withManifests(map[string]json.RawMessage{"a": cm("alpha"), "b": cm("beta")}))
	tests := []struct {
		name string
		opts []func(*testApp)
		same bool
	}{
		{"other names", []func(*testApp){withManifests(map[string]json.RawMessage{"a": cm("gamma"), "b": cm("delta")})}, true},
		{"two objects of one name", []func(*testApp){withManifests(map[string]json.RawMessage{"a": cm("alpha"), "b": cm("alpha")})}, false},
		{"an object named like the release", []func(*testApp){withManifests(map[string]json.RawMessage{"a": cm("one"), "b": cm("beta")})}, false},
		{"another kind", []func(*testApp){withManifests(map[string]json.RawMessage{"a": cm("alpha"), "b": raw(`{"apiVersion":"v1","kind":"Service","metadata":{"name":"beta"}}`)})}, false},
		{"an annotation", []func(*testApp){withManifests(map[string]json.RawMessage{"a": cm("alpha"), "b": raw(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"beta","annotations":{"config.kubernetes.io/local-config":"true"}}}`)})}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := shapeOf(t, tc.opts...) == base; got != tc.same {
				t.Errorf("same shape = %v, want %v", got, tc.same)
			}
		})
	}
	patched := shapeOf(t, func(a *testApp) {
		setPolicy(a, "patches", []map[string]any{{"patch": "- op: remove\n  path: /spec/x\n", "target": map[string]any{"kind": "HelmRelease"}}})
	})
	if patched != "" {
		t.Errorf("a patching build has shape %q, want none", patched)
	}
}

// TestSubstitutionBreaksYAML: a variable whose value breaks the document
// once Flux substitutes it fails the build, naming the file.
func TestSubstitutionBreaksYAML(t *testing.T) {
	d := small(func(d *testDesc) {
		d.Apps[0].Substitute = map[string]string{"GREETING": "hello: world"}
		d.Apps[0].Values = raw(`{"message":"${GREETING}"}`)
	})
	_, err := Emit(context.Background(), d)
	if err == nil || !strings.Contains(err.Error(), "kubernetes/apps/default/echo/app/helmrelease.yaml: not YAML once Flux substitutes its variables") {
		t.Fatalf("err = %v, want the HelmRelease named", err)
	}
	d = small(func(d *testDesc) {
		d.Apps[0].Substitute = map[string]string{"GREETING": "hello world"}
		d.Apps[0].Values = raw(`{"message":"${GREETING}"}`)
	})
	if _, err := Emit(context.Background(), d); err != nil {
		t.Errorf("a value that keeps the YAML: %v", err)
	}
}
