package check

import (
	"path"
	"slices"
	"strings"
	"testing"

	"github.com/hogen-dev/hogen/compiler/load"
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
	for _, chart := range []string{
		`{repo: "https://charts.example.com", name: "app", version: "1.0.0"}`,
		`{repo: "oci://ghcr.io/example/charts", name: "app", version: "1.0.0"}`,
		`{git: "https://github.com/example/app", ref: tag: "v1.0.0", path: "charts/app"}`,
	} {
		src := `package x
cluster: {
	name: "home"
	talos: version: "v1.10.5"
	kubernetes: version: "v1.31.1"
	api: endpoint: "10.0.0.10"
	network: node: cidr: "10.0.0.0/24"
	flux: source: url: "https://github.com/example/home-ops"
}
nodes: a: {role: "controlplane", address: "10.0.0.11", interface: name: "eth0", installDisk: path: "/dev/sda"}
apps: app: {namespace: "ns", chart: ` + chart + `}
`
		d, _, err := load.Files(t.Context(), ".", map[string][]byte{"x.cue": []byte(src)})
		if err != nil {
			t.Fatal(err)
		}
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
