package flux

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/hogen-dev/hogen/compiler/model"
)

// TestEmitRefuses covers descriptions the compiler should already reject
// (unknown dependencies, cycles, bad names) and ones only the Flux tree
// can judge: Emit must fail with a message naming the culprit, never loop
// or write a partial tree.
func TestEmitRefuses(t *testing.T) {
	second := func(name string, deps ...string) func(*testDesc) {
		return func(d *testDesc) {
			d.Apps = append(d.Apps, app(name, "default", "https://charts.example.com", name, "1.0.0", func(a *testApp) { a.DependsOn = deps }))
		}
	}
	tests := []struct {
		name    string
		opts    []func(*testDesc)
		wantErr string
	}{
		{"unknown dependency", []func(*testDesc){second("web", "database")}, `app "web" depends on unknown app "database"`},
		{"self dependency", []func(*testDesc){second("web", "web")}, "cycle: web -> web"},
		{"cycle", []func(*testDesc){second("web", "api"), second("api", "db"), second("db", "web")}, "cycle: api -> db -> web -> api"},
		{"cycle behind a healthy app", []func(*testDesc){second("web", "echo", "api"), second("api", "web")}, "cycle: api -> web -> api"},
		{"traversal in an app name", []func(*testDesc){func(d *testDesc) { d.Apps[0].Name = "../etc" }}, `app name "../etc" is not a DNS-1123 label`},
		{"traversal in a namespace", []func(*testDesc){func(d *testDesc) { d.Apps[0].Namespace = "a/b" }}, `namespace "a/b" is not a DNS-1123 label`},
		{"traversal in the source path", []func(*testDesc){func(d *testDesc) { d.Cluster.Flux.Source.Path = "../x" }}, `"../x" leaves the repository`},
		{"unclean source path", []func(*testDesc){func(d *testDesc) { d.Cluster.Flux.Source.Path = "a//b" }}, `write it as "a/b"`},
		{"reserved app name", []func(*testDesc){func(d *testDesc) { d.Apps[0].Name = "cluster-apps" }}, `"cluster-apps" is reserved`},
		{"manifest named like a hogen file", []func(*testDesc){func(d *testDesc) {
			d.Apps[0].Manifests = map[string]json.RawMessage{"helmrelease": raw(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"}}`)}
		}}, `manifest name "helmrelease" clashes`},
		{"manifest traversal", []func(*testDesc){func(d *testDesc) {
			d.Apps[0].Manifests = map[string]json.RawMessage{"../x": raw(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"}}`)}
		}}, `manifest name "../x"`},
		{"kustomize build fails", []func(*testDesc){func(d *testDesc) {
			cm := raw(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"same"}}`)
			d.Apps[0].Manifests = map[string]json.RawMessage{"one": cm, "two": cm}
		}}, "kustomize build kubernetes/apps/default/echo/app: "},
		{"values not an object", []func(*testDesc){func(d *testDesc) { d.Apps[0].Values = raw(`[1]`) }}, "values must be a JSON object"},
		{"bad duration", []func(*testDesc){func(d *testDesc) { setPolicy(&d.Apps[0], "timeout", "soon") }}, `"timeout":"soon"`},
		{"bootstrap app needs a Flux app", []func(*testDesc){second("cni"), func(d *testDesc) {
			d.Apps[0].Bootstrap, d.Apps[0].DependsOn = true, []string{"cni"}
		}}, `bootstrap app "echo": release echo: depends on "cni", which is not a bootstrap app`},
		{"bootstrap values use a cluster secret", []func(*testDesc){func(d *testDesc) {
			d.Cluster.Substitutions.Secrets = map[string]string{"SECRET_DOMAIN": "token"}
			d.Apps[0].Bootstrap, d.Apps[0].Values = true, raw(`{"host":"echo.${SECRET_DOMAIN}"}`)
		}}, "values use the cluster secret ${SECRET_DOMAIN}"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			files, err := Emit(context.Background(), small(tc.opts...))
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.wantErr)
			}
			if files != nil {
				t.Errorf("got %d files with the error, want none", len(files))
			}
		})
	}
}

// TestCheck reports a bootstrap app depending on a Flux-only app with its
// description path, before any emitter runs.
func TestCheck(t *testing.T) {
	d := small(func(d *testDesc) {
		d.Apps = append(d.Apps, app("cni", "kube-system", "oci://x.io/c", "cni", "1.0.0", func(a *testApp) {
			a.Bootstrap, a.DependsOn = true, []string{"echo"}
		}))
	})
	ps := Check(d)
	if len(ps) != 1 || ps[0].Path != "apps.cni.dependsOn" || ps[0].Warning || ps[0].Fix == "" {
		t.Errorf("Check = %+v, want one error at apps.cni.dependsOn with a fix", ps)
	}
}

// TestHelmfileSubstitutes checks that a bootstrap app's helmfile values are
// what Flux renders for its HelmRelease: cluster settings substituted.
func TestHelmfileSubstitutes(t *testing.T) {
	d := small(func(d *testDesc) {
		d.Cluster.Substitutions.Settings = map[string]string{"DOMAIN": `ex"ample.com`}
		d.Apps[0].Bootstrap = true
		d.Apps[0].Values = raw(`{"host":"echo.${DOMAIN}","other":"${UNKNOWN}"}`)
	})
	hf := string(emitMap(t, d)[HelmfilePath].Data)
	for _, want := range []string{`  - host: echo.ex"ample.com`, "    other: ${UNKNOWN}", "- name: echo\n  url: https://charts.example.com", "chart: echo/echo"} {
		if !strings.Contains(hf, want) {
			t.Errorf("helmfile lacks %q:\n%s", want, hf)
		}
	}
}

// TestOrderRefusesDuplicates: the model may come from elsewhere than the
// load; two apps of one name are refused, not merged.
func TestOrderRefusesDuplicates(t *testing.T) {
	d := small()
	d.Apps = append(d.Apps, d.Apps[0])
	if _, err := Order(d.Apps); err == nil || !strings.Contains(err.Error(), `app "echo" is defined twice`) {
		t.Errorf("Order = %v, want the duplicate named", err)
	}
}

// TestOrderAcrossApps: apps whose Kustomizations wait on each other's
// (rook-ceph's operator, then ceph-csi-drivers, then rook-ceph's cluster,
// as onedr0p's home-ops has them) are ordered by their Kustomizations;
// Kustomizations that wait on each other are a cycle.
func TestOrderAcrossApps(t *testing.T) {
	dep := func(name, app string) model.Dependency { return model.Dependency{Name: name, App: app} }
	rook := model.App{Name: "rook-ceph", Kustomizations: []model.Kustomization{
		{Name: "rook-ceph"},
		{Name: "rook-ceph-cluster", DependsOn: []model.Dependency{dep("ceph-csi-drivers", "ceph-csi-drivers"), dep("rook-ceph", "rook-ceph")}},
	}}
	csi := model.App{Name: "ceph-csi-drivers", Kustomizations: []model.Kustomization{
		{Name: "ceph-csi-drivers", DependsOn: []model.Dependency{dep("rook-ceph", "rook-ceph")}},
	}}
	got, err := Order([]model.App{csi, rook})
	if err != nil {
		t.Fatalf("Order: %v", err)
	}
	if names := []string{got[0].Name, got[1].Name}; names[0] != "rook-ceph" || names[1] != "ceph-csi-drivers" {
		t.Errorf("Order = %v, want rook-ceph (whose operator comes first), then ceph-csi-drivers", names)
	}
	rook.Kustomizations[0].DependsOn = []model.Dependency{dep("ceph-csi-drivers", "ceph-csi-drivers")}
	if _, err := Order([]model.App{csi, rook}); err == nil || !strings.Contains(err.Error(), "cycle: ceph-csi-drivers -> rook-ceph -> ceph-csi-drivers") {
		t.Errorf("Order of a Kustomization cycle = %v, want the cycle named", err)
	}
}
