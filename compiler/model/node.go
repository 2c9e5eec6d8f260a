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
	Name        string            `json:"name"`
	Role        Role              `json:"role"`
	Address     string            `json:"address"`
	Address6    string            `json:"address6,omitempty"`
	Interface   Interface         `json:"interface"`
	InstallDisk InstallDisk       `json:"installDisk"`
	Disks       []Disk            `json:"disks,omitempty"`
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

// Disk is an extra disk mounted on the node.
type Disk struct {
	Device     string `json:"device"`
	Mountpoint string `json:"mountpoint"`
}

// Taint is a Kubernetes node taint.
type Taint struct {
	Key    string `json:"key"`
	Value  string `json:"value,omitempty"`
	Effect string `json:"effect"`
}
