package sink

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/hogen-dev/hogen/emitters"
)

// benchFiles is a tree the size of a large home-ops repository: n files
// in n/10 directories.
func benchFiles(n int) []emitters.File {
	fs := make([]emitters.File, n)
	for i := range fs {
		fs[i] = emitters.File{Path: fmt.Sprintf("kubernetes/apps/ns%02d/app%d/app/f%d.yaml", i%10, i/10%10, i), Data: []byte(fmt.Sprintf("kind: ConfigMap\nname: f%d\n", i))}
	}
	return fs
}

// BenchmarkBuild writes a tree of 1000 files into an empty directory:
// lock, plan, journal, stage, move, commit.
func BenchmarkBuild(b *testing.B) {
	fs := benchFiles(1000)
	for b.Loop() {
		b.StopTimer()
		dir, _ := os.MkdirTemp(b.TempDir(), "t")
		b.StartTimer()
		if _, err := locked(dir, fs, everything); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRebuild builds a tree of 1000 files that is already current:
// what every build without changes costs.
func BenchmarkRebuild(b *testing.B) {
	fs := benchFiles(1000)
	dir := filepath.Join(b.TempDir(), "t")
	os.Mkdir(dir, 0o755)
	if _, err := locked(dir, fs, everything); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if p, err := locked(dir, fs, everything); err != nil || !p.Clean() {
			b.Fatal(err)
		}
	}
}
