package compiler

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hogen-dev/hogen/emitters/builtin"
)

// BenchmarkFresh is `hogen build --check` (and `hogen build`, which takes
// the lock) of a tree nothing changed since its last build: hash every
// input and every generated file, evaluate nothing.
func BenchmarkFresh(b *testing.B) {
	homelab, _ := builtExample(b, "../examples/homelab")
	big, key := syntheticDir(b, 1000, 1000)
	buildTree(b, big, key, true)
	for _, c := range []struct{ name, dir string }{{"homelab", homelab}, {"nodes=1000,apps=1000", big}} {
		for _, lock := range []bool{false, true} {
			b.Run(fmt.Sprintf("%s/lock=%t", c.name, lock), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, _, ok := Fresh(Options{Dir: c.dir}, builtin.All(), lock); !ok {
						b.Fatal("not fresh")
					}
				}
			})
		}
	}
}

// BenchmarkRebuildOneNode is `hogen build` of 1000 nodes and 1000 apps
// after one node's labels changed: everything evaluated, planned and the
// node's config written.
func BenchmarkRebuildOneNode(b *testing.B) {
	dir, key := syntheticDir(b, 1000, 1000)
	buildTree(b, dir, key, true)
	nodes := filepath.Join(dir, "nodes.cue")
	orig, err := os.ReadFile(nodes)
	if err != nil {
		b.Fatal(err)
	}
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		i++
		edited := strings.Replace(string(orig), `"node-0500": {role: "worker"`, fmt.Sprintf(`"node-0500": {role: "worker", annotations: bench: "%d"`, i), 1)
		if edited == string(orig) {
			b.Fatal("the edit changed nothing")
		}
		os.WriteFile(nodes, []byte(edited), 0o644)
		buildTree(b, dir, key, true)
	}
}
