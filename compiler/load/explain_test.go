package load

import (
	"strings"
	"testing"

	"github.com/hogen-dev/hogen/schema"
)

// Every pattern the error messages explain must still be in the schema;
// otherwise a changed regexp silently loses its explanation.
func TestPatternHelpMatchesSchema(t *testing.T) {
	srcs, err := schema.Sources()
	if err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	for _, s := range srcs {
		all.Write(s.Data)
	}
	for pat := range patternHelp {
		quoted := strings.ReplaceAll(pat, `\`, `\\`)
		if !strings.Contains(all.String(), `"`+quoted+`"`) {
			t.Errorf("pattern %q is explained but no longer in schema/*.cue", pat)
		}
	}
}

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{{"adress", "address", 1}, {"", "abc", 3}, {"role", "role", 0}, {"kitten", "sitting", 3}}
	for _, tt := range tests {
		if got := editDistance(tt.a, tt.b); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
