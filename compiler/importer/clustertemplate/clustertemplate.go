// Package clustertemplate imports onedr0p/cluster-template's cluster.yaml
// and nodes.yaml into a hogen description (cluster.cue and nodes.cue).
//
// The template's defaults are written out (DNS and NTP servers, pod and
// service networks, the gateway as the network's first address), since
// hogen's own defaults differ. The template installs Cilium as an app with
// kube-proxy replaced, so the CNI is "none" and kube-proxy is off. Its
// gateway addresses and domain become substitution settings apps can use;
// cloudflare_token is a secret and is never written: the warning says where
// it goes. Versions are not in these files (the template keeps them in
// talenv.yaml) and come from the options or the defaults, with a warning.
//
// The template's Talos settings come from the rendered talos/patches/
// directory (global/, controller/, worker/, one per node) when the
// repository has one: those files are what the cluster runs, the
// template's own and the user's. Without it, hogen's equivalents of the
// template's own patches are used. Settings a hogen field says (node
// network, nameservers, NTP servers, sysctls, kube-proxy, scheduling on
// control planes) go to the field; the rest stay patches.
package clustertemplate

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"strings"

	"cuelang.org/go/cue/ast"
	"github.com/joho/godotenv"

	"github.com/hogen-dev/hogen/compiler/importer"
	"github.com/hogen-dev/hogen/compiler/importer/talhelper"
)

// The template's defaults, written out because hogen's differ.
var (
	defaultDNS = []string{"1.1.1.1", "1.0.0.1"}
	defaultNTP = []string{"162.159.200.1", "162.159.200.123"}
)

const (
	defaultPods     = "10.42.0.0/16"
	defaultServices = "10.43.0.0/16"
	// clusterName is the name the template gives every cluster.
	clusterName = "kubernetes"
)

// settings are cluster.yaml keys that become substitution settings.
var settings = []string{
	"cluster_dns_gateway_addr", "cluster_gateway_addr", "cloudflare_domain", "cloudflare_gateway_addr",
	"cilium_loadbalancer_mode", "cilium_bgp_router_addr", "cilium_bgp_router_asn", "cilium_bgp_node_asn",
}

// Input is what the template's repository holds: cluster.yaml, nodes.yaml
// and, once rendered, talos/patches/.
type Input struct {
	// ClusterFile and NodesFile name the files in messages.
	ClusterFile, NodesFile string
	Cluster, Nodes         []byte
	// Talos is the rendered talos/ directory (nil when there is none),
	// named TalosDir in messages: talenv.yaml (the versions and the
	// variables of the patches), patches/, and talhelper's talsecret.
	Talos    fs.FS
	TalosDir string
}

// Import reads a cluster-template repository's configuration.
func Import(in Input, opts importer.Options) (*importer.Result, error) {
	ws := &importer.Warnings{}
	root, err := importer.ParseObj(in.ClusterFile, in.Cluster, ws)
	if err != nil {
		return nil, err
	}
	vars, err := talenv(in.Talos)
	if err != nil {
		return nil, err
	}
	if opts.TalosVersion == "" {
		opts.TalosVersion = vars["talosVersion"]
	}
	if opts.KubernetesVersion == "" {
		opts.KubernetesVersion = vars["kubernetesVersion"]
	}
	c, err := cluster(root, opts)
	if err != nil {
		return nil, err
	}
	nroot, err := importer.ParseObj(in.NodesFile, in.Nodes, ws)
	if err != nil {
		return nil, err
	}
	nodes, err := readNodes(nroot, &c)
	if err != nil {
		return nil, err
	}
	if err := talosPatches(in, vars, opts, root, &c, nodes); err != nil {
		return nil, err
	}
	// The template makes its Talos secrets with talhelper: keeping them
	// keeps the cluster's identity.
	s, err := talhelper.ImportSecrets(in.Talos, opts, root)
	if err != nil {
		return nil, err
	}
	c.AgeRecipients = s.Recipients
	r, err := importer.Build(opts, c, nodes, ws)
	if err != nil {
		return nil, err
	}
	maps.Copy(r.Files, s.Files)
	r.Secrets = s.Keys
	return r, nil
}

// talosPatches adds the template's Talos patches, or the rendered ones,
// substituted as talhelper does.
func talosPatches(in Input, vars map[string]string, opts importer.Options, root *importer.Obj, c *importer.Cluster, nodes []importer.Node) error {
	var patches fs.FS
	if in.Talos != nil {
		if st, err := fs.Stat(in.Talos, "patches"); err == nil && st.IsDir() {
			patches, _ = fs.Sub(in.Talos, "patches")
		}
	}
	if patches == nil {
		root.At("cluster.patches").Warn("", "no rendered talos/patches/ beside %s: the template's own Talos patches are imported as hogen's equivalents of them; if you changed templates/config/talos/patches, run the template's configure first and import again", in.ClusterFile)
		root.At("cluster")
	}
	files, err := readPatches(patches, path.Join(in.TalosDir, "patches"), nodes, root)
	if err != nil {
		return err
	}
	// The rendered patches are talhelper's input: substituted as it does.
	subst := func(s string) (string, importer.Note) {
		out, _, missing := importer.Envsubst(s, func(name string) string {
			if v, ok := vars[name]; ok || opts.Getenv == nil {
				return v
			}
			return opts.Getenv(name)
		})
		return out, importer.Note{Unresolved: missing}
	}
	return applyPatches(files, subst, c, nodes, root.Doc().Warnings())
}

