// Package talhelper imports a talhelper talconfig.yaml, with the files
// beside it, into a hogen description: cluster.cue, nodes.cue, and the
// Talos secrets bundle from talsecret.yaml as talos/secrets.sops.yaml.
//
// It reads the input as talhelper does: ${VAR} from talenv.yaml,
// talenv.sops.yaml, talenv.yml, talenv.sops.yml (decrypted with the age
// keys sops finds; a later file wins, files win over the environment);
// node fields given under controlPlane: or worker: apply to the nodes of
// that role that do not set them; role patches come before the node's own
// unless overridePatches. Every field is mapped onto hogen's model, or
// onto a Talos patch of the node, role or cluster it applies to, or is
// reported as a Warning with its position and a TODO(import) where it
// belongs. Values hogen must not write in clear (a value from an encrypted
// talenv file, a secret key in a patch, a file that looks like a
// credential) and Go templates it cannot evaluate are never written: they
// are warnings too.
package talhelper

import (
	"fmt"
	"io/fs"
	"net/url"
	"strconv"
	"strings"

	"cuelang.org/go/cue/ast"

	"github.com/hogen-dev/hogen/compiler/importer"
	"github.com/hogen-dev/hogen/compiler/secrets"
)

// Import reads talconfig.yaml (src, named file in messages); fsys holds
// what is beside it: the talenv and talsecret files and the files "@"
// patches and machine files name (nil: none of them is read).
func Import(file string, src []byte, fsys fs.FS, opts importer.Options) (*importer.Result, error) {
	ws := &importer.Warnings{}
	keys := &importer.Keyring{Getenv: opts.Getenv}
	e, err := loadEnv(fsys, opts, keys)
	if err != nil {
		return nil, err
	}
	docs, err := importer.ParseDocs(file, src, ws)
	if err != nil {
		return nil, err
	}
	if len(docs) == 0 {
		return nil, fmt.Errorf("reading %s: the file is empty", file)
	}
	e.apply(docs[0])
	root, err := importer.DocObj(docs[0])
	if err != nil {
		return nil, err
	}
	im := &imp{file: file, src: src, fsys: fsys, opts: opts, ws: ws, env: e, keys: keys,
		c: importer.Cluster{Patches: map[string][]ast.Expr{}}}
	docs[0].Refs = im.ref
	// The bundle first: its recipients are where moved secrets go.
	files, err := im.talsecret(root)
	if err != nil {
		return nil, err
	}
	if err := im.cluster(root); err != nil {
		return nil, err
	}
	nodes, err := im.nodes(root)
	if err != nil {
		return nil, err
	}
	root.Done()
	if err := im.finish(root, nodes); err != nil {
		return nil, err
	}
	if b, err := im.secretsFile(); err != nil {
		return nil, err
	} else if b != nil {
		if files == nil {
			files = map[string][]byte{}
		}
		files[secrets.InputFile] = b
	}
	r, err := importer.Build(opts, im.c, nodeList(nodes), ws)
	if err != nil {
		return nil, err
	}
	for name, b := range files {
		r.Files[name] = b
	}
	r.Secrets = im.secretValues()
	return r, nil
}

type imp struct {
	file string
	src  []byte
	fsys fs.FS
	opts importer.Options
	ws   *importer.Warnings
	env  *env
	keys *importer.Keyring
	c    importer.Cluster
	// bundleKeys are the imported Talos key material, for the leak guard.
	bundleKeys map[string]string
	// moved are the secret values moved to secrets.sops.yaml, by name.
	moved map[string]string
}

func (im *imp) cluster(root *importer.Obj) error {
	var err error
	c := &im.c
	get := func(key string) string {
		if err != nil {
			return ""
		}
		var s string
		s, err = root.String(key)
		return s
	}
	c.Name = get("clusterName")
	c.TalosVersion = importer.VersionV(get("talosVersion"))
	c.KubernetesVersion = importer.VersionV(get("kubernetesVersion"))
	endpoint := get("endpoint")
	c.Domain = get("domain")
	if err != nil {
		return err
	}
	if c.Name == "" {
		return fmt.Errorf("%s: clusterName is missing or not imported (see the warnings)", im.file)
	}
	if err := im.endpoint(endpoint); err != nil {
		return err
	}
	im.versions(root)
	return im.clusterLists(root)
}

