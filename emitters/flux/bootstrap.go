package flux

import (
	"regexp"
	"strings"

	sourcev1 "github.com/fluxcd/source-controller/api/v1"

	"github.com/hogen-dev/hogen/compiler/model"
)

// FluxInstance is the Flux Operator's object for install "operator": the
// Flux distribution (cluster.flux.version), the four controllers Helm
// releases need, and a sync section from cluster.flux.source, from which
// the operator creates the flux-system GitRepository and Kustomization.
// There is no Go module for the operator's API, so it is a plain object.
func FluxInstance(d *model.Description) map[string]any {
	src := d.Cluster.Flux.Source
	sync := map[string]any{
		"kind": sourcev1.GitRepositoryKind,
		"url":  src.URL,
		"ref":  "refs/heads/" + src.Branch,
		"path": src.Path,
	}
	if strings.HasPrefix(src.URL, "ssh://") {
		// An SSH deploy key, which `flux-operator create secret` or the
		// bootstrap puts in flux-system under this name.
		sync["pullSecret"] = SourceName
	}
	return map[string]any{
		"apiVersion": "fluxcd.controlplane.io/v1",
		"kind":       "FluxInstance",
		"metadata":   map[string]any{"name": "flux", "namespace": Namespace},
		"spec": map[string]any{
			"distribution": map[string]any{"version": fluxVersion(d), "registry": "ghcr.io/fluxcd"},
			"components":   []string{"source-controller", "kustomize-controller", "helm-controller", "notification-controller"},
			"cluster": map[string]any{
				"type":          "kubernetes",
				"networkPolicy": true,
				"domain":        d.Cluster.Domain,
			},
			"sync": sync,
		},
	}
}

func fluxVersion(d *model.Description) string {
	if v := d.Cluster.Flux.Version; v != "" {
		return v
	}
	return "2.x"
}

var exactVersion = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+$`)

// BootstrapCommand is the `flux bootstrap` call for install "bootstrap". It
// writes <path>/flux-system/ (gotk-components.yaml: the controllers;
// gotk-sync.yaml: the flux-system GitRepository and Kustomization from these
// flags; kustomization.yaml) and commits it; hogen writes everything else in
// <path>. An exact cluster.flux.version pins the controllers.
func BootstrapCommand(d *model.Description) string {
	src := d.Cluster.Flux.Source
	args := []string{"flux", "bootstrap", "git",
		"--url=" + src.URL, "--branch=" + src.Branch, "--path=" + src.Path}
	if v := fluxVersion(d); exactVersion.MatchString(v) {
		args = append(args, "--version=v"+v)
	}
	return strings.Join(args, " ")
}
