# talos/talosconfig is SOPS-encrypted; talosctl needs it in clear.
export TALOSCONFIG="$(mktemp)"
hogen talos talosconfig > "$TALOSCONFIG"

# Apply each node's config. On a node still in maintenance mode add --insecure.
hogen talos config mini01 | talosctl apply-config --nodes 172.29.51.11 --file /dev/stdin
hogen talos config mini02 | talosctl apply-config --nodes 172.29.51.12 --file /dev/stdin
hogen talos config mini03 | talosctl apply-config --nodes 172.29.51.13 --file /dev/stdin

# Bootstrap etcd, once in the cluster's life, on the first control plane.
talosctl bootstrap --nodes 172.29.51.11 --endpoints 172.29.51.11

# talos/kubeconfig is SOPS-encrypted too; kubectl needs it in clear.
export KUBECONFIG="$(mktemp)"
hogen talos kubeconfig > "$KUBECONFIG"

# Upgrade Talos to v1.10.5, one node at a time.
talosctl upgrade --nodes 172.29.51.11 --image factory.talos.dev/installer/613e1592b2da41ae5e265e8789429f22e121aab91cb4deb6bc3c0b6262961245:v1.10.5
talosctl upgrade --nodes 172.29.51.12 --image factory.talos.dev/installer/613e1592b2da41ae5e265e8789429f22e121aab91cb4deb6bc3c0b6262961245:v1.10.5
talosctl upgrade --nodes 172.29.51.13 --image factory.talos.dev/installer/613e1592b2da41ae5e265e8789429f22e121aab91cb4deb6bc3c0b6262961245:v1.10.5

# Upgrade Kubernetes to v1.31.1.
talosctl upgrade-k8s --nodes 172.29.51.11 --to 1.31.1
