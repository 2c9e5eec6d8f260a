package compiler

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
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
// after one node's labels changed (or, in apps=one, one app's chart
// version): everything evaluated and planned, that unit's files made and
// written, every other unit kept.
func BenchmarkRebuildOneNode(b *testing.B) {
	dir, key := syntheticDir(b, 1000, 1000)
	buildTree(b, dir, key, true)
	for _, c := range []struct{ name, file, old, new string }{
		{"node", "nodes.cue", `"node-0500": {role: "worker"`, `"node-0500": {role: "worker", annotations: bench: "%d"`},
		{"app", "apps.cue", `version: "1.500.0"`, `version: "1.500.%d"`},
	} {
		b.Run(c.name, func(b *testing.B) {
			p := filepath.Join(dir, c.file)
			orig, err := os.ReadFile(p)
			if err != nil {
				b.Fatal(err)
			}
			defer func() {
				os.WriteFile(p, orig, 0o644)
				buildTree(b, dir, key, true) // as the next benchmark expects it
			}()
			i := 0
			b.ReportAllocs()
			for b.Loop() {
				i++
				edited := strings.Replace(string(orig), c.old, fmt.Sprintf(c.new, i), 1)
				if edited == string(orig) {
					b.Fatal("the edit changed nothing")
				}
				os.WriteFile(p, []byte(edited), 0o644)
				if made := buildTree(b, dir, key, true).res.Made; len(made) > 4 {
					b.Fatalf("made %v, want the one edited and those of the whole description", slices.Sorted(maps.Keys(made)))
				}
			}
		})
	}
}
