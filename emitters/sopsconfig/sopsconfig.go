// Package sopsconfig emits .sops.yaml: sops' creation rules matching the
// secret files hogen writes, so a person who creates or edits one by hand
// with the sops CLI gets the same encryption as hogen (same recipients,
// same encrypted keys, same indentation).
package sopsconfig

import (
	"context"
	"regexp"
	"strings"

	"github.com/hogen-dev/hogen/compiler/model"
	"github.com/hogen-dev/hogen/compiler/secrets"
	"github.com/hogen-dev/hogen/emitters"
	"github.com/hogen-dev/hogen/emitters/talos"
)

// Path is where sops looks for its configuration: the repository root,
// which is the description's directory.
const Path = ".sops.yaml"

// Encryption rules of the files hogen writes. sops applies the first rule
// whose path_regex matches a path relative to .sops.yaml, so the order of
// Rules matters: specific Talos paths first, the catch-all last.
const (
	// KubernetesSecretRegex encrypts only a Secret's data and stringData,
	// as Flux's kustomize-controller expects.
	KubernetesSecretRegex = `^(data|stringData)$`
	// TalosDir holds the Talos files.
	TalosDir = talos.Dir
	// TalosEncryptedRegex names the key material in Talos machine configs
	// and the talosconfig: what the Talos emitter asks the sink to encrypt.
	TalosEncryptedRegex = talos.EncryptedRegex
)

// Rule is one sops creation rule, without its recipients.
type Rule struct {
	// PathRegex matches a slash path relative to the repository root.
	PathRegex string
	// EncryptedRegex limits encryption to matching keys; "" is every value.
	EncryptedRegex string
	// Why says which files it is for, written as a comment.
	Why string
}

// Rules are the creation rules, in the order sops must try them.
var Rules = []Rule{
	{PathRegex: `^` + TalosDir + `/.*\.sops\.ya?ml$`,
		Why: "Talos secrets bundle and client certificate: every value"},
	{PathRegex: `^` + strings.ReplaceAll(talos.KubeconfigFile, ".", `\.`) + `$`, EncryptedRegex: talos.KubeconfigEncryptedRegex,
		Why: "admin kubeconfig: only the client key"},
	{PathRegex: `^` + TalosDir + `/`, EncryptedRegex: TalosEncryptedRegex,
		Why: "Talos machine configs and talosconfig: only the key material"},
	{PathRegex: `^` + strings.ReplaceAll(secrets.InputFile, ".", `\.`) + `$`,
		Why: "secret inputs of the description: every value"},
	{PathRegex: `\.sops\.ya?ml$`, EncryptedRegex: KubernetesSecretRegex,
		Why: "Kubernetes Secrets: data and stringData"},
}

// Emitter is the .sops.yaml emitter; it also implements emitters.Checker.
var Emitter emitters.Emitter = emitter{}

type emitter struct{}

var _ emitters.Checker = emitter{}

func (emitter) Name() string { return "sops" }

func (emitter) Enabled(d *model.Description) bool { return d.Emitters.SOPS.Enabled }

// Roots implements emitters.Rooted.
func (emitter) Roots(*model.Description) []string { return []string{Path} }

func (emitter) Emit(_ context.Context, d *model.Description) ([]emitters.File, error) {
	return Emit(d)
}

// Check warns when there is nobody to encrypt to: no .sops.yaml can be
// written, and no secret either.
func (emitter) Check(d *model.Description) emitters.Problems {
	if len(d.Cluster.SOPS.AgeRecipients) > 0 {
		return nil
	}
	return emitters.Problems{{
		Path:    "cluster.sops.ageRecipients",
		Msg:     "no age recipients: hogen cannot write .sops.yaml or encrypt secrets",
		Fix:     "run 'hogen secrets init' and add the public key it prints",
		Warning: true,
	}}
}

// Emit returns .sops.yaml for d's age recipients, or nothing without any.
func Emit(d *model.Description) ([]emitters.File, error) {
	rs := d.Cluster.SOPS.AgeRecipients
	if len(rs) == 0 {
		return nil, nil
	}
	data, err := Encode(rs, append(nodeRules(d), Rules...))
	if err != nil {
		return nil, err
	}
	return []emitters.File{{Path: Path, Data: data}}, nil
}

// nodeRules are the rules, before the common Talos one, of the node
// configs whose patches fill fields from secrets.sops.yaml: those fields
// are encrypted too.
func nodeRules(d *model.Description) []Rule {
	var out []Rule
	for _, c := range talos.ConfigsSealedBeyondKeys(d) {
		out = append(out, Rule{PathRegex: "^" + regexp.QuoteMeta(c.Path) + "$", EncryptedRegex: c.EncryptedRegex,
			Why: "Talos machine config whose patches hold secrets: their fields too"})
	}
	return out
}
