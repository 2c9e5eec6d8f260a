package model

import (
	"encoding/json"
	"testing"
)

func TestMergePolicy(t *testing.T) {
	tests := []struct {
		name   string
		layers []string
		want   string
	}{
		{name: "objects merge, values replace", layers: []string{`{"a":{"b":1,"c":2},"d":[1]}`, `{"a":{"c":3},"d":[2]}`}, want: `{"a":{"b":1,"c":3},"d":[2]}`},
		{name: "null removes a default", layers: []string{`{"timeout":"5m","interval":"1h"}`, `{"timeout":null}`}, want: `{"interval":"1h"}`},
		{name: "a later layer sets what null removed", layers: []string{`{"t":"5m"}`, `{"t":null}`, `{"t":"1m"}`}, want: `{"t":"1m"}`},
		{name: "an object whose every field is removed goes", layers: []string{`{"install":{"remediation":{"retries":3},"crds":"Skip"}}`, `{"install":{"remediation":{"retries":null}}}`}, want: `{"install":{"crds":"Skip"}}`},
		{name: "an object written empty stays", layers: []string{`{"driftDetection":{}}`}, want: `{"driftDetection":{}}`},
		{name: "numbers keep their spelling", layers: []string{`{"retries":-1,"x":1.50}`}, want: `{"retries":-1,"x":1.50}`},
		{name: "nothing left is nil", layers: []string{`{"a":1}`, `{"a":null}`}, want: ``},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var layers []json.RawMessage
			for _, l := range tt.layers {
				layers = append(layers, json.RawMessage(l))
			}
			if got := string(MergePolicy(layers...)); got != tt.want {
				t.Errorf("MergePolicy = %s, want %s", got, tt.want)
			}
		})
	}
}
