package model

// Role is a node's Talos machine type.
type Role string

// The two roles.
const (
	RoleControlPlane Role = "controlplane"
	RoleWorker       Role = "worker"
)

// Node is one machine.
type Node struct {
	Name     string `json:"name"`
	Role     Role   `json:"role"`
	Address  string `json:"address"`
	Address6 string `json:"address6,omitempty"`
	// Interface is the primary link: the node's addresses, the node
	// network's gateways and VLAN and, on control planes, the API VIP go
	// on it. It may name one of Links, which then carries them too.
	Interface Interface `json:"interface"`
	// Links are the node's other links, or the primary one in full (a
	// bond, a bridge).
	Links []Link `json:"links,omitempty"`
	// Nameservers replace the node network's for this node.
	Nameservers []string          `json:"nameservers,omitempty"`
	InstallDisk InstallDisk       `json:"installDisk"`
	Disks       []Disk            `json:"disks,omitempty"`
	Volumes     []UserVolume      `json:"volumes,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Taints      []Taint           `json:"taints,omitempty"`
	Patches     []Patch           `json:"patches,omitempty"`
	Schematic   *Schematic        `json:"schematic,omitempty"`
}

// Interface names a node's link by name or by MAC address.
type Interface struct {
	Name string `json:"name,omitempty"`
	MAC  string `json:"mac,omitempty"`
}

// Link is a network link of a node: a physical link found by name or by
// selector, or a bond or bridge (always named) of other links, with its
// addresses, routes and VLANs.
type Link struct {
	Name     string        `json:"name,omitempty"`
	Selector *LinkSelector `json:"selector,omitempty"`
	// Addresses are in prefix notation: "10.0.0.10/24".
	Addresses []string `json:"addresses,omitempty"`
	Routes    []Route  `json:"routes,omitempty"`
	MTU       int      `json:"mtu,omitempty"`
	// DHCP and DHCP6 ask for addresses by DHCP for IPv4 and IPv6.
	DHCP  bool   `json:"dhcp,omitempty"`
	DHCP6 bool   `json:"dhcp6,omitempty"`
	VLANs []VLAN `json:"vlans,omitempty"`
	// VIP is a shared address the link holds while the node is elected.
	VIP    string  `json:"vip,omitempty"`
	Bond   *Bond   `json:"bond,omitempty"`
	Bridge *Bridge `json:"bridge,omitempty"`
}

// LinkSelector picks one physical link by what the hardware says; every
// field set must match. MAC and PermanentMAC may hold * wildcards.
type LinkSelector struct {
	// MAC is the link's current hardware address. A bond gives its
	// members its own: select bond members by PermanentMAC.
	MAC          string `json:"mac,omitempty"`
	PermanentMAC string `json:"permanentMAC,omitempty"`
	Driver       string `json:"driver,omitempty"`
	BusPath      string `json:"busPath,omitempty"`
}

// Route is a static route; an empty Network is the default route of the
// gateway's IP family.
type Route struct {
	Network string `json:"network,omitempty"`
	Gateway string `json:"gateway"`
	Metric  int    `json:"metric,omitempty"`
}

// VLAN is a tagged VLAN on a link.
type VLAN struct {
	ID        int      `json:"id"`
	Addresses []string `json:"addresses,omitempty"`
	Routes    []Route  `json:"routes,omitempty"`
	MTU       int      `json:"mtu,omitempty"`
	DHCP      bool     `json:"dhcp,omitempty"`
	DHCP6     bool     `json:"dhcp6,omitempty"`
	VIP       string   `json:"vip,omitempty"`
}

// Bond aggregates links, named or selected, in a Linux bonding mode
// ("802.3ad", "active-backup", ...).
type Bond struct {
	Mode           string         `json:"mode"`
	Interfaces     []string       `json:"interfaces,omitempty"`
	Selectors      []LinkSelector `json:"selectors,omitempty"`
	LACPRate       string         `json:"lacpRate,omitempty"`
	XmitHashPolicy string         `json:"xmitHashPolicy,omitempty"`
	MIIMon         int            `json:"miimon,omitempty"`
	UpDelay        int            `json:"updelay,omitempty"`
	DownDelay      int            `json:"downdelay,omitempty"`
}

// Bridge joins named links into a bridge.
type Bridge struct {
	Interfaces    []string `json:"interfaces"`
	STP           bool     `json:"stp,omitempty"`
	VLANFiltering bool     `json:"vlanFiltering,omitempty"`
}

// InstallDisk is a device path or a Talos disk selector.
type InstallDisk struct {
	Path     string        `json:"path,omitempty"`
	Selector *DiskSelector `json:"selector,omitempty"`
}

// DiskSelector matches a disk as Talos' installDiskSelector does.
type DiskSelector struct {
	Size     string `json:"size,omitempty"`
	Model    string `json:"model,omitempty"`
	Serial   string `json:"serial,omitempty"`
	Modalias string `json:"modalias,omitempty"`
	Name     string `json:"name,omitempty"`
	Type     string `json:"type,omitempty"`
	BusPath  string `json:"busPath,omitempty"`
	WWID     string `json:"wwid,omitempty"`
}

// Disk is an extra disk partitioned and mounted the legacy way
// (machine.disks), on every Talos version: a user volume does not adopt
// the partition it made.
type Disk struct {
	Device     string `json:"device"`
	Mountpoint string `json:"mountpoint"`
}

// UserVolume is a partition Talos provisions on a disk its selector
// matches and mounts at /var/mnt/<name> (a UserVolumeConfig).
type UserVolume struct {
	Name string `json:"name"`
	// Disk is a CEL expression over the disk, as Talos takes it:
	// `disk.transport == "nvme" && !system_disk`.
	Disk       string               `json:"disk"`
	MinSize    string               `json:"minSize,omitempty"`
	MaxSize    string               `json:"maxSize,omitempty"`
	Filesystem string               `json:"filesystem,omitempty"`
	Encryption *PartitionEncryption `json:"encryption,omitempty"`
}

// Taint is a Kubernetes node taint.
type Taint struct {
	Key    string `json:"key"`
	Value  string `json:"value,omitempty"`
	Effect string `json:"effect"`
}
