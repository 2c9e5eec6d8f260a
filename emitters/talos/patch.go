package talos

import (
	"fmt"

	jsonpatch "github.com/evanphx/json-patch"
	coreconfig "github.com/siderolabs/talos/pkg/machinery/config"
	docconfig "github.com/siderolabs/talos/pkg/machinery/config/config"
	"github.com/siderolabs/talos/pkg/machinery/config/configpatcher"
	"github.com/siderolabs/talos/pkg/machinery/config/container"

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
// trip); a JSON6902 patch works on the v1alpha1 document's bytes.
func applyPatches(cfg coreconfig.Provider, patches []loadedPatch) (coreconfig.Provider, error) {
	for _, lp := range patches {
		var err error
		switch p := lp.patch.(type) {
		case configpatcher.StrategicMergePatch:
			// A merge may link the patch's documents into the result; a
			// clone keeps one node's config from sharing them with the next.
			cfg, err = apply(cfg, configpatcher.NewStrategicMergePatch(p.Provider().Clone()))
		case jsonpatch.Patch:
			cfg, err = applyJSON6902(cfg, p)
		default:
			cfg, err = apply(cfg, p)
		}
		if err != nil {
			return nil, emitters.Problems{patchProblem(lp, err)}
		}
	}
	return cfg, nil
}

func apply(cfg coreconfig.Provider, p configpatcher.Patch) (coreconfig.Provider, error) {
	out, err := configpatcher.Apply(configpatcher.WithConfig(cfg), []configpatcher.Patch{p})
	if err != nil {
		return nil, err
	}
	return out.Config()
}

// applyJSON6902 applies a JSON6902 patch to the v1alpha1 document alone.
// Machinery takes JSON6902 patches for single-document configs only, as a
// pointer cannot say which document it means; a user's pointer
// (/machine/kubelet/...) means the v1alpha1 one, and since Talos 1.11
// hogen's configs hold other documents beside it.
func applyJSON6902(cfg coreconfig.Provider, p jsonpatch.Patch) (coreconfig.Provider, error) {
	docs := cfg.Documents()
	v1 := cfg.RawV1Alpha1()
	if len(docs) == 1 || v1 == nil {
		return apply(cfg, p)
	}
	alone, err := container.New(v1)
	if err != nil {
		return nil, err
	}
	patched, err := apply(alone, p)
	if err != nil {
		return nil, err
	}
	out := []docconfig.Document{patched.RawV1Alpha1()}
	for _, d := range docs {
		if d != docconfig.Document(v1) {
			out = append(out, d)
		}
	}
	return container.New(out...)
}

func patchProblem(lp loadedPatch, err error) emitters.Problem {
	return emitters.Problem{Path: lp.at, Msg: fmt.Sprintf("patch failed: %v", err)}
}
