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
// and SOPS-encrypt the configs and the talosconfig.
func BenchmarkTalos(b *testing.B) {
	benchBuild(b, []emitters.Emitter{talos.Emitter}, func(int) int { return 0 })
}

func benchBuild(b *testing.B, registry []emitters.Emitter, apps func(nodes int) int) {
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
	for _, n := range []int{3, 100, 1000} {
		files := testdesc.Synthetic(n, apps(n))
		b.Run(fmt.Sprintf("nodes=%d", n), func(b *testing.B) {
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
		})
	}
}
