package talos

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"runtime"
	"strings"

	"github.com/siderolabs/talos/pkg/machinery/config/generate/secrets"
	"golang.org/x/sync/errgroup"

	"github.com/hogen-dev/hogen/compiler/model"
	"github.com/hogen-dev/hogen/emitters"
)

// nodeName is what a node name must look like to become talos/<name>.yaml:
// a DNS label, so it can never leave the directory.
// Its length (at most 63) is checked apart: a counted repetition is costly
// to compile at start-up.
var nodeName = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

// Emit returns talos/<node>.yaml for every node, talos/talosconfig and
// talos/kubeconfig, all secret, with only their keys encrypted (the key
// material EncryptedRegex names, the fields patches fill from secrets, the
// kubeconfig's client key). It needs the
// secrets bundle and client certificate in d.Inputs; it never makes them.
func Emit(ctx context.Context, d *model.Description) ([]emitters.File, error) {
	if len(d.Nodes) == 0 {
		return nil, nil
	}
	for _, n := range d.Nodes {
		if len(n.Name) > 63 || !nodeName.MatchString(n.Name) {
			return nil, emitters.Problems{{Path: "nodes." + n.Name, Msg: fmt.Sprintf("node name %q is not a DNS label", n.Name), Fix: "use lower-case letters, digits and dashes"}}
		}
	}
	files := make([]emitters.File, 0, len(d.Nodes)+1)
	// refKeys are, per file, the keys of the fields patches fill with
	// secret values: encrypted like the key material, masked in digests.
	refKeys := make([][]string, len(d.Nodes)+2)
	refPatches := make([][]model.Patch, len(d.Nodes)+2)
	for i := range d.Nodes {
		refKeys[i], refPatches[i] = nodeRefs(d, &d.Nodes[i])
		files = append(files, emitters.File{Path: Dir + "/" + d.Nodes[i].Name + ".yaml", Secret: true, EncryptedRegex: encryptedRegex(refKeys[i])})
	}
	files = append(files,
		emitters.File{Path: TalosconfigFile, Secret: true, EncryptedRegex: EncryptedRegex},
		emitters.File{Path: KubeconfigFile, Secret: true, EncryptedRegex: KubeconfigEncryptedRegex})
	// Without the age key the bundle cannot be read: the files' contents
	// stay unknown (nil), and the sink keeps what is on disk, stale or not
	// as their digests say.
	if d.Inputs.TalosLocked {
		plains, err := lockedConfigs(ctx, d)
		if err != nil {
			return nil, err
		}
		for i := range files {
			files[i].Digest = digestOf(plains[i], refKeys[i], refPatches[i])
		}
		return files, nil
	}
	p, err := newPlan(d)
	if err != nil {
		return nil, err
	}
	configs, err := p.allConfigs(ctx)
	if err != nil {
		return nil, err
	}
	clients, err := clientConfigs(d, p.bundle)
	if err != nil {
		return nil, err
	}
	for i, data := range append(configs, clients...) {
		files[i].Data, files[i].Digest = data, digestOf(data, refKeys[i], refPatches[i])
	}
	return files, nil
}

// allConfigs builds every node's config on all cores. The plan is read-only
// while nodes build, so they share it; results keep the nodes' order, and
// problems of all nodes are reported together, in node order.
func (p *plan) allConfigs(ctx context.Context) ([][]byte, error) {
	out := make([][]byte, len(p.d.Nodes))
	errs := make([]error, len(p.d.Nodes))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i := range p.d.Nodes {
		g.Go(func() error {
			if err := gctx.Err(); err != nil {
				return err
			}
			out[i], errs[i] = p.nodeConfig(&p.d.Nodes[i])
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	var problems emitters.Problems
	for _, err := range errs {
		var ps emitters.Problems
		switch {
		case err == nil:
		case errors.As(err, &ps):
			problems = append(problems, ps...)
		default:
			return nil, err
		}
	}
	if len(problems) > 0 {
		return nil, problems
	}
	return out, nil
}

// NodeConfig returns the plaintext machine config of the named node, for
// `talosctl apply-config -f /dev/stdin`. It is the same bytes Emit writes.
func NodeConfig(d *model.Description, name string) ([]byte, error) {
	for i := range d.Nodes {
		if d.Nodes[i].Name == name {
			p, err := newPlan(d)
			if err != nil {
				return nil, err
			}
			return p.nodeConfig(&d.Nodes[i])
		}
	}
	names := make([]string, len(d.Nodes))
	for i := range d.Nodes {
		names[i] = d.Nodes[i].Name
	}
	return nil, fmt.Errorf("no node named %q in the description; its nodes: %s", name, strings.Join(names, ", "))
}

// clientConfigs are the talosconfig (control planes as endpoints, all
// nodes as nodes) and the admin kubeconfig, with the client certificates
// made once at init, so they are the same bytes every build.
func clientConfigs(d *model.Description, b *secrets.Bundle) ([][]byte, error) {
	crt, err := decodeClient(d.Inputs.TalosClient, b)
	if err != nil {
		return nil, err
	}
	kube, err := decodeKubeClient(d.Inputs.TalosClient, b)
	if err != nil {
		return nil, err
	}
	tc, err := talosconfigFrom(d, b, crt)
	if err != nil {
		return nil, fmt.Errorf("encoding the talosconfig: %w", err)
	}
	kc, err := kubeconfigFrom(d, b, kube)
	if err != nil {
		return nil, err
	}
	return [][]byte{tc, kc}, nil
}
