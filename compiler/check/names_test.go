package check

import (
	"path"
	"slices"
	"strings"
	"testing"

	"github.com/hogen-dev/hogen/compiler/model"
	"github.com/hogen-dev/hogen/emitters/flux"
)

// The names this package reserves are the ones the Flux emitter uses: its
// own objects, and the files it writes in every app's directory.
func TestReservedNamesAreFlux(t *testing.T) {
	for _, n := range []string{flux.SourceName, flux.ClusterApps, flux.ClusterMeta} {
		if !slices.Contains(reservedApps, n) {
			t.Errorf("%q is not reserved", n)
		}
	}
	if fluxNamespace != flux.Namespace || clusterSecrets != flux.SecretsName {
		t.Errorf("flux names %q, %q; want %q, %q", fluxNamespace, clusterSecrets, flux.Namespace, flux.SecretsName)
	}
	for _, repo := range []string{"https://charts.example.com", "oci://ghcr.io/example/charts"} {
		d := &model.Description{Cluster: model.Cluster{Name: "home"}, Apps: []model.App{{Name: "app", Namespace: "ns",
			Chart: model.Chart{Repo: repo, Name: "app", Version: "1.0.0"}, Interval: "1h", Timeout: "5m", RetryInterval: "2m"}}}
		d.Cluster.Flux.Source.Path = "kubernetes/flux/cluster"
		d.Cluster.Flux.Source.URL = "https://github.com/example/home-ops"
		files, err := flux.Emit(t.Context(), d)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if path.Dir(f.Path) == "kubernetes/apps/ns/app/app" {
				if stem := strings.TrimSuffix(path.Base(f.Path), ".yaml"); !slices.Contains(appFiles, stem) {
					t.Errorf("the Flux emitter writes %s, whose name a manifest may take", f.Path)
				}
			}
		}
	}
}
