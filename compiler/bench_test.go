package compiler

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/hogen-dev/hogen/compiler/secrets"
	"github.com/hogen-dev/hogen/compiler/sink"
	"github.com/hogen-dev/hogen/emitters"
	"github.com/hogen-dev/hogen/emitters/builtin"
	"github.com/hogen-dev/hogen/emitters/talos"
)

// synthetic writes a description of n nodes (three control planes, the
// rest workers) and apps apps in apps/10+1 namespaces, each app depending
// on the one before it in its namespace.
func synthetic(n, apps int) map[string][]byte {
	var nodes, appsCUE strings.Builder
	nodes.WriteString("package bench\n\nnodes: {\n")
	for i := range n {
		role := "worker"
		if i < 3 {
			role = "controlplane"
		}
		fmt.Fprintf(&nodes, "\t\"node-%04d\": {role: %q, address: \"10.%d.%d.%d\", interface: name: \"eth0\", installDisk: path: \"/dev/sda\", labels: rack: \"r%d\"}\n",
			i, role, 16+i/65536, (i/256)%256, i%256+0, i%8)
	}
	nodes.WriteString("}\n")
	appsCUE.WriteString("package bench\n\napps: {\n")
	for i := range apps {
		dep := ""
		if i%10 != 0 {
			dep = fmt.Sprintf(", dependsOn: [\"app-%04d\"]", i-1)
		}
		fmt.Fprintf(&appsCUE, "\t\"app-%04d\": {namespace: \"ns-%03d\", chart: {repo: \"oci://ghcr.io/example/charts\", name: \"app%d\", version: \"1.%d.0\"}%s, values: {replicas: %d, image: tag: \"v%d\", ingress: hosts: [\"app%d.example.com\"]}}\n",
			i, i/10, i, i, dep, i%3+1, i, i)
	}
	appsCUE.WriteString("}\n")
	cluster := `package bench

cluster: {
	name: "bench"
	talos: version: "v1.10.5"
	kubernetes: version: "v1.31.1"
	api: {endpoint: "10.255.255.250", vip: "10.255.255.250"}
	network: {
		node: cidr: "10.0.0.0/8"
		pods: ["172.16.0.0/16"]
		services: ["172.17.0.0/16"]
	}
	flux: source: url: "https://github.com/example/home-ops"
}
`
	return map[string][]byte{"cluster.cue": []byte(cluster), "nodes.cue": []byte(nodes.String()), "apps.cue": []byte(appsCUE.String())}
}

// BenchmarkVet is `hogen vet` without the disk: parse, unify with the
// schema, validate, decode, check, for n nodes and n apps.
func BenchmarkVet(b *testing.B) {
	for _, n := range []int{3, 100, 1000} {
		files := synthetic(n, n)
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
	ids, err := secrets.ParseIdentities("bench", testKey)
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{3, 100, 1000} {
		files := synthetic(n, apps(n))
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
				if _, err := GuardLeaks(d, out); err != nil {
					b.Fatal(err)
				}
				sealer, err := secrets.NewSealer(ids.Recipients(), ids)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := sink.NewPlan(b.TempDir(), out, sealer); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
