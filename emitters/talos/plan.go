package talos

import (
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/siderolabs/talos/pkg/machinery/config"
	"github.com/siderolabs/talos/pkg/machinery/config/generate"
	"github.com/siderolabs/talos/pkg/machinery/config/generate/secrets"
	v1alpha1 "github.com/siderolabs/talos/pkg/machinery/config/types/v1alpha1"

	"github.com/hogen-dev/hogen/compiler/model"
)

// plan is what every node's config shares, built once per build: the parsed
// bundle, one generate.Input and the loaded cluster and role patches.
type plan struct {
	d        *model.Description
	contract *config.VersionContract
	bundle   *secrets.Bundle
	// placeholder plans build configs from a placeholder bundle and
	// placeholder secret values, for their digest only: they are not
	// validated, and never written.
	placeholder bool
	// secret looks up the value a patch's secret reference names.
	secret func(name string) (string, bool)
	input  *generate.Input
	// image is the installer of nodes without their own schematic.
	image string
	// patches are the cluster's patches by role, "all" first.
	all, controlPlane, worker []loadedPatch
	// subnets are the node networks, for kubelet and etcd.
	subnets []string
}

func newPlan(d *model.Description) (*plan, error) {
	b, err := decodeBundle(d.Inputs.TalosSecrets)
	if err != nil {
		return nil, err
	}
	return newPlanWith(d, b, false)
}

// newPlanWith is the plan for bundle b; a placeholder plan puts a fixed
// word where a patch references a secret.
func newPlanWith(d *model.Description, b *secrets.Bundle, placeholder bool) (*plan, error) {
	c, err := contract(d.Cluster.Talos.Version)
	if err != nil {
		return nil, err
	}
	p := &plan{d: d, contract: c, bundle: b, placeholder: placeholder, secret: func(name string) (string, bool) {
		v, ok := d.Inputs.Secrets[name]
		return v, ok
	}}
	if placeholder {
		p.secret = func(string) (string, bool) { return "placeholder", true }
	}
	if p.input, err = newInput(d, c, b); err != nil {
		return nil, err
	}
	if p.image, err = InstallerImage(d, &model.Node{}); err != nil {
		return nil, err
	}
	if err := p.loadClusterPatches(); err != nil {
		return nil, err
	}
	net := d.Cluster.Network.Node
	p.subnets = nonEmpty(net.CIDR, net.CIDR6)
	return p, nil
}

// newInput maps the cluster-wide settings onto machinery's generate options.
func newInput(d *model.Description, c *config.VersionContract, b *secrets.Bundle) (*generate.Input, error) {
	cl := d.Cluster
	opts := []generate.Option{
		generate.WithVersionContract(c),
		generate.WithSecretsBundle(b),
		generate.WithDNSDomain(cl.Domain),
		generate.WithAllowSchedulingOnControlPlanes(cl.ScheduleOnControlPlanes),
		generate.WithAdditionalSubjectAltNames(certSANs(cl.API)),
		generate.WithEndpointList(controlPlaneAddresses(d)),
	}
	if cl.Network.CNI == "none" {
		opts = append(opts, generate.WithClusterCNIConfig(&v1alpha1.CNIConfig{CNIName: "none"}))
	}
	if len(cl.Sysctls) > 0 {
		opts = append(opts, generate.WithSysctls(cl.Sysctls))
	}
	in, err := generate.NewInput(cl.Name, Endpoint(cl.API), strings.TrimPrefix(cl.Kubernetes.Version, "v"), opts...)
	if err != nil {
		return nil, fmt.Errorf("preparing Talos config generation: %w", err)
	}
	if len(cl.Network.Pods) > 0 {
		in.PodNet = cl.Network.Pods
	}
	if len(cl.Network.Services) > 0 {
		in.ServiceNet = cl.Network.Services
	}
	return in, nil
}

// Endpoint is the Kubernetes API URL: https://endpoint:port.
func Endpoint(api model.API) string {
	port := api.Port
	if port == 0 {
		port = 6443
	}
	return "https://" + net.JoinHostPort(api.Endpoint, strconv.Itoa(port))
}

// certSANs are the user's SANs and the VIP, so the API answers on the VIP
// even when the endpoint is a DNS name; each once, in a stable order. The
// endpoint itself is left to machinery, which adds it where the contract
// wants it.
func certSANs(api model.API) []string {
	var out []string
	seen := map[string]bool{api.Endpoint: true}
	for _, s := range append(append([]string{}, api.CertSANs...), api.VIP) {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func controlPlaneAddresses(d *model.Description) []string {
	var out []string
	for _, n := range d.ControlPlanes() {
		out = append(out, n.Address)
	}
	return out
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}
