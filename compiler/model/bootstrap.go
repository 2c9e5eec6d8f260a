package model

// Bootstrap is what happens before Flux runs, besides the bootstrap
// apps' charts.
type Bootstrap struct {
	// CRDs name releases whose charts' CRDs are installed before Flux.
	CRDs []string `json:"crds,omitempty"`
}
