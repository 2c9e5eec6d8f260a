// Package model is hogen's typed cluster description: built once from the
// validated CUE, it is the only thing emitters see.
package model

import "encoding/json"

// Description is a whole cluster. Nodes and Apps are sorted by name so every
// emitter sees them in the same order whatever the file layout.
type Description struct {
	Cluster Cluster `json:"cluster"`
	Nodes   []Node  `json:"nodes"`
	Apps    []App   `json:"apps"`
	// Components are the kustomize Components apps and namespaces use,
	// sorted by name.
	Components []Component `json:"components,omitempty"`
	// NamespaceSettings are what the description says of apps namespaces
	// besides their apps, sorted by name.
	NamespaceSettings []Namespace `json:"namespaces,omitempty"`
	Emitters          Emitters    `json:"emitters"`
	// Bootstrap is how the cluster comes up before Flux runs.
	Bootstrap Bootstrap `json:"bootstrap"`
	Pos       Positions `json:"-"`
	// Inputs are what hogen read beside the description.
	Inputs Inputs `json:"-"`
}

// Inputs are what the compiler read beside the description, decrypted.
// They are inputs like any other: emitters use them and stay pure.
type Inputs struct {
	// SecretNames are the names in secrets.sops.yaml; known without a key.
	SecretNames []string
	// Secrets are the decrypted values by name; nil when no key was found.
	// The decrypted inputs are no part of a unit's key (model.Digest): their
	// ciphertexts' identity is.
	Secrets map[string]string `key:"-"`
	// TalosSecrets is the decrypted Talos secrets bundle (the `talosctl gen
	// secrets` format); nil when there is none or no key was found.
	TalosSecrets []byte `key:"-"`
	// Jsonnet holds the .jsonnet and .libsonnet files of the description
	// directory and its subdirectories, keyed by slash path relative to it,
	// so Jsonnet emitters and their imports evaluate without the disk.
	Jsonnet map[string][]byte
	// TalosClient is the decrypted Talos admin client certificate and key
	// (talos/client.sops.yaml: `crt` and `key`, base64 PEM as in a
	// talosconfig), made once by `hogen talos init` so the talosconfig is
	// stable; nil when there is none or no key was found.
	TalosClient []byte `key:"-"`
	// RepoPath is the description directory's slash path inside the Git
	// repository that holds it ("" at its root, or outside any), for files
	// that other tools read with repository-relative paths (Renovate).
	RepoPath string
	// TalosLocked is set when the Talos secrets bundle exists but no age
	// key opens it: the Talos emitter then marks its files with nil Data,
	// so the sink keeps them as they are (unverified). Not in a key: whether a
	// key was found does not change a file, and a locked build records none.
	TalosLocked bool `key:"-"`
}

// Substitutions are variables Flux substitutes into every app.
type Substitutions struct {
	Settings map[string]string `json:"settings,omitempty"`
	// Secrets maps a variable to the name of a value in Inputs.Secrets.
	Secrets map[string]string `json:"secrets,omitempty"`
}

// Cluster is what all nodes and apps share.
type Cluster struct {
	Name                    string            `json:"name"`
	Domain                  string            `json:"domain"`
	Talos                   Talos             `json:"talos"`
	Kubernetes              Kubernetes        `json:"kubernetes"`
	API                     API               `json:"api"`
	Network                 Network           `json:"network"`
	ScheduleOnControlPlanes bool              `json:"scheduleOnControlPlanes"`
	DiskEncryption          *DiskEncryption   `json:"diskEncryption,omitempty"`
	Sysctls                 map[string]string `json:"sysctls,omitempty"`
	KernelModules           []string          `json:"kernelModules,omitempty"`
	UdevRules               []string          `json:"udevRules,omitempty"`
	Patches                 RolePatches       `json:"patches"`
	Substitutions           Substitutions     `json:"substitutions"`
	Flux                    Flux              `json:"flux"`
	SOPS                    SOPS              `json:"sops"`
}

// Talos is the Talos release and the image every node boots.
type Talos struct {
	Version   string    `json:"version"`
	Schematic Schematic `json:"schematic"`
}

// Kubernetes is the Kubernetes release, with its leading v.
type Kubernetes struct {
	Version string `json:"version"`
}

// API is where clients reach the Kubernetes API.
type API struct {
	Endpoint string   `json:"endpoint"`
	Port     int      `json:"port"`
	VIP      string   `json:"vip,omitempty"`
	CertSANs []string `json:"certSANs,omitempty"`
}

// Network holds the node network and the cluster's own networks.
type Network struct {
	Node      NodeNetwork `json:"node"`
	Pods      []string    `json:"pods"`
	Services  []string    `json:"services"`
	CNI       string      `json:"cni"`
	KubeProxy bool        `json:"kubeProxy"`
}

