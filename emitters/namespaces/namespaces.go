// Package namespaces emits a Namespace for every namespace the apps use, at
// kubernetes/apps/<namespace>/namespace.yaml as home-ops repos keep them.
package namespaces

import (
	"context"
	"path"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/hogen-dev/hogen/compiler/model"
	"github.com/hogen-dev/hogen/emitters"
	"github.com/hogen-dev/hogen/emitters/manifest"
)

// AppsDir is where the per-namespace directories live.
const AppsDir = "kubernetes/apps"

// Emitter is the namespaces emitter.
var Emitter emitters.Emitter = emitters.Func{
	ID:      "namespaces",
	IsOn:    func(d *model.Description) bool { return d.Emitters.Namespaces.Enabled },
	EmitFn:  Emit,
	RootsFn: func(*model.Description) []string { return []string{AppsDir} },
}

// Emit returns one namespace.yaml per namespace, with the labels and
// annotations the description gives it.
func Emit(_ context.Context, d *model.Description) ([]emitters.File, error) {
	var files []emitters.File
	for _, ns := range d.Namespaces() {
		settings := d.Namespace(ns)
		// PartialObjectMetadata is a Namespace without its empty spec,
		// which corev1.Namespace always marshals. Flux must never prune a
		// namespace: that would delete everything in it.
		annotations := map[string]string{}
		for k, v := range settings.Annotations {
			annotations[k] = v
		}
		annotations["kustomize.toolkit.fluxcd.io/prune"] = "disabled"
		obj := metav1.PartialObjectMetadata{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
			ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: settings.Labels, Annotations: annotations},
		}
		data, err := manifest.Encode(obj)
		if err != nil {
			return nil, err
		}
		files = append(files, emitters.File{Path: path.Join(AppsDir, ns, "namespace.yaml"), Data: data})
	}
	return files, nil
}
