// Package talos emits the Talos side of a cluster: one machine config per
// node (talos/<node>.yaml), a talosconfig (talos/talosconfig) and the admin
// kubeconfig (talos/kubeconfig).
//
// Everything is built with Talos' own machinery (generate, configpatcher,
// validation, encoder), never by templating YAML. The pipeline, run once per
// build:
//
//  1. plan: parse the version contract, decode the secrets bundle (an input,
//     made once by `hogen talos init`), build one generate.Input and load the
//     cluster- and role-level patches; all shared by every node.
//  2. per node, in parallel: generate the role's config, set the node's
//     fields on the typed config, apply the user patches (cluster, role,
//     node) as objects, validate in metal mode, strict, and encode once.
//
// Secret-bearing keys are named by EncryptedRegex so SOPS encrypts only
// their values and a change of disk or address reads as a normal diff.
package talos

import (
	"context"
	"fmt"

	"github.com/siderolabs/talos/pkg/machinery/api/machine"
	"github.com/siderolabs/talos/pkg/machinery/compatibility"
	"github.com/siderolabs/talos/pkg/machinery/config"
	"github.com/siderolabs/talos/pkg/machinery/version"

	"github.com/hogen-dev/hogen/compiler/model"
	"github.com/hogen-dev/hogen/emitters"
)

// Paths of the files this package reads and writes, relative to the
// repository root.
const (
	Dir             = "talos"
	SecretsFile     = Dir + "/secrets.sops.yaml"
	ClientFile      = Dir + "/client.sops.yaml"
	TalosconfigFile = Dir + "/talosconfig"
	KubeconfigFile  = Dir + "/kubeconfig"
)

// EncryptedRegex names the keys whose values SOPS encrypts in the files of
// talos/ (machine configs and talosconfig). These are every secret the v1.10+
// contracts emit: machine.token, machine.ca.key, cluster.secret,
// cluster.token, cluster.secretboxEncryptionSecret (aescbcEncryptionSecret on
// old contracts), cluster.{ca,aggregatorCA,serviceAccount,etcd.ca}.key; and
// those a user patch may add: wireguard privateKey, static LUKS passphrase,
// VIP apiToken, registry auth. In a talosconfig only the client `key`
// matches. The .sops.yaml emitter must use this same value.
const EncryptedRegex = `^(key|token|secret|secretboxEncryptionSecret|aescbcEncryptionSecret|privateKey|passphrase|apiToken|password|auth|identityToken)$`

// Emitter is the Talos emitter; it also implements emitters.Checker.
var Emitter emitters.Emitter = emitter{}

type emitter struct{}

var (
	_ emitters.Checker  = emitter{}
	_ emitters.Unitized = emitter{}
)

func (emitter) Name() string { return "talos" }

// Roots implements emitters.Rooted: talos/, where the secret inputs
// beside the configs are protected by the compiler and the sink.
func (emitter) Roots(*model.Description) []string { return []string{Dir} }

func (emitter) Enabled(d *model.Description) bool { return d.Emitters.Talos.Enabled }

func (emitter) Emit(ctx context.Context, d *model.Description) ([]emitters.File, error) {
	return Emit(ctx, d)
}

// Units and EmitUnits implement emitters.Unitized.
func (emitter) Units(d *model.Description) []emitters.Unit { return Units(d) }
func (emitter) EmitUnits(ctx context.Context, d *model.Description, want func(string) bool) ([]emitters.File, error) {
	return EmitUnits(ctx, d, want)
}

func (emitter) Check(d *model.Description) emitters.Problems { return Check(d) }

// Check looks at the description before any emitter runs: a Talos version
// newer than this build of hogen knows is a warning (its configs use the
// newest contract hogen has); a Kubernetes version that Talos version does
// not run, a node whose links, install disk or volumes are ambiguous, or a
// malformed secret reference in a patch, is an error; a patch setting a
// field this Talos version moved to a document is an error or a warning.
func Check(d *model.Description) emitters.Problems {
	var ps emitters.Problems
	if p, ok := versionProblem(d.Cluster.Talos.Version); ok {
		ps = append(ps, p)
	} else if p, ok := kubernetesProblem(d.Cluster.Talos.Version, d.Cluster.Kubernetes.Version); ok {
		ps = append(ps, p)
	}
	c, err := contract(d.Cluster.Talos.Version)
	if err != nil {
		c = nil // reported above
	}
	for _, n := range d.Nodes {
		ps = append(ps, nodeProblems(n, c, d.Cluster.Talos.Version)...)
	}
	if c != nil {
		ps = append(ps, legacyPatchProblems(d, c)...)
	}
	return append(ps, refProblems(d)...)
}

// knownContract is the newest contract the linked machinery knows.
var knownContract = mustContract(version.Tag)

func mustContract(v string) *config.VersionContract {
	c, err := config.ParseContractFromVersion(v)
	if err != nil {
		panic(fmt.Sprintf("machinery version %q: %v", v, err))
	}
	return c
}

func versionProblem(v string) (emitters.Problem, bool) {
	c, err := config.ParseContractFromVersion(v)
	if err != nil {
		return emitters.Problem{
			Path: "cluster.talos.version",
			Msg:  fmt.Sprintf("%q is not a Talos version", v),
			Fix:  `write it as "v1.10.5"`,
		}, true
	}
	if c.Greater(knownContract) {
		return emitters.Problem{
			Path:    "cluster.talos.version",
			Msg:     fmt.Sprintf("Talos %s is newer than this hogen knows (%s); configs use the %s contract", v, version.Tag, knownContract),
			Fix:     "upgrade hogen when a release supports it; the generated configs still validate for the older contract",
			Warning: true,
		}, true
	}
	return emitters.Problem{}, false
}

// kubernetesProblem is an error when Talos' compatibility data, which
// talosctl upgrade-k8s enforces, says Talos talosVersion does not run
// Kubernetes k8sVersion. Only Talos releases hogen knows are judged.
func kubernetesProblem(talosVersion, k8sVersion string) (emitters.Problem, bool) {
	tv, err := compatibility.ParseTalosVersion(&machine.VersionInfo{Tag: talosVersion})
	if err != nil {
		return emitters.Problem{}, false
	}
	kv, err := compatibility.ParseKubernetesVersion(k8sVersion)
	if err != nil {
		return emitters.Problem{}, false
	}
	if err := kv.SupportedWith(tv); err != nil {
		return emitters.Problem{
			Path: "cluster.kubernetes.version",
			Msg:  err.Error(),
			Fix: fmt.Sprintf("pick a Kubernetes version Talos %s supports (https://www.talos.dev/latest/introduction/support-matrix/), "+
				"or change cluster.talos.version first", talosVersion),
		}, true
	}
	return emitters.Problem{}, false
}

// contract returns the version contract for v, capped at the newest one the
// machinery knows.
func contract(v string) (*config.VersionContract, error) {
	c, err := config.ParseContractFromVersion(v)
	if err != nil {
		return nil, fmt.Errorf("cluster.talos.version %q: %w", v, err)
	}
	if c.Greater(knownContract) {
		return knownContract, nil
	}
	return c, nil
}
