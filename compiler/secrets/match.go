package secrets

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"sort"
)

// Every needle the leak guard looks for is at least MinScanLength bytes
// long (a value, its escaping, a line of it, a base64 core), so the matcher
// can index them by their first eight bytes. This fails to compile if
// MinScanLength drops below that.
var _ [MinScanLength - headLen]struct{}

const headLen = 8

// needle is one byte string that betrays a secret.
type needle struct {
	name, form string
	b          []byte
}

// matcher finds every needle in a text in one pass: at each offset it
// hashes the next eight bytes into a bitset, and only where the bit is set
// looks them up and compares whole needles. Scanning for each needle in
// turn cost a pass per needle, and Talos key material alone makes hundreds.
type matcher struct {
	needles []needle
	filter  [1 << 16 / 64]uint64
	heads   map[uint64][]int
	// rules are the compiled encryption rules of the files GuardLeaks
	// scans in part, by EncryptedRegex.
	rules map[string]*rule
}

// newMatcher builds the needles of every secret, in name order, and warns
// about the values too short to look for.
func newMatcher(secrets map[string]string) (*matcher, []LeakWarning) {
	names := make([]string, 0, len(secrets))
	for n := range secrets {
		names = append(names, n)
	}
	sort.Strings(names)
	m := &matcher{heads: map[uint64][]int{}}
	var warns []LeakWarning
	for _, n := range names {
		v := secrets[n]
		if len(v) < MinScanLength {
			warns = append(warns, LeakWarning{Secret: n, Msg: fmt.Sprintf(
				"shorter than %d bytes: the leak guard does not look for it in the output", MinScanLength)})
			continue
		}
		for _, f := range forms(v) {
			m.add(needle{n, f.form, f.b})
		}
	}
	return m, warns
}

func (m *matcher) add(nd needle) {
	h := binary.LittleEndian.Uint64(nd.b)
	m.filter[bucket(h)/64] |= 1 << (bucket(h) % 64)
	m.heads[h] = append(m.heads[h], len(m.needles))
	m.needles = append(m.needles, nd)
}

func bucket(h uint64) uint64 { return (h * 0x9E3779B97F4A7C15) >> 48 }

// scan sets hit[i] for every needle i that text holds.
func (m *matcher) scan(text []byte, hit []bool) {
	if len(m.needles) == 0 {
		return
	}
	for p := 0; p+headLen <= len(text); p++ {
		h := binary.LittleEndian.Uint64(text[p:])
		if b := bucket(h); m.filter[b/64]&(1<<(b%64)) == 0 {
			continue
		}
		for _, i := range m.heads[h] {
			if bytes.HasPrefix(text[p:], m.needles[i].b) {
				hit[i] = true
			}
		}
	}
}
