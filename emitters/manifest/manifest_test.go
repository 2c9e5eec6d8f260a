package manifest

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	sigsyaml "sigs.k8s.io/yaml"
)

func TestEncode(t *testing.T) {
	type obj struct {
		metav1.TypeMeta   `json:",inline"`
		metav1.ObjectMeta `json:"metadata"`
		Spec              map[string]any  `json:"spec"`
		Values            json.RawMessage `json:"values,omitempty"`
		Status            map[string]any  `json:"status"`
	}
	tests := []struct {
		name string
		objs []any
		want string
	}{
		{
			name: "drops status, creationTimestamp and an empty spec",
			objs: []any{obj{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"}, ObjectMeta: metav1.ObjectMeta{Name: "a"}, Spec: map[string]any{}}},
			want: "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n",
		},
		{
			name: "keeps large integers exactly",
			objs: []any{obj{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "X"}, ObjectMeta: metav1.ObjectMeta{Name: "b"}, Values: json.RawMessage(`{"big":12345678901234567890,"f":1.5}`)}},
			want: "apiVersion: v1\nkind: X\nmetadata:\n  name: b\nvalues:\n  big: 12345678901234567890\n  f: 1.5\n",
		},
		{
			name: "joins documents",
			objs: []any{map[string]any{"kind": "A"}, map[string]any{"kind": "B"}},
			want: "kind: A\n---\nkind: B\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Encode(tt.objs...)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, string(got)); diff != "" {
				t.Errorf("Encode (-want +got):\n%s", diff)
			}
		})
	}
}

// TestEncodeMatchesJSONToYAML: Encode writes what sigs.k8s.io/yaml wrote
// when it parsed the JSON again, for every kind of number and for strings
// that look like other things.
func TestEncodeMatchesJSONToYAML(t *testing.T) {
	for _, doc := range []string{
		`{"a":1,"b":-7,"c":1.5,"d":1e3,"e":12345678901234567890,"f":9007199254740993,"g":0.000001,"h":-0.0}`,
		`{"s":["1.0","true","on","yes","~","null","0x10","1e3","", " x", "a: b", "- c", "#d"]}`,
		`{"k":{"a10":1,"a2":2,"A":3,"_":4,"1":5,"10":6,"2":7},"m":{"n":null},"t":true,"l":[[],{},[1,{"x":"y"}]]}`,
	} {
		want, err := sigsyaml.JSONToYAML([]byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		got, err := Encode(json.RawMessage(doc))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(string(want), string(got)); diff != "" {
			t.Errorf("%s (-JSONToYAML +Encode):\n%s", doc, diff)
		}
	}
}