// talenv reads talos/talenv.yaml as talhelper does (dotenv, which takes
// "key: value" lines).
func talenv(dir fs.FS) (map[string]string, error) {
	if dir == nil {
		return map[string]string{}, nil
	}
	b, err := fs.ReadFile(dir, "talenv.yaml")
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading talos/talenv.yaml: %w", err)
	}
	vars, err := godotenv.Unmarshal(string(b))
	if err != nil {
		return nil, fmt.Errorf("reading talos/talenv.yaml: %v", err)
	}
	return vars, nil
}

func cluster(o *importer.Obj, opts importer.Options) (importer.Cluster, error) {
	c := importer.Cluster{Name: clusterName, CNI: "none", KubeProxy: new(bool), ScheduleOnControlPlanes: true,
		Patches: map[string][]ast.Expr{}, Settings: map[string]string{}, Sysctls: map[string]string{}}
	str := strReader(o)
	c.NodeCIDR = importer.Network(str("node_cidr"))
	if c.NodeCIDR == "" {
		return c, fmt.Errorf("%s: node_cidr is missing or not a network like 192.168.1.0/24", o.File())
	}
	c.Gateway = or(str("node_default_gateway"), importer.FirstHost(c.NodeCIDR))
	c.Nameservers = orList(strs(o, "node_dns_servers"), defaultDNS)
	c.NTPServers = orList(strs(o, "node_ntp_servers"), defaultNTP)
	vlan, err := o.Int("node_vlan_tag")
	if err != nil {
		return c, err
	}
	c.VLAN = vlan
	c.Endpoint = str("cluster_api_addr")
	if c.Endpoint == "" {
		return c, fmt.Errorf("%s: cluster_api_addr is missing: set it to the Kubernetes API's address", o.File())
	}
	c.VIP = c.Endpoint
	c.CertSANs = strs(o, "cluster_api_tls_sans")
	c.Pods = []string{or(str("cluster_pod_cidr"), defaultPods)}
	c.Services = []string{or(str("cluster_svc_cidr"), defaultServices)}
	fluxSource(o, &c, opts)
	for _, k := range settings {
		if v := str(k); v != "" {
			c.Settings[strings.ToUpper(k)] = v
			o.Warn(k, "imported as cluster.substitutions.settings.%s: use ${%s} in your apps", strings.ToUpper(k), strings.ToUpper(k))
		}
	}
	if o.Has("cloudflare_token") {
		o.Take("cloudflare_token")
		o.Warn("cloudflare_token", "a secret, so not written here: put it in secrets.sops.yaml and name it in cluster.substitutions.secrets (CLOUDFLARE_TOKEN) or an app's secrets")
	}
	versions(o, &c, opts)
	o.Done()
	return c, nil
}

// fluxSource builds the GitHub URL Flux syncs from.
func fluxSource(o *importer.Obj, c *importer.Cluster, opts importer.Options) {
	str := strReader(o)
	repo, branch, visibility := str("repository_name"), str("repository_branch"), str("repository_visibility")
	c.FluxBranch = branch
	switch {
	case opts.FluxURL != "":
		c.FluxURL = opts.FluxURL
	case repo == "":
		c.FluxURL = "https://github.com/OWNER/REPO"
		o.Warn("repository_name", "missing: cluster.flux.source.url is a placeholder; set it (or pass --flux-url)")
	case visibility == "private":
		c.FluxURL = "ssh://git@github.com/" + repo + ".git"
	default:
		c.FluxURL = "https://github.com/" + repo + ".git"
	}
}

func versions(o *importer.Obj, c *importer.Cluster, opts importer.Options) {
	c.TalosVersion = importer.VersionV(opts.TalosVersion)
	if c.TalosVersion == "" {
		c.TalosVersion = importer.DefaultTalosVersion
		o.Warn("", "the Talos version is not in cluster.yaml (the template keeps it in talenv.yaml): set to %s; check it (or pass --talos-version)", c.TalosVersion)
	}
	c.KubernetesVersion = importer.VersionV(opts.KubernetesVersion)
	if c.KubernetesVersion == "" {
		c.KubernetesVersion = importer.DefaultKubernetesVersion
		o.Warn("", "the Kubernetes version is not in cluster.yaml (the template keeps it in talenv.yaml): set to %s; check it (or pass --kubernetes-version)", c.KubernetesVersion)
	}
}

// strReader reads string keys, remembering the first error as a warning:
// a wrong type in a scalar field is reported, not fatal.
func strReader(o *importer.Obj) func(string) string {
	return func(k string) string {
		s, err := o.String(k)
		if err != nil {
			o.Warn(k, "not imported: %v", err)
		}
		return s
	}
}

func strs(o *importer.Obj, k string) []string {
	l, err := o.Strings(k)
	if err != nil {
		o.Warn(k, "not imported: %v", err)
	}
	return l
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func orList(l, def []string) []string {
	if len(l) == 0 {
		return def
	}
	return l
}
