package model

import "testing"

func TestPositionsOf(t *testing.T) {
	ps := Positions{
		"nodes":                  {File: "nodes.cue", Line: 1, Col: 1},
		"nodes.mini01":           {File: "nodes.cue", Line: 3, Col: 2},
		"nodes.mini01.patches.0": {File: "nodes.cue", Line: 9, Col: 4},
	}
	tests := []struct {
		path string
		want int
	}{
		{"nodes.mini01.patches[0]", 9},
		{"nodes.mini01.patches.0", 9},
		{"nodes.mini01.patches[1]", 3}, // not written: its node
		{"nodes.mini01.installDisk", 3},
		{"nodes.other", 1},
		{"cluster.name", 0},
	}
	for _, tt := range tests {
		if got := ps.Of(tt.path).Line; got != tt.want {
			t.Errorf("Of(%q) line = %d, want %d", tt.path, got, tt.want)
		}
	}
}