// NodeNetwork is the network the nodes live on.
type NodeNetwork struct {
	CIDR        string   `json:"cidr"`
	CIDR6       string   `json:"cidr6,omitempty"`
	Gateway     string   `json:"gateway,omitempty"`
	Gateway6    string   `json:"gateway6,omitempty"`
	Nameservers []string `json:"nameservers,omitempty"`
	NTPServers  []string `json:"ntpServers,omitempty"`
	MTU         int      `json:"mtu"`
	VLAN        int      `json:"vlan,omitempty"`
}

// DiskEncryption is LUKS2 for the STATE and EPHEMERAL partitions.
type DiskEncryption struct {
	State     *PartitionEncryption `json:"state,omitempty"`
	Ephemeral *PartitionEncryption `json:"ephemeral,omitempty"`
}

// PartitionEncryption names the provider and the keys that unlock it:
// "nodeID" or "tpm".
type PartitionEncryption struct {
	Provider string   `json:"provider"`
	Keys     []string `json:"keys"`
}

// Schematic is an Image Factory schematic.
type Schematic struct {
	Extensions      []string `json:"extensions,omitempty"`
	ExtraKernelArgs []string `json:"extraKernelArgs,omitempty"`
}

// RolePatches are Talos patches for every node, then per role.
type RolePatches struct {
	All          []Patch `json:"all,omitempty"`
	ControlPlane []Patch `json:"controlplane,omitempty"`
	Worker       []Patch `json:"worker,omitempty"`
}

// Patch is a Talos config patch as JSON: an object is a strategic merge
// patch, an array a JSON6902 patch.
type Patch = json.RawMessage

// Flux says where Flux syncs from and how it is installed.
type Flux struct {
	Source  GitSource `json:"source"`
	Install string    `json:"install"`
	// Version is the Flux release: "2.x", "2.6.x" or an exact "2.6.4".
	Version string `json:"version,omitempty"`
	// Layout is where the apps' Flux Kustomizations live: "flux-system"
	// or "namespaced" (each in its app's namespace).
	Layout string `json:"layout,omitempty"`
	// AppLabel is the label key each app's Kustomization sets to the
	// app's name on what it applies; nil for none.
	AppLabel *string `json:"appLabel,omitempty"`
	// ReleaseHealthChecks false: Kustomizations list only the health
	// checks they give, not their HelmReleases; nil is true.
	ReleaseHealthChecks *bool `json:"releaseHealthChecks,omitempty"`
	// Defaults are the cluster-wide Flux policy. The load merges them into
	// every App, so emitters read each app's own copy.
	Defaults FluxDefaults `json:"defaults"`
	// Instance is the FluxInstance's spec (install "operator"); with
	// install "bootstrap" what `flux bootstrap` has flags for.
	Instance FluxInstance `json:"instance"`
	// Receiver is the webhook Receiver; nil for none.
	Receiver *Receiver `json:"receiver,omitempty"`
	// ClusterApps is policy for cluster-apps itself (a fragment of a Flux
	// Kustomization's spec), over hogen's.
	ClusterApps json.RawMessage `json:"clusterApps,omitempty"`
}

// GitSource is the repository Flux syncs from.
type GitSource struct {
	URL    string `json:"url"`
	Branch string `json:"branch"`
	Path   string `json:"path"`
}

// SOPS holds who can read the secrets hogen writes.
type SOPS struct {
	AgeRecipients []string `json:"ageRecipients,omitempty"`
}

// Emitters says which generators run.
type Emitters struct {
	Namespaces Toggle `json:"namespaces"`
	Flux       Toggle `json:"flux"`
	Talos      Toggle `json:"talos"`
	// Jsonnet are user emitters written in Jsonnet, run in this order.
	Jsonnet []JsonnetEmitter `json:"jsonnet,omitempty"`
	// SOPS writes .sops.yaml (emitters/sopsconfig).
	SOPS Toggle `json:"sops"`
}

// JsonnetEmitter is a user emitter: a .jsonnet file of the description
// directory, and the output directory its paths are relative to.
type JsonnetEmitter struct {
	File string `json:"file"`
	Out  string `json:"out,omitempty"`
}

// Toggle switches an emitter on or off.
type Toggle struct {
	Enabled bool `json:"enabled"`
}

// ControlPlanes returns the control-plane nodes, in name order.
func (d *Description) ControlPlanes() []Node {
	var out []Node
	for _, n := range d.Nodes {
		if n.Role == RoleControlPlane {
			out = append(out, n)
		}
	}
	return out
}
