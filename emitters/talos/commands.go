package talos

import (
	"fmt"
	"strings"

	"github.com/hogen-dev/hogen/compiler/model"
)

// Commands returns the talosctl commands that bring the cluster up and keep
// it current, as a shell script: decrypt the talosconfig, apply each node's
// config, bootstrap etcd on the first control plane, decrypt the admin
// kubeconfig, and upgrade Talos (with each node's installer image) and
// Kubernetes.
// Names and addresses are schema-checked labels and IPs, safe unquoted;
// dirArg is the description directory as the hogen commands should name
// it, quoted for the shell ("" for the current directory).
func Commands(d *model.Description, dirArg string) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	if dirArg != "" {
		dirArg = " " + dirArg
	}
	w("# %s is SOPS-encrypted; talosctl needs it in clear.", TalosconfigFile)
	w(`export TALOSCONFIG="$(mktemp)"`)
	w(`hogen talos talosconfig%s > "$TALOSCONFIG"`, dirArg)
	w("")
	w("# Apply each node's config. On a node still in maintenance mode add --insecure.")
	for _, n := range d.Nodes {
		w("hogen talos config %s%s | talosctl apply-config --nodes %s --file /dev/stdin", n.Name, dirArg, n.Address)
	}
	cps := d.ControlPlanes()
	if len(cps) > 0 {
		first := cps[0].Address
		w("")
		w("# Bootstrap etcd, once in the cluster's life, on the first control plane.")
		w("talosctl bootstrap --nodes %s --endpoints %s", first, first)
	}
	w("")
	w("# %s is SOPS-encrypted too; kubectl needs it in clear.", KubeconfigFile)
	w(`export KUBECONFIG="$(mktemp)"`)
	w(`hogen talos kubeconfig%s > "$KUBECONFIG"`, dirArg)
	w("")
	w("# Upgrade Talos to %s, one node at a time.", d.Cluster.Talos.Version)
	for i := range d.Nodes {
		n := &d.Nodes[i]
		image, err := InstallerImage(d, n)
		if err != nil {
			w("# %s: %v", n.Name, err)
			continue
		}
		w("talosctl upgrade --nodes %s --image %s", n.Address, image)
	}
	if len(cps) > 0 {
		w("")
		w("# Upgrade Kubernetes to %s.", d.Cluster.Kubernetes.Version)
		w("talosctl upgrade-k8s --nodes %s --to %s", cps[0].Address, strings.TrimPrefix(d.Cluster.Kubernetes.Version, "v"))
	}
	return b.String()
}
