package talos

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"runtime"
	"slices"
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
	return EmitUnits(ctx, d, nil)
}

// Units are the emitter's units: one per node ("node/<name>": its config)
// and "clients" (the talosconfig and kubeconfig).
func Units(d *model.Description) []emitters.Unit {
	if len(d.Nodes) == 0 {
		return nil
	}
	// What every node's config is made of besides the node: the cluster.
	// No other node: the control planes' addresses are the talosconfig's
	// endpoints, in no machine config.
	shared := *d
	shared.Nodes, shared.Apps, shared.Components, shared.NamespaceSettings = nil, nil, nil, nil
	base := model.Digest(&shared)
	out := make([]emitters.Unit, 0, len(d.Nodes)+1)
	clients := make([][2]string, len(d.Nodes))
	for i := range d.Nodes {
		n := &d.Nodes[i]
		out = append(out, emitters.Unit{Name: nodeUnit(n), Shape: emitters.Part[*model.Node]{Shared: base, Own: n}})
		clients[i] = [2]string{n.Address, string(n.Role)}
	}
	return append(out, emitters.Unit{Name: clientsUnit, Shape: emitters.Part[[][2]string]{Shared: base, Own: clients}})
}

const clientsUnit = "clients"

func nodeUnit(n *model.Node) string { return "node/" + n.Name }

// EmitUnits is Emit of the units want accepts (all when nil).
func EmitUnits(ctx context.Context, d *model.Description, want func(unit string) bool) ([]emitters.File, error) {
	if len(d.Nodes) == 0 {
		return nil, nil
	}
	if want == nil {
		want = func(string) bool { return true }
	}
	for _, n := range d.Nodes {
		if len(n.Name) > 63 || !nodeName.MatchString(n.Name) {
			return nil, emitters.Problems{{Path: "nodes." + n.Name, Msg: fmt.Sprintf("node name %q is not a DNS label", n.Name), Fix: "use lower-case letters, digits and dashes"}}
		}
	}
	files := make([]emitters.File, 0, len(d.Nodes)+2)
	// refKeys are, per file, the keys of the fields patches fill with
	// secret values: encrypted like the key material, masked in digests.
	refKeys := make([][]string, len(d.Nodes)+2)
	refPatches := make([][]model.Patch, len(d.Nodes)+2)
	for i := range d.Nodes {
		refKeys[i], refPatches[i] = nodeRefs(d, &d.Nodes[i])
		files = append(files, emitters.File{Path: Dir + "/" + d.Nodes[i].Name + ".yaml", Secret: true, EncryptedRegex: encryptedRegex(refKeys[i]), Unit: nodeUnit(&d.Nodes[i])})
	}
	files = append(files,
		emitters.File{Path: TalosconfigFile, Secret: true, EncryptedRegex: EncryptedRegex, Unit: clientsUnit},
		emitters.File{Path: KubeconfigFile, Secret: true, EncryptedRegex: KubeconfigEncryptedRegex, Unit: clientsUnit})
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
		return wanted(files, want), nil
	}
	p, err := newPlan(d)
	if err != nil {
		return nil, err
	}
	var nodes []int
	for i := range d.Nodes {
		if want(nodeUnit(&d.Nodes[i])) {
			nodes = append(nodes, i)
		}
	}
	configs, err := p.configs(ctx, nodes)
	if err != nil {
		return nil, err
	}
	for j, i := range nodes {
		files[i].Data, files[i].Digest = configs[j], digestOf(configs[j], refKeys[i], refPatches[i])
	}
	if want(clientsUnit) {
		clients, err := clientConfigs(d, p.bundle)
		if err != nil {
			return nil, err
		}
		for j, data := range clients {
			i := len(d.Nodes) + j
			files[i].Data, files[i].Digest = data, digestOf(data, refKeys[i], refPatches[i])
		}
	}
	return wanted(files, want), nil
}

// wanted are the files of the units want accepts.
func wanted(files []emitters.File, want func(string) bool) []emitters.File {
	return slices.DeleteFunc(files, func(f emitters.File) bool { return !want(f.Unit) })
}

// allConfigs builds every node's config on all cores. The plan is read-only
// while nodes build, so they share it; results keep the nodes' order, and
// problems of all nodes are reported together, in node order.
func (p *plan) allConfigs(ctx context.Context) ([][]byte, error) {
	all := make([]int, len(p.d.Nodes))
	for i := range all {
		all[i] = i
	}
	return p.configs(ctx, all)
}

// configs is allConfigs of the nodes at the indices given.
func (p *plan) configs(ctx context.Context, nodes []int) ([][]byte, error) {
	out := make([][]byte, len(nodes))
	errs := make([]error, len(nodes))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(runtime.GOMAXPROCS(0))
	for j, i := range nodes {
		g.Go(func() error {
			if err := gctx.Err(); err != nil {
				return err
			}
			out[j], errs[j] = p.nodeConfig(&p.d.Nodes[i])
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
