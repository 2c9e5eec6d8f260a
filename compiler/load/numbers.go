package load

import (
	"fmt"
	"math"
	"math/big"
	"strconv"

	"cuelang.org/go/cue"
)

// Numbers the user wrote are checked (survey) because the files hogen
// writes cannot carry some as written: YAML readers (Helm's, Flux's,
// Talos') hold integers in 64 bits and other numbers as 64-bit floats, so
// 1e400 would become +Inf and a 30-digit integer or a 40-digit pi would
// silently lose digits.

// unrepresentable says why a concrete number cannot be written as it is,
// or "" when it can.
func unrepresentable(v cue.Value) (msg, fix string) {
	var mant big.Int
	exp, err := v.MantExp(&mant)
	if err != nil {
		return "", "" // not concrete: reported elsewhere
	}
	exact := new(big.Rat).SetInt(&mant)
	scale := new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(abs(exp))), nil))
	if exp < 0 {
		exact.Quo(exact, scale)
	} else {
		exact.Mul(exact, scale)
	}
	written := clip(fmt.Sprint(v))
	quote := fmt.Sprintf("quote it (%q) if the chart takes a string, or write a smaller number", written)
	if v.Kind() == cue.IntKind {
		if _, err := v.Int64(); err != nil {
			f, _ := exact.Float64()
			return fmt.Sprintf("%s does not fit in a 64-bit integer: YAML readers would take it as %s", written, strconv.FormatFloat(f, 'g', -1, 64)), quote
		}
		return "", ""
	}
	f, _ := exact.Float64()
	if math.IsInf(f, 0) {
		return fmt.Sprintf("%s is beyond what a 64-bit float holds: YAML readers would take it as infinity", written), quote
	}
	shown := strconv.FormatFloat(f, 'g', -1, 64)
	if back, ok := new(big.Rat).SetString(shown); !ok || back.Cmp(exact) != 0 {
		return fmt.Sprintf("%s has more digits than a 64-bit float keeps: it would be written as %s", written, shown),
			fmt.Sprintf("write %s, or quote it as a string if the chart needs every digit", shown)
	}
	return "", ""
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
