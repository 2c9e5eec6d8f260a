// Package renovate holds hogen's Renovate preset (default.json) and the test
// that proves its custom regex manager finds every version written in a .cue
// description: users extend it with
//
//	"extends": ["github>hogen-dev/hogen//renovate/default"]
//
// The convention it reads is a comment on the line right before the value:
//
//	// renovate: datasource=helm depName=cert-manager registryUrl=https://charts.jetstack.io
//	version: "v1.18.2"
//
// with datasource=docker for charts in OCI registries (depName is the
// chart's image path) and datasource=github-releases for Talos
// (siderolabs/talos) and Kubernetes (kubernetes/kubernetes). The package has
// no Go code of its own: the preset is data, and the test checks it.
package renovate
