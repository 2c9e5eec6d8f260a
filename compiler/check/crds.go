package check

import (
	"fmt"
	"slices"

	"github.com/hogen-dev/hogen/compiler/model"
)

// crdOrder catches the CRD-order trap: a custom resource in the same Flux
// Kustomization as the release that installs its CRD. kustomize-controller
// dry-runs the whole set before applying any of it; on a fresh cluster the
// resource fails with "no matches for kind", so the HelmRelease is never
// created and nothing ever installs the CRD. Which API groups a release
// brings is what it declares (provides) and, for the charts people
// commonly use, what hogen knows (knownCharts). Kubernetes' own groups
// never count, nor do bootstrap apps, whose charts are installed before
// Flux runs, nor releases in bootstrap.crds, whose CRDs are.
func (c *checker) crdOrder() {
	for _, a := range c.d.Apps {
		if a.Bootstrap {
			continue // its releases are installed before Flux runs
		}
		for _, k := range a.Kustomizations {
			provided := map[string]string{}
			for _, r := range k.Releases {
				if slices.Contains(c.d.Bootstrap.CRDs, r.Name) {
					continue // its CRDs are installed before Flux runs
				}
				for i, g := range r.Provides {
					if builtinGroups[g] {
						c.Errorf(fmt.Sprintf("%s.provides.%d", r.Path, i), "list only the groups of the chart's CRDs", "%s is one of Kubernetes' own API groups, which no chart provides", g)
					}
				}
				for _, g := range Provides(r) {
					if _, taken := provided[g]; !taken {
						provided[g] = r.Name
					}
				}
			}
			if len(provided) == 0 {
				continue
			}
			for _, m := range k.Manifests {
				if r, ok := provided[apiGroup(m.APIVersion)]; ok {
					c.Errorf(m.Path, crdFix(a, k, m.File), "%s %s is a custom resource of %s, whose CRDs release %s installs in the same Flux Kustomization (%s): on a fresh cluster Flux's dry-run fails with \"no matches for kind\" and the release is never installed",
						m.Kind, m.Name, apiGroup(m.APIVersion), r, k.Name)
				}
			}
			for i, name := range k.Components {
				comp, _ := c.d.Component(name)
				for _, m := range comp.Manifests {
					if r, ok := provided[apiGroup(m.APIVersion)]; ok {
						c.Errorf(fmt.Sprintf("%s.components.%d", k.Path, i), "add the component to a Kustomization that depends on this one",
							"component %s holds %s %s, a custom resource of %s, whose CRDs release %s installs in this same Flux Kustomization (%s): on a fresh cluster the dry-run fails",
							name, m.Kind, m.Name, apiGroup(m.APIVersion), r, k.Name)
					}
				}
			}
		}
	}
}

func crdFix(a model.App, k model.Kustomization, file string) string {
	return fmt.Sprintf("move it to a Kustomization that depends on %s: apps.%s.kustomizations.config: {dependsOn: [%q], manifests: %s: ...}", k.Name, a.Name, k.Name, file)
}

// Provides returns the API groups a release's chart brings: those it
// declares, and those hogen knows its chart for. Sorted, once each.
func Provides(r model.Release) []string {
	out := slices.Clone(r.Provides)
	out = append(out, knownCharts[r.Chart.ChartName()]...)
	slices.Sort(out)
	return slices.Compact(out)
}

// BuiltinGroup tells whether Kubernetes serves API group g itself ("" is
// the core group): no chart's CRDs define it.
func BuiltinGroup(g string) bool { return builtinGroups[g] }

// builtinGroups are the API groups Kubernetes serves itself.
var builtinGroups = map[string]bool{
	"": true, "admissionregistration.k8s.io": true, "apiextensions.k8s.io": true, "apiregistration.k8s.io": true,
	"apps": true, "authentication.k8s.io": true, "authorization.k8s.io": true, "autoscaling": true, "batch": true,
	"certificates.k8s.io": true, "coordination.k8s.io": true, "discovery.k8s.io": true, "events.k8s.io": true,
	"flowcontrol.apiserver.k8s.io": true, "internal.apiserver.k8s.io": true, "networking.k8s.io": true,
	"node.k8s.io": true, "policy": true, "rbac.authorization.k8s.io": true, "resource.k8s.io": true,
	"scheduling.k8s.io": true, "storage.k8s.io": true, "storagemigration.k8s.io": true,
}

// knownCharts are the API groups the CRDs of commonly installed charts
// define, by chart name (the README lists them). A chart not here provides
// what its release declares.
var knownCharts = map[string][]string{
	"cert-manager":                    {"acme.cert-manager.io", "cert-manager.io"},
	"cilium":                          {"cilium.io"},
	"cloudnative-pg":                  {"postgresql.cnpg.io"},
	"external-secrets":                {"external-secrets.io", "generators.external-secrets.io"},
	"external-dns":                    {"externaldns.k8s.io"},
	"flux-operator":                   {"fluxcd.controlplane.io"},
	"gateway-helm":                    {"gateway.envoyproxy.io", "gateway.networking.k8s.io"},
	"gha-runner-scale-set-controller": {"actions.github.com"},
	"grafana-operator":                {"grafana.integreatly.org"},
	"keda":                            {"eventing.keda.sh", "keda.sh"},
	"kube-prometheus-stack":           {"monitoring.coreos.com"},
	"prometheus-operator-crds":        {"monitoring.coreos.com"},
	"longhorn":                        {"longhorn.io"},
	"metallb":                         {"metallb.io"},
	"openebs":                         {"openebs.io"},
	"rook-ceph":                       {"ceph.rook.io"},
	"snapshot-controller":             {"groupsnapshot.storage.k8s.io", "snapshot.storage.k8s.io"},
	"tuppr":                           {"tuppr.home-operations.com"},
	"victoria-metrics-operator":       {"operator.victoriametrics.com"},
	"volsync":                         {"volsync.backube"},
	"multus":                          {"k8s.cni.cncf.io"},
	"traefik":                         {"traefik.io", "traefik.containo.us"},
}
