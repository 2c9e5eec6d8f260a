package namespaces

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hogen-dev/hogen/compiler/model"
)

func TestEmit(t *testing.T) {
	d := &model.Description{Apps: []model.App{
		{Name: "web", Namespace: "default"},
		{Name: "cilium", Namespace: "kube-system"},
		{Name: "api", Namespace: "default"},
	}}
	files, err := Emit(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range files {
		if f.Secret {
			t.Errorf("%s is marked secret", f.Path)
		}
		got[f.Path] = string(f.Data)
	}
	want := map[string]string{
		"kubernetes/apps/default/namespace.yaml":     "apiVersion: v1\nkind: Namespace\nmetadata:\n  annotations:\n    kustomize.toolkit.fluxcd.io/prune: disabled\n  name: default\n",
		"kubernetes/apps/kube-system/namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  annotations:\n    kustomize.toolkit.fluxcd.io/prune: disabled\n  name: kube-system\n",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
