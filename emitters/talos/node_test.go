package talos

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hogen-dev/hogen/compiler/model"
)

// TestNodeFeatures checks that each description field lands where Talos
// reads it. Each case changes the small cluster, builds one node's config
// and compares the value at a path.
func TestNodeFeatures(t *testing.T) {
	cp, worker := "cp1", "w1"
	tests := []struct {
		name   string
		change func(d *model.Description)
		node   string
		path   string
		want   string
	}{
		{
			name: "hostname",
			node: worker, path: "machine.network.hostname", want: "w1",
		},
		{
			name: "interface by name, address with prefix, default route, MTU",
			node: worker, path: "machine.network.interfaces",
			want: `[{interface: eth0, addresses: [10.0.0.21/24], routes: [{network: 0.0.0.0/0, gateway: 10.0.0.1}], mtu: 1500}]`,
		},
		{
			name:   "interface by MAC",
			change: func(d *model.Description) { d.Nodes[1].Interface = model.Interface{MAC: "aa:bb:cc:dd:ee:ff"} },
			node:   worker, path: "machine.network.interfaces.0.deviceSelector",
			want: `{hardwareAddr: "aa:bb:cc:dd:ee:ff"}`,
		},
		{
			name:   "VIP on a control plane",
			change: func(d *model.Description) { d.Cluster.API.VIP = "10.0.0.10" },
			node:   cp, path: "machine.network.interfaces.0.vip", want: `{ip: 10.0.0.10}`,
		},
		{
			name:   "no VIP on a worker",
			change: func(d *model.Description) { d.Cluster.API.VIP = "10.0.0.10" },
			node:   worker, path: "machine.network.interfaces.0.vip", want: `null`,
		},
		{
			name: "VLAN carries addresses, routes and VIP",
			change: func(d *model.Description) {
				d.Cluster.Network.Node.VLAN = 51
				d.Cluster.Network.Node.MTU = 9000
				d.Cluster.API.VIP = "10.0.0.10"
			},
			node: cp, path: "machine.network.interfaces.0",
			want: `{interface: eth0, mtu: 9000, vlans: [{vlanId: 51, mtu: 9000, addresses: [10.0.0.11/24],
				routes: [{network: 0.0.0.0/0, gateway: 10.0.0.1}], vip: {ip: 10.0.0.10}}]}`,
		},
		{
			name: "IPv6 address and route",
			change: func(d *model.Description) {
				d.Cluster.Network.Node.CIDR6 = "fd00:1::/64"
				d.Cluster.Network.Node.Gateway6 = "fd00:1::1"
				d.Nodes[1].Address6 = "fd00:1::21"
			},
			node: worker, path: "machine.network.interfaces.0",
			want: `{interface: eth0, mtu: 1500, addresses: [10.0.0.21/24, "fd00:1::21/64"],
				routes: [{network: 0.0.0.0/0, gateway: 10.0.0.1}, {network: "::/0", gateway: "fd00:1::1"}]}`,
		},
		{
			name:   "nameservers",
			change: func(d *model.Description) { d.Cluster.Network.Node.Nameservers = []string{"1.1.1.1", "9.9.9.9"} },
			node:   worker, path: "machine.network.nameservers", want: `[1.1.1.1, 9.9.9.9]`,
		},
		{
			name:   "NTP",
			change: func(d *model.Description) { d.Cluster.Network.Node.NTPServers = []string{"time.cloudflare.com"} },
			node:   worker, path: "machine.time", want: `{servers: [time.cloudflare.com]}`,
		},
		{
			name: "install disk path",
			node: worker, path: "machine.install.disk", want: `/dev/sda`,
		},
		{
			name: "install disk selector",
			change: func(d *model.Description) {
				d.Nodes[1].InstallDisk = model.InstallDisk{Selector: &model.DiskSelector{Size: ">= 200GB", Model: "Samsung*", Type: "nvme"}}
			},
			node: worker, path: "machine.install.diskSelector", want: `{size: ">= 200GB", model: "Samsung*", type: nvme}`,
		},
		{
			name: "cluster schematic gives the installer",
			change: func(d *model.Description) {
				d.Cluster.Talos.Schematic = model.Schematic{Extensions: []string{"siderolabs/iscsi-tools", "siderolabs/util-linux-tools"}}
			},
			node: worker, path: "machine.install.image",
			want: `factory.talos.dev/installer/613e1592b2da41ae5e265e8789429f22e121aab91cb4deb6bc3c0b6262961245:v1.10.5`,
		},
		{
			name: "node schematic overrides the cluster's",
			change: func(d *model.Description) {
				d.Cluster.Talos.Schematic = model.Schematic{Extensions: []string{"siderolabs/iscsi-tools"}}
				d.Nodes[1].Schematic = &model.Schematic{}
			},
			node: worker, path: "machine.install.image",
			want: `factory.talos.dev/installer/376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba:v1.10.5`,
		},
		{
			name: "kubelet node IP subnets",
			change: func(d *model.Description) {
				d.Cluster.Network.Node.CIDR6 = "fd00:1::/64"
			},
			node: worker, path: "machine.kubelet.nodeIP.validSubnets", want: `[10.0.0.0/24, "fd00:1::/64"]`,
		},
		{
			name: "etcd advertised subnets",
			node: cp, path: "cluster.etcd.advertisedSubnets", want: `[10.0.0.0/24]`,
		},
		{
			name: "no etcd on a worker",
			node: worker, path: "cluster.etcd", want: `null`,
		},
		{
			name:   "scheduling on control planes",
			change: func(d *model.Description) { d.Cluster.ScheduleOnControlPlanes = true },
			node:   cp, path: "cluster.allowSchedulingOnControlPlanes", want: `true`,
		},
		{
			name:   "CNI none",
			change: func(d *model.Description) { d.Cluster.Network.CNI = "none" },
			node:   worker, path: "cluster.network.cni", want: `{name: none}`,
		},
		{
			name: "default CNI left to Talos",
			node: worker, path: "cluster.network.cni", want: `null`,
		},
		{
			name:   "kube-proxy off",
			change: func(d *model.Description) { d.Cluster.Network.KubeProxy = false },
			node:   cp, path: "cluster.proxy.disabled", want: `true`,
		},
		{
			name: "pod and service networks",
			change: func(d *model.Description) {
				d.Cluster.Network.Pods = []string{"10.42.0.0/16", "fd00:42::/56"}
				d.Cluster.Network.Services = []string{"10.43.0.0/16"}
			},
			node: worker, path: "cluster.network",
			want: `{dnsDomain: cluster.local, podSubnets: [10.42.0.0/16, "fd00:42::/56"], serviceSubnets: [10.43.0.0/16]}`,
		},
		{
			name: "LUKS2 with node ID and TPM keys",
			change: func(d *model.Description) {
				d.Cluster.DiskEncryption = &model.DiskEncryption{
					State:     &model.PartitionEncryption{Provider: "luks2", Keys: []string{"nodeID", "tpm"}},
					Ephemeral: &model.PartitionEncryption{Provider: "luks2", Keys: []string{"tpm"}},
				}
			},
			node: worker, path: "machine.systemDiskEncryption",
			want: `{state: {provider: luks2, keys: [{nodeID: {}, slot: 0}, {tpm: {}, slot: 1}]},
				ephemeral: {provider: luks2, keys: [{tpm: {}, slot: 0}]}}`,
		},
		{
			name:   "sysctls",
			change: func(d *model.Description) { d.Cluster.Sysctls = map[string]string{"vm.nr_hugepages": "1024"} },
			node:   worker, path: "machine.sysctls", want: `{vm.nr_hugepages: "1024"}`,
		},
		{
			name:   "kernel modules",
			change: func(d *model.Description) { d.Cluster.KernelModules = []string{"nbd", "zfs"} },
			node:   worker, path: "machine.kernel.modules", want: `[{name: nbd}, {name: zfs}]`,
		},
		{
			name:   "udev rules",
			change: func(d *model.Description) { d.Cluster.UdevRules = []string{`SUBSYSTEM=="drm", GROUP="44"`} },
			node:   worker, path: "machine.udev.rules", want: `['SUBSYSTEM=="drm", GROUP="44"']`,
		},
		{
			name: "extra disk is mounted and shared with the kubelet",
			change: func(d *model.Description) {
				d.Nodes[1].Disks = []model.Disk{{Device: "/dev/sdb", Mountpoint: "/var/mnt/longhorn"}}
			},
			node: worker, path: "machine",
			want: `{disks: [{device: /dev/sdb, partitions: [{mountpoint: /var/mnt/longhorn}]}],
				kubelet: {extraMounts: [{destination: /var/mnt/longhorn, type: bind, source: /var/mnt/longhorn, options: [bind, rshared, rw]}]}}`,
		},
		{
			name:   "labels join the control plane's own",
			change: func(d *model.Description) { d.Nodes[0].Labels = map[string]string{"zone": "a"} },
			node:   cp, path: "machine.nodeLabels",
			want: `{node.kubernetes.io/exclude-from-external-load-balancers: "", zone: a}`,
		},
		{
			name:   "annotations",
			change: func(d *model.Description) { d.Nodes[1].Annotations = map[string]string{"example.com/owner": "me"} },
			node:   worker, path: "machine.nodeAnnotations", want: `{example.com/owner: me}`,
		},
		{
			name: "taints with and without value",
			change: func(d *model.Description) {
				d.Nodes[1].Taints = []model.Taint{{Key: "gpu", Value: "true", Effect: "NoSchedule"}, {Key: "spot", Effect: "NoExecute"}}
			},
			node: worker, path: "machine.nodeTaints", want: `{gpu: "true:NoSchedule", spot: NoExecute}`,
		},
		{
			name: "cert SANs with the VIP",
			change: func(d *model.Description) {
				d.Cluster.API = model.API{Endpoint: "k8s.lab.example", Port: 6443, VIP: "10.0.0.10", CertSANs: []string{"api.lab.example"}}
			},
			node: cp, path: "cluster.apiServer.certSANs", want: `[k8s.lab.example, api.lab.example, 10.0.0.10]`,
		},
		{
			name:   "endpoint with port",
			change: func(d *model.Description) { d.Cluster.API.Port = 8443 },
			node:   worker, path: "cluster.controlPlane.endpoint", want: `https://10.0.0.10:8443`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := small(t)
			if tt.change != nil {
				tt.change(d)
			}
			cfg, err := NodeConfig(d, tt.node)
			if err != nil {
				t.Fatal(err)
			}
			got, want := at(t, cfg, tt.path), parse(t, tt.want)
			if tt.path == "machine" {
				// Compare only the keys the case is about.
				got = pick(got, want)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tt.path, diff)
			}
		})
	}
}

// pick keeps, of a two-level map, only what want mentions.
func pick(got, want any) any {
	g, _ := got.(map[string]any)
	w, _ := want.(map[string]any)
	out := map[string]any{}
	for k, wv := range w {
		gv := g[k]
		if wm, ok := wv.(map[string]any); ok {
			gm, _ := gv.(map[string]any)
			sub := map[string]any{}
			for kk := range wm {
				sub[kk] = gm[kk]
			}
			gv = sub
		}
		out[k] = gv
	}
	return out
}
