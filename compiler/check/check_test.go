package check

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCycles(t *testing.T) {
	tests := []struct {
		name string
		deps map[string][]string
		want [][]string
	}{
		{"none", map[string][]string{"a": {"b"}, "b": nil}, nil},
		{"self", map[string][]string{"a": {"a"}}, [][]string{{"a", "a"}}},
		{"three rotated to smallest", map[string][]string{"c": {"a"}, "a": {"b"}, "b": {"c"}}, [][]string{{"a", "b", "c", "a"}}},
		{"two separate", map[string][]string{"a": {"b"}, "b": {"a"}, "x": {"y"}, "y": {"x"}}, [][]string{{"a", "b", "a"}, {"x", "y", "x"}}},
		{"unknown names ignored", map[string][]string{"a": {"zz"}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, cycles(tt.deps)); diff != "" {
				t.Errorf("cycles (-want +got):\n%s", diff)
			}
		})
	}
}
