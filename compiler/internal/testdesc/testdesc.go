// Package testdesc makes descriptions for tests and benchmarks of any size.
package testdesc

import (
	"fmt"
	"strings"
)

// TestKey is a TEST-ONLY age key; it protects nothing.
const TestKey = "AGE-SECRET-KEY-1XKNKTEYDFM9D6HNK77KLFQGSEJMN6Y5D8GZ2P7JNP3082HZ3JFZQWVZFZG"

// Synthetic writes a description of n nodes (three control planes, the
// rest workers) and apps apps in apps/10+1 namespaces, each app depending
// on the one before it in its namespace.
func Synthetic(n, apps int) map[string][]byte {
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
