package flux

import (
	"context"
	"encoding/json"
	"fmt"
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
