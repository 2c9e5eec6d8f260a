package flux

import (
	"encoding/json"
	"path"
	"strings"

	sourcev1 "github.com/fluxcd/source-controller/api/v1"

	"github.com/hogen-dev/hogen/compiler/model"
)

// defaultRegistry is where Flux's images come from unless told otherwise.
const defaultRegistry = "ghcr.io/fluxcd"

// FluxInstance is the Flux Operator's object for install "operator":
// cluster.flux.instance, with the distribution's version from
// cluster.flux.version and a sync section from cluster.flux.source (the
// path inside the repository), from which the operator creates the
// flux-system GitRepository and Kustomization. There is no Go module for
// the operator's API, so it is a plain object; fields left at Flux's
// defaults (multitenant off, no patches) are left out.
func FluxInstance(d *model.Description) map[string]any {
	in := d.Cluster.Flux.Instance
	src := d.Cluster.Flux.Source
	sync := map[string]any{
		"kind": sourcev1.GitRepositoryKind,
		"url":  src.URL,
		"ref":  "refs/heads/" + src.Branch,
		"path": path.Join(d.Inputs.RepoPath, src.Path),
	}
	if strings.HasPrefix(src.URL, "ssh://") {
		// An SSH deploy key, which `flux-operator create secret` or the
		// bootstrap puts in flux-system under this name.
		sync["pullSecret"] = SourceName
	}
	setNonEmpty(sync, "pullSecret", in.Sync.PullSecret)
	setNonEmpty(sync, "interval", in.Sync.Interval)
	setNonEmpty(sync, "provider", in.Sync.Provider)
	dist := map[string]any{"version": fluxVersion(d), "registry": orDefault(in.Distribution.Registry, defaultRegistry)}
	setNonEmpty(dist, "artifact", in.Distribution.Artifact)
	setNonEmpty(dist, "artifactPullSecret", in.Distribution.ArtifactPullSecret)
	setNonEmpty(dist, "imagePullSecret", in.Distribution.ImagePullSecret)
	setNonEmpty(dist, "variant", in.Distribution.Variant)
	cluster := map[string]any{
		"type":          orDefault(in.Cluster.Type, "kubernetes"),
		"networkPolicy": in.Cluster.NetworkPolicy || in.Cluster.Type == "",
		"domain":        d.Cluster.Domain,
	}
	if in.Cluster.Multitenant {
		cluster["multitenant"] = true
		setNonEmpty(cluster, "tenantDefaultServiceAccount", in.Cluster.TenantDefaultServiceAccount)
	}
	setNonEmpty(cluster, "size", in.Cluster.Size)
	components := in.Components
	if len(components) == 0 {
		components = defaultComponents
	}
	spec := map[string]any{"distribution": dist, "components": components, "cluster": cluster, "sync": sync}
	if p := in.Kustomize.Patches; len(p) > 0 && string(p) != "[]" && string(p) != "null" {
		spec["kustomize"] = map[string]any{"patches": json.RawMessage(p)}
	}
	if len(in.CommonMetadata) > 0 {
		spec["commonMetadata"] = in.CommonMetadata
	}
	if len(in.Storage) > 0 {
		spec["storage"] = in.Storage
	}
	return map[string]any{
		"apiVersion": "fluxcd.controlplane.io/v1",
		"kind":       "FluxInstance",
		"metadata":   map[string]any{"name": "flux", "namespace": Namespace},
		"spec":       spec,
	}
}

func setNonEmpty(m map[string]any, key, v string) {
	if v != "" {
		m[key] = v
	}
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
