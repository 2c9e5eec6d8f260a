package compiler

import (
	"context"
	"fmt"
	"testing"

	"github.com/hogen-dev/hogen/compiler/inputs"
	"github.com/hogen-dev/hogen/compiler/internal/testdesc"
	"github.com/hogen-dev/hogen/compiler/secrets"
	"github.com/hogen-dev/hogen/compiler/sink"
	"github.com/hogen-dev/hogen/emitters"
	"github.com/hogen-dev/hogen/emitters/builtin"
	"github.com/hogen-dev/hogen/emitters/talos"
)

// BenchmarkVet is `hogen vet` without the disk: parse, unify with the
// schema, validate, decode, check, for n nodes and n apps.
func BenchmarkVet(b *testing.B) {
	for _, n := range []int{3, 100, 1000} {
		files := testdesc.Synthetic(n, n)
		b.Run(fmt.Sprintf("nodes=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := LoadFiles(context.Background(), Options{Dir: "."}, files); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkBuild is the whole build short of writing to disk, for n nodes
// and n apps: load, check, every built-in emitter (Flux trees checked with
// kustomize, Talos configs validated), the leak guard, and the plan, which
// encrypts every secret file (Talos configs, talosconfig) with SOPS/age.
func BenchmarkBuild(b *testing.B) {
	benchBuild(b, builtin.All(), func(n int) int { return n })
}

// BenchmarkTalos is a build of a cluster of n nodes and no apps with the
// Talos emitter alone: load and check the description, generate, patch,
// validate and encode every node's machine config, guard against leaks,
// and SOPS-encrypt the configs and the talosconfig. nodes=1000 reports
// x-nodes=100, its time per build over nodes=100's: linear cost is 10.
func BenchmarkTalos(b *testing.B) {
	benchBuild(b, []emitters.Emitter{talos.Emitter}, func(int) int { return 0 })
}

// BenchmarkApps is a build of n apps on three nodes with every built-in
// emitter; apps=1000 reports x-apps=100 as BenchmarkTalos does.
func BenchmarkApps(b *testing.B) {
	benchSizes(b, builtin.All(), "apps", []int{100, 1000}, func(n int) (int, int) { return 3, n })
}

func benchBuild(b *testing.B, registry []emitters.Emitter, apps func(nodes int) int) {
	benchSizes(b, registry, "nodes", []int{3, 100, 1000}, func(n int) (int, int) { return n, apps(n) })
}

// benchSizes runs a build for each size; the size of the description
// (nodes, apps) is shape(size). A size ten times another that ran reports
// x-unit=other: its time per build over the other's.
func benchSizes(b *testing.B, registry []emitters.Emitter, unit string, sizes []int, shape func(int) (int, int)) {
	bundle, err := talos.NewSecrets("v1.10.5")
	if err != nil {
		b.Fatal(err)
	}
	client, err := talos.NewClientCert(bundle)
	if err != nil {
		b.Fatal(err)
	}
	ids, err := secrets.ParseIdentities("bench", testdesc.TestKey)
	if err != nil {
		b.Fatal(err)
	}
	perBuild := map[int]float64{}
	for _, size := range sizes {
		files := testdesc.Synthetic(shape(size))
		b.Run(fmt.Sprintf("%s=%d", unit, size), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				d, _, err := LoadFiles(context.Background(), Options{Dir: "."}, files)
				if err != nil {
					b.Fatal(err)
				}
				d.Cluster.SOPS.AgeRecipients = ids.Recipients()
				d.Inputs.Secrets, d.Inputs.TalosSecrets, d.Inputs.TalosClient = map[string]string{}, bundle, client
				out, _, err := Emit(context.Background(), d, registry)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := inputs.GuardLeaks(d, out); err != nil {
					b.Fatal(err)
				}
				sealer, err := secrets.NewSealer(ids.Recipients(), ids)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := sink.NewPlan(b.TempDir(), out, sealer, ScopeOf(d, registry)); err != nil {
					b.Fatal(err)
				}
			}
			// b.Loop runs this function once, so b.N and the time are the
			// whole measurement.
			perBuild[size] = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
			if base, ok := perBuild[size/10]; ok {
				b.ReportMetric(perBuild[size]/base, fmt.Sprintf("x-%s=%d", unit, size/10))
			}
		})
	}
}
