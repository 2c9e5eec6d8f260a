package flux

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/hogen-dev/hogen/compiler/model"
)

// many is a description with n apps over n/100 namespaces: every third
// from an OCI registry, every tenth with a Secret and an extra manifest,
// each depending on up to two earlier apps.
func many(n int) *model.Description {
	d := smallDesc()
	d.Apps = d.Apps[:0]
	d.Cluster.Substitutions.Settings = map[string]string{"DOMAIN": "example.com"}
	for i := range n {
		name := fmt.Sprintf("app-%04d", i)
		repo := "https://charts.example.com"
		if i%3 == 0 {
			repo = "oci://ghcr.io/example/charts"
		}
		d.Apps = append(d.Apps, app(name, fmt.Sprintf("ns-%02d", i%(n/100+1)), repo, "chart", "1.2.3", func(a *testApp) {
			a.Values = raw(fmt.Sprintf(`{"replicas":%d,"ingress":{"enabled":true,"hosts":["%s.${DOMAIN}"]},"resources":{"requests":{"cpu":"10m","memory":"64Mi"}}}`, i%3+1, name))
			if i > 0 {
				a.DependsOn = append(a.DependsOn, fmt.Sprintf("app-%04d", i/2))
			}
			if i%10 == 0 {
				a.Secrets = map[string]map[string]string{name + "-auth": {"TOKEN": "token"}}
				a.Manifests = map[string]json.RawMessage{"config": raw(fmt.Sprintf(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"%s-config"},"data":{"a":"b"}}`, name))}
			}
		}))
	}
	return d.build()
}

func BenchmarkEmit2000(b *testing.B) {
	d := many(2000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Emit(context.Background(), d); err != nil {
			b.Fatal(err)
		}
	}
}

// TestManyApps makes sure the benchmark's description is valid.
func TestManyApps(t *testing.T) {
	files, err := Emit(context.Background(), many(300))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 300*4 {
		t.Errorf("%d files for 300 apps, want at least 4 each", len(files))
	}
}

// manyHomeOps is a home-ops-shaped description of n apps over n/20+1
// namespaces: each on app-template with two Components filled per app
// (volsync, gatus), every fifth with a second release, every tenth with a
// config/ Kustomization of manifests depending on its app/, every third
// with a generated ConfigMap.
func manyHomeOps(n int) *model.Description {
	d := smallDesc()
	d.Apps = d.Apps[:0]
	d.Cluster.Substitutions.Settings = map[string]string{"DOMAIN": "example.com", "TIMEZONE": "Europe/Paris"}
	for i := range n {
		name := fmt.Sprintf("app-%04d", i)
		d.Apps = append(d.Apps, app(name, fmt.Sprintf("ns-%02d", i%(n/20+1)), "oci://ghcr.io/bjw-s-labs/helm", "app-template", "4.3.0", func(a *testApp) {
			a.Values = raw(fmt.Sprintf(`{"controllers":{"%s":{"containers":{"app":{"image":{"repository":"ghcr.io/home-operations/%s","tag":"1.%d.0"},"env":{"TZ":"${TIMEZONE}"},"resources":{"requests":{"cpu":"10m"},"limits":{"memory":"512Mi"}}}}}},"service":{"app":{"ports":{"http":{"port":80}}}},"route":{"app":{"hostnames":["%s.${DOMAIN}"]}},"persistence":{"config":{"existingClaim":"%s"}}}`, name, name, i, name, name))
			a.Components = []string{"volsync", "gatus"}
			a.Substitute = map[string]string{"APP": name, "VOLSYNC_CAPACITY": "5Gi"}
			if i > 0 {
				a.DependsOn = []string{fmt.Sprintf("app-%04d", i/2)}
			}
			if i%5 == 0 {
				a.Releases = map[string]model.ReleaseSpec{name + "-worker": {
					Chart:     model.Chart{Repo: "oci://ghcr.io/bjw-s-labs/helm", Name: "app-template", Version: "4.3.0"},
					Values:    raw(`{"controllers":{"worker":{"containers":{"app":{"image":{"repository":"ghcr.io/example/worker","tag":"1.0.0"}}}}}}`),
					DependsOn: []string{name}, Substitution: true,
				}}
			}
			if i%10 == 0 {
				a.Kustomizations = map[string]model.KustomizationSpec{"config": {
					DependsOn: []string{name}, Substitution: true,
					Manifests: map[string]json.RawMessage{"dashboard": raw(fmt.Sprintf(`{"apiVersion":"grafana.integreatly.org/v1beta1","kind":"GrafanaDashboard","metadata":{"name":"%s"},"spec":{"url":"https://example.com/%s.json"}}`, name, name))},
				}}
			}
			if i%3 == 0 {
				a.ConfigMaps = map[string]model.ConfigMapSpec{name + "-config": {Data: map[string]string{"config.yaml": "log: info\nport: 8080\n"}, Substitution: true}}
			}
		}))
	}
	out := d.build()
	out.Components = benchComponents()
	return out
}

func benchComponents() []model.Component {
	return model.NewComponents(map[string]model.ComponentSpec{
		"volsync": {Manifests: map[string]json.RawMessage{
			"pvc":               raw(`{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"${APP}"},"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"${VOLSYNC_CAPACITY:=5Gi}"}},"storageClassName":"ceph-block"}}`),
			"replicationsource": raw(`{"apiVersion":"volsync.backube/v1alpha1","kind":"ReplicationSource","metadata":{"name":"${APP}"},"spec":{"sourcePVC":"${APP}","trigger":{"schedule":"0 * * * *"},"kopia":{"repository":"${APP}-volsync","copyMethod":"Snapshot"}}}`),
		}},
		"gatus": {Manifests: map[string]json.RawMessage{
			"endpoint": raw(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"${APP}-gatus-ep","labels":{"gatus.io/enabled":"true"}},"data":{"config.yaml":"endpoints:\n  - name: ${APP}\n    url: https://${APP}.${DOMAIN}\n"}}`),
		}},
	})
}

// BenchmarkEmitHomeOps2000 emits 2000 home-ops-shaped apps: the Flux tree,
// every kustomization.yaml built as Flux builds it and substituted.
func BenchmarkEmitHomeOps2000(b *testing.B) {
	d := manyHomeOps(2000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Emit(context.Background(), d); err != nil {
			b.Fatal(err)
		}
	}
}

// TestManyHomeOps makes sure the benchmark's description is valid and
// shaped as it says.
func TestManyHomeOps(t *testing.T) {
	files, err := Emit(context.Background(), manyHomeOps(100))
	if err != nil {
		t.Fatal(err)
	}
	var ks, hr, comp int
	for _, f := range files {
		switch {
		case strings.HasPrefix(f.Path, AppsDir) && strings.HasSuffix(f.Path, "/ks.yaml"):
			ks += strings.Count(string(f.Data), "kind: Kustomization")
		case strings.HasSuffix(f.Path, "/helmrelease.yaml"):
			hr += strings.Count(string(f.Data), "kind: HelmRelease")
		case strings.HasPrefix(f.Path, ComponentsDir):
			comp++
		}
	}
	if ks != 110 || hr != 120 || comp == 0 {
		t.Errorf("%d Kustomizations, %d HelmReleases, %d component files; want 110, 120 and some", ks, hr, comp)
	}
}
