package secrets

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hogen-dev/hogen/emitters"
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

// BenchmarkGuardLeaks scans 500 Talos-sized configs, encrypted in part,
// and 500 plain manifests for 20 secrets and a Talos bundle's worth of key
// material.
func BenchmarkGuardLeaks(b *testing.B) {
	secrets := map[string]string{}
	for i := range 20 {
		secrets[fmt.Sprintf("s%02d", i)] = fmt.Sprintf("secret-value-%02d-0123456789abcdef", i)
	}
	for i := range 15 {
		secrets[fmt.Sprintf("talos:k%02d", i)] = strings.Repeat(fmt.Sprintf("LS0tLS1CRUdJTiBFQyBQUklWQVRFIEtFWS0tLS0t%02d", i), 6)
	}
	var cfg strings.Builder
	cfg.WriteString("machine:\n  token: abc\n")
	for i := range 60 {
		fmt.Fprintf(&cfg, "  section%02d:\n    zone: home\n    certSANs:\n      - k8s.example.com\n    image: factory.talos.dev/installer/613e1592b2da41ae5e265e8789429f22e121aab91cb4deb6bc3c0b6262961245:v1.10.5\n", i)
	}
	config := cfg.String()
	var files []emitters.File
	for i := range benchFiles {
		files = append(files,
			emitters.File{Path: fmt.Sprintf("talos/n%03d.yaml", i), Data: []byte(config), Secret: true, EncryptedRegex: "^(key|token)$"},
			emitters.File{Path: fmt.Sprintf("app/%03d.yaml", i), Data: []byte(config)})
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := GuardLeaks(files, secrets); err != nil {
			b.Fatal(err)
		}
	}
}
