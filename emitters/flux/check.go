package flux

import (
	"fmt"

	"github.com/hogen-dev/hogen/compiler/model"
	"github.com/hogen-dev/hogen/emitters"
)

// Check reports what would make the Flux tree fail later, with the
// description path to point at: a bootstrap app that needs an app only Flux
// installs (helmfile runs before Flux), and an operator install whose
// operator nothing installs.
func Check(d *model.Description) emitters.Problems {
	var ps emitters.Problems
	boot := map[string]bool{}
	hasOperator := false
	for _, a := range d.Apps {
		boot[a.Name] = a.Bootstrap
		for _, r := range a.Releases() {
			hasOperator = hasOperator || (a.Bootstrap && r.Chart.ChartName() == "flux-operator")
		}
	}
	for _, a := range d.Apps {
		if !a.Bootstrap {
			continue
		}
		for _, r := range a.Releases() {
			if r.Chart.IsGit() {
				ps = append(ps, emitters.Problem{
					Path: r.Path + ".chart.git",
					Msg:  fmt.Sprintf("bootstrap app %q installs release %s from Git, which the bootstrap helmfile cannot", a.Name, r.Name),
					Fix:  "install it from a Helm or OCI repository, or leave it to Flux (bootstrap: false)",
				})
			}
		}
		for _, dep := range a.DependsOnApps() {
			if on, known := boot[dep]; known && !on {
				ps = append(ps, emitters.Problem{
					Path: fmt.Sprintf("apps.%s.dependsOn", a.Name),
					Msg:  fmt.Sprintf("bootstrap app %q depends on %q, which Flux installs only after the bootstrap", a.Name, dep),
					Fix:  fmt.Sprintf("mark %q bootstrap: true, or drop the dependency", dep),
				})
			}
		}
	}
	if d.Cluster.Flux.Install == InstallOperator && !hasOperator {
		ps = append(ps, emitters.Problem{
			Path:    "cluster.flux.install",
			Msg:     "install is \"operator\" but no bootstrap app installs the flux-operator chart, so nothing will apply the FluxInstance",
			Fix:     "add the flux-operator chart (oci://ghcr.io/controlplaneio-fluxcd/charts) as an app in flux-system with bootstrap: true",
			Warning: true,
		})
	}
	return ps
}
