package flux

import (
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/hogen-dev/hogen/compiler/model"
)

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
		"--url=" + src.URL, "--branch=" + src.Branch, "--path=" + path.Join(d.Inputs.RepoPath, src.Path)}
	if v := fluxVersion(d); exactVersion.MatchString(v) {
		args = append(args, "--version=v"+v)
	}
	return strings.Join(append(args, bootstrapFlags(d)...), " ")
}

// defaultComponents are the controllers `flux bootstrap` and the
// FluxInstance install unless told otherwise.
var defaultComponents = []string{"source-controller", "kustomize-controller", "helm-controller", "notification-controller"}

// bootstrapFlags are the flags of `flux bootstrap` that say what
// cluster.flux.instance says, where it differs from Flux's defaults.
func bootstrapFlags(d *model.Description) []string {
	in := d.Cluster.Flux.Instance
	var out []string
	var base, extra []string
	for _, c := range in.Components {
		if slices.Contains(defaultComponents, c) {
			base = append(base, c)
		} else {
			extra = append(extra, c)
		}
	}
	if len(in.Components) > 0 && !slices.Equal(base, defaultComponents) {
		out = append(out, "--components="+strings.Join(base, ","))
	}
	if len(extra) > 0 {
		out = append(out, "--components-extra="+strings.Join(extra, ","))
	}
	if r := in.Distribution.Registry; r != "" && r != defaultRegistry {
		out = append(out, "--registry="+r)
	}
	if !in.Cluster.NetworkPolicy && in.Cluster.Type != "" {
		out = append(out, "--network-policy=false")
	}
	if dom := d.Cluster.Domain; dom != "" && dom != "cluster.local" {
		out = append(out, "--cluster-domain="+dom)
	}
	return out
}
