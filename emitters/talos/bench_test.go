package talos

import (
	"strconv"
	"testing"
)

// BenchmarkEmit measures a whole build of the Talos files (plaintext; SOPS
// encryption happens in the sink) for clusters of 3, 100 and 1000 nodes.
func BenchmarkEmit(b *testing.B) {
	for _, n := range []int{3, 100, 1000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			d := manyNodes(b, n)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Emit(b.Context(), d); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*n), "µs/node")
		})
	}
}