// clusterLists reads the cluster's scheduling, SANs, networks, CNI and
// patches.
func (im *imp) clusterLists(root *importer.Obj) error {
	c := &im.c
	var err error
	for _, key := range []string{"allowSchedulingOnControlPlanes", "allowSchedulingOnMasters"} {
		b, err := root.Bool(key)
		if err != nil {
			return err
		}
		c.ScheduleOnControlPlanes = c.ScheduleOnControlPlanes || b
	}
	if c.CertSANs, err = root.Strings("additionalApiServerCertSans"); err != nil {
		return err
	}
	machineSANs, err := root.Strings("additionalMachineCertSans")
	if err != nil {
		return err
	}
	if len(machineSANs) > 0 {
		c.Patches["all"] = append(c.Patches["all"], certSANsPatch(machineSANs))
	}
	if c.Pods, err = root.Strings("clusterPodNets"); err != nil {
		return err
	}
	if c.Services, err = root.Strings("clusterSvcNets"); err != nil {
		return err
	}
	if err := im.cni(root); err != nil {
		return err
	}
	ps, err := im.patches(root.At("cluster.patches.all"))
	root.At("cluster")
	if err != nil {
		return err
	}
	return im.addPatches(&c.Patches, "all", ps)
}

func (im *imp) endpoint(endpoint string) error {
	u, err := url.Parse(endpoint)
	if endpoint == "" || err != nil || u.Hostname() == "" {
		return fmt.Errorf("%s: endpoint %q is not a URL like https://192.168.1.10:6443", im.file, endpoint)
	}
	im.c.Endpoint = u.Hostname()
	if p := u.Port(); p != "" {
		im.c.Port, _ = strconv.Atoi(p)
	}
	return nil
}

// versions fills what the input lacks from the options or the defaults.
func (im *imp) versions(root *importer.Obj) {
	c := &im.c
	if v := im.opts.TalosVersion; v != "" {
		c.TalosVersion = importer.VersionV(v)
	} else if c.TalosVersion == "" {
		c.TalosVersion = importer.DefaultTalosVersion
		root.Warn("talosVersion", "not given: set to %s; check it is what your nodes run (or pass --talos-version)", c.TalosVersion)
	}
	if v := im.opts.KubernetesVersion; v != "" {
		c.KubernetesVersion = importer.VersionV(v)
	} else if c.KubernetesVersion == "" {
		c.KubernetesVersion = importer.DefaultKubernetesVersion
		root.Warn("kubernetesVersion", "not given: set to %s; check it is what your cluster runs (or pass --kubernetes-version)", c.KubernetesVersion)
	}
}

// cni maps cniConfig. A custom CNI given by URLs is kept as the Talos
// patch talhelper writes for it: hogen's cni is "none" (no built-in CNI),
// and the patch names the manifests Talos applies.
func (im *imp) cni(root *importer.Obj) error {
	cni, err := root.Obj("cniConfig")
	if err != nil || cni == nil {
		return err
	}
	cni.At("cluster.network.cni")
	name, err := cni.String("name")
	if err != nil {
		return err
	}
	switch name {
	case "none", "flannel":
		im.c.CNI = name
	case "custom":
		im.c.CNI = "none"
		urls, err := cni.Strings("urls")
		if err != nil {
			return err
		}
		var cniS, network, cluster, p importer.Struct
		cniS.Set("name", ast.NewString("custom"))
		cniS.SetIf("urls", importer.Strs(urls))
		network.Set("cni", cniS.Expr())
		cluster.Set("network", network.Expr())
		p.Set("cluster", cluster.Expr())
		im.c.Patches["all"] = append(im.c.Patches["all"], p.Expr())
	default:
		cni.Warn("name", "unknown CNI %q: left at hogen's default (flannel)", name)
	}
	cni.Done()
	return nil
}

func certSANsPatch(sans []string) ast.Expr {
	var machine, p importer.Struct
	machine.Set("certSANs", importer.Strs(sans))
	p.Set("machine", machine.Expr())
	return p.Expr()
}

// secretValues are the decrypted values the import read, for the leak
// guard: talenv values from encrypted files, and the bundle's keys.
func (im *imp) secretValues() map[string]string {
	out := map[string]string{}
	for k, v := range im.env.secretValues {
		// A value the user also wrote in clear in talconfig.yaml (a domain
		// inside a certificate SAN) is no secret the output could betray.
		if !strings.Contains(string(im.src), v) {
			out[k] = v
		}
	}
	for k, v := range im.bundleKeys {
		out[k] = v
	}
	for k, v := range im.moved {
		out[secrets.InputFile+":"+k] = v
	}
	return out
}
