package load

import (
	"context"
	"testing"

	"github.com/hogen-dev/hogen/compiler/internal/testdesc"
)

// BenchmarkFiles is reading a description of 1000 nodes: parsing,
// unifying with the schema, validating, surveying and decoding it.
func BenchmarkFiles(b *testing.B) {
	files := testdesc.Synthetic(1000, 0)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Files(context.Background(), ".", files); err != nil {
			b.Fatal(err)
		}
	}
}
