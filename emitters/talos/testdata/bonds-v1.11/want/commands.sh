# talos/talosconfig is SOPS-encrypted; talosctl needs it in clear.
export TALOSCONFIG="$(mktemp)"
hogen talos talosconfig > "$TALOSCONFIG"

# Apply each node's config. On a node still in maintenance mode add --insecure.
hogen talos config kmaster1 | talosctl apply-config --nodes 192.168.200.11 --file /dev/stdin
hogen talos config kworker1 | talosctl apply-config --nodes 192.168.200.13 --file /dev/stdin

# Bootstrap etcd, once in the cluster's life, on the first control plane.
talosctl bootstrap --nodes 192.168.200.11 --endpoints 192.168.200.11

# talos/kubeconfig is SOPS-encrypted too; kubectl needs it in clear.
export KUBECONFIG="$(mktemp)"
hogen talos kubeconfig > "$KUBECONFIG"

# Upgrade Talos to v1.11.5, one node at a time.
talosctl upgrade --nodes 192.168.200.11 --image factory.talos.dev/installer/2d61dd07b20062062ea671b4d01873506103b67c0f7a4c3fb6cf4ee85585dcb8:v1.11.5
talosctl upgrade --nodes 192.168.200.13 --image factory.talos.dev/installer/2d61dd07b20062062ea671b4d01873506103b67c0f7a4c3fb6cf4ee85585dcb8:v1.11.5

# Upgrade Kubernetes to v1.34.1.
talosctl upgrade-k8s --nodes 192.168.200.11 --to 1.34.1
