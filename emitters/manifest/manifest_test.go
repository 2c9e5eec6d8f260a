package manifest

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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
