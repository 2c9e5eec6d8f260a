// Package renovate holds hogen's Renovate preset (default.json) and the
// tests that prove its regex managers find every version written in a .cue
// description, and the hogen release a repository pins. Users extend it,
// with the rules hogen writes beside the description
// (.hogen-renovate.json, see emitters/renovate), from their renovate.json:
//
//	"extends": ["github>hogen-dev/hogen//renovate/default#v0.1.0",
//	            "local>OWNER/REPO//.hogen-renovate.json"]
//
// The convention it reads is a comment on the line right before the value:
//
//	// renovate: datasource=helm depName=cert-manager registryUrl=https://charts.jetstack.io
//	version: "v1.18.2"
//
// with datasource=docker for charts in OCI registries (depName is the
// chart's image path) and for image tags in values, and
// datasource=github-releases for Talos (siderolabs/talos), Kubernetes
// (kubernetes/kubernetes) and Flux (fluxcd/flux2, with
// extractVersion=^v(?<version>.*)$ since the schema wants no leading v).
//
// The preset sets fileMatch, which Renovate 39 requires; Renovate 40.3 and
// later migrate it to managerFilePatterns themselves (their validator says
// "Config migration necessary" only with --strict). Both were checked with
// Renovate's own validator and extractor: see TestRenovate.
//
// The package has no Go code of its own: the preset is data, and the
// tests check it.
package renovate
