package talos

import (
	"fmt"
	"strings"

	jsonpatch "github.com/evanphx/json-patch"
	coreconfig "github.com/siderolabs/talos/pkg/machinery/config"
	"github.com/siderolabs/talos/pkg/machinery/config/configpatcher"

	"github.com/hogen-dev/hogen/compiler/model"
	"github.com/hogen-dev/hogen/emitters"
)

// loadedPatch is a user patch parsed once, with the description path it
// came from so a failure points at it.
type loadedPatch struct {
	at    string
	patch configpatcher.Patch
}

// loadPatches parses patches written at path (e.g. "cluster.patches.all"),
// their secret references replaced by the values secret gives.
func loadPatches(path string, ps []model.Patch, secret func(string) (string, bool)) ([]loadedPatch, error) {
	out := make([]loadedPatch, 0, len(ps))
	for i, raw := range ps {
		at := fmt.Sprintf("%s[%d]", path, i)
		raw, err := resolveRefs(fmt.Sprintf("%s.%d", path, i), raw, secret)
		if err != nil {
			return nil, err
		}
		p, err := configpatcher.LoadPatch(raw)
		if err != nil {
			return nil, emitters.Problems{{
				Path: at,
				Msg:  fmt.Sprintf("not a Talos config patch: %v", err),
				Fix:  "write a strategic merge patch (an object shaped like the machine config) or a JSON6902 list of operations",
			}}
		}
		out = append(out, loadedPatch{at: at, patch: p})
	}
	return out, nil
}

func (p *plan) loadClusterPatches() error {
	var err error
	ps := p.d.Cluster.Patches
	if p.all, err = loadPatches("cluster.patches.all", ps.All, p.secret); err != nil {
		return err
	}
	if p.controlPlane, err = loadPatches("cluster.patches.controlplane", ps.ControlPlane, p.secret); err != nil {
		return err
	}
	p.worker, err = loadPatches("cluster.patches.worker", ps.Worker, p.secret)
	return err
}

// applyPatches applies patches in order, one at a time so a failure names
// its patch. Strategic merge patches work on the typed config (no YAML round
// trip); a JSON6902 patch needs bytes, which machinery only allows for
// single-document configs.
func applyPatches(cfg coreconfig.Provider, patches []loadedPatch) (coreconfig.Provider, error) {
	in := configpatcher.WithConfig(cfg)
	for _, lp := range patches {
		p := lp.patch
		if sm, ok := p.(configpatcher.StrategicMergePatch); ok {
			// A merge may link the patch's documents into the result; a
			// clone keeps one node's config from sharing them with the next.
			p = configpatcher.NewStrategicMergePatch(sm.Provider().Clone())
		}
		out, err := configpatcher.Apply(in, []configpatcher.Patch{p})
		if err != nil {
			return nil, emitters.Problems{patchProblem(lp, err)}
		}
		in = out
	}
	cfg, err := in.Config()
	if err != nil {
		return nil, fmt.Errorf("reading the patched config: %w", err)
	}
	return cfg, nil
}

func patchProblem(lp loadedPatch, err error) emitters.Problem {
	pr := emitters.Problem{Path: lp.at, Msg: fmt.Sprintf("patch failed: %v", err)}
	if _, isJSON := lp.patch.(jsonpatch.Patch); isJSON && strings.Contains(err.Error(), "multi-document") {
		pr.Fix = "this Talos version's config has several documents; write the patch as a strategic merge patch (an object)"
	}
	return pr
}
