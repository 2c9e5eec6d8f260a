package secrets

import (
	"fmt"
	"testing"
)

const benchFiles = 500

func benchPlain() [][]byte {
	out := make([][]byte, benchFiles)
	for i := range out {
		out[i] = []byte(appSecret(fmt.Sprintf("app-%03d", i), fmt.Sprintf("token-%03d-0123456789abcdef", i)))
	}
	return out
}

// BenchmarkEncrypt500 encrypts 500 Kubernetes Secrets afresh, as a first
// build or a rotation does: one op is all 500 files.
func BenchmarkEncrypt500(b *testing.B) {
	k := newKey(b)
	plain := benchPlain()
	s := mustBenchSealer(b, k)
	b.ResetTimer()
	for b.Loop() {
		for i, p := range plain {
			if _, err := s.Seal(fmt.Sprint(i), p, nil, secretRegex); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkRebuildUnchanged500 seals 500 unchanged Secrets over their
// existing files, as every rebuild does: decrypt, compare, keep.
func BenchmarkRebuildUnchanged500(b *testing.B) {
	k := newKey(b)
	plain := benchPlain()
	s := mustBenchSealer(b, k)
	existing := make([][]byte, len(plain))
	for i, p := range plain {
		existing[i] = mustEncrypt(b, string(p), []string{k.recipient()}, secretRegex)
	}
	b.ResetTimer()
	for b.Loop() {
		for i, p := range plain {
			if _, err := s.Seal(fmt.Sprint(i), p, existing[i], secretRegex); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func mustBenchSealer(b *testing.B, k testKey) *Sealer {
	s, err := NewSealer([]string{k.recipient()}, k.ids)
	if err != nil {
		b.Fatal(err)
	}
	return s
}
