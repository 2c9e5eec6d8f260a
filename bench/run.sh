#!/usr/bin/env bash
# Measures hogen's real CLI in CPU seconds (user + system, /usr/bin/time),
# the median of RUNS runs, for clusters of each SIZE nodes: a fresh build,
# an unchanged rebuild, build --check, a build after one node changed, and
# talhelper genconfig
# --no-gitignore --offline-mode (no request to the image factory) on the
# same nodes and secrets bundle when talhelper is on PATH or in $TALHELPER
# (skipped otherwise). See bench/README.md.
#
#   bench/run.sh [-n RUNS] [SIZE...]      (default: -n 5 3 100 1000)
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local

runs=5
if [[ ${1:-} == -n ]]; then runs=$2; shift 2; fi
sizes=("$@")
[[ ${#sizes[@]} -gt 0 ]] || sizes=(3 100 1000)
[[ -x /usr/bin/time ]] || { echo "bench: needs GNU time at /usr/bin/time (apt-get install time)" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
hogen=$work/hogen
go build -trimpath -o "$hogen" ./cmd/hogen
talhelper=${TALHELPER:-$(command -v talhelper || true)}
export SOPS_AGE_KEY_FILE=$work/age.key
recipient=$("$hogen" secrets init 2>/dev/null | grep -o 'age1[0-9a-z]*' | head -1)

# cpu CMD... prints the user+system CPU seconds of one run of CMD.
cpu() {
	/usr/bin/time -f "%U %S" -o "$work/time" "$@" >/dev/null 2>"$work/stderr" || {
		cat "$work/stderr" >&2
		return 1
	}
	awk '{printf "%.2f\n", $1 + $2}' "$work/time"
}

# median reads numbers, one a line, and prints their median.
median() { sort -n | awk '{a[NR] = $1} END {m = int((NR + 1) / 2); if (NR % 2) print a[m]; else printf "%.2f\n", (a[m] + a[m + 1]) / 2}'; }

# talconfig N writes a talhelper talconfig.yaml of N nodes: three control
# planes, the rest workers, as compiler/internal/testdesc.Synthetic does.
talconfig() {
	cat <<YAML
clusterName: bench
talosVersion: v1.10.5
kubernetesVersion: v1.31.1
endpoint: https://10.255.255.250:6443
clusterPodNets: [172.16.0.0/16]
clusterSvcNets: [172.17.0.0/16]
nodes:
YAML
	for ((i = 0; i < $1; i++)); do
		local cp=false
		((i < 3)) && cp=true
		local addr="10.$((16 + i / 65536)).$(((i / 250) % 256)).$((i % 250 + 1))"
		cat <<YAML
  - hostname: node-$(printf %04d "$i")
    ipAddress: $addr
    controlPlane: $cp
    installDisk: /dev/sda
    nodeLabels: {rack: r$((i % 8))}
    networkInterfaces:
      - interface: eth0
        addresses: [$addr/8]
YAML
	done
}

# prepare N makes $work/N/talhelper (talconfig.yaml, talsecret.yaml) and
# $work/N/desc, the same cluster imported into hogen, with its bundle.
prepare() {
	local dir=$work/$1
	mkdir -p "$dir/talhelper" "$dir/desc"
	talconfig "$1" >"$dir/talhelper/talconfig.yaml"
	if [[ -n $talhelper ]]; then
		"$talhelper" gensecret >"$dir/talhelper/talsecret.yaml"
	fi
	"$hogen" import talhelper "$dir/talhelper/talconfig.yaml" -o "$dir/desc" --package bench \
		--age-recipient "$recipient" --flux-url https://github.com/example/home-ops >/dev/null 2>&1
	if [[ ! -f $dir/desc/talos/secrets.sops.yaml ]]; then
		(cd "$dir/desc" && "$hogen" talos init >/dev/null)
	fi
}

# measure N prints one table row for N nodes.
measure() {
	local n=$1 dir=$work/$1 i
	local fresh=() rebuild=() check=() one=() th=()
	# Each run in a directory of its own, all removed at the end: on ext4
	# without a journal, files made just after an rm -rf cost much more.
	for ((i = 0; i < runs; i++)); do
		local run=$dir/run$i
		cp -r "$dir/desc" "$run"
		fresh+=("$(cpu "$hogen" build "$run")")
		rebuild+=("$(cpu "$hogen" build "$run")")
		check+=("$(cpu "$hogen" build --check "$run")")
		# One node's labels changed: only its config is made again.
		printf 'package bench\n\nnodes: "node-0001": labels: bench: "%d"\n' "$i" >"$run/bench-edit.cue"
		one+=("$(cpu "$hogen" build "$run")")
		if [[ -n $talhelper ]]; then
			cp -r "$dir/talhelper" "$dir/th$i"
			th+=("$(cd "$dir/th$i" && cpu "$talhelper" genconfig --no-gitignore --offline-mode)")
		fi
	done
	local f r c o t=- ratio=-
	f=$(printf '%s\n' "${fresh[@]}" | median)
	r=$(printf '%s\n' "${rebuild[@]}" | median)
	c=$(printf '%s\n' "${check[@]}" | median)
	o=$(printf '%s\n' "${one[@]}" | median)
	if [[ -n $talhelper ]]; then
		t=$(printf '%s\n' "${th[@]}" | median)
		ratio=$(awk -v t="$t" -v f="$f" 'BEGIN {printf "%.2f", t / f}')
	fi
	printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$n" "$f" "$t" "$ratio" "$r" "$c" "$o"
}

version=$(for ((i = 0; i < runs; i++)); do cpu "$hogen" version; done | median)
echo "hogen version: $version s; medians of $runs runs, CPU seconds (user+system)"
[[ -n $talhelper ]] || echo "talhelper: not found (set TALHELPER or put it on PATH): its columns are skipped"
echo
echo "| nodes | hogen fresh build | talhelper genconfig --no-gitignore --offline-mode | talhelper / hogen | hogen unchanged rebuild | hogen build --check | hogen build, one node changed |"
echo "|---|---|---|---|---|---|---|"
for n in "${sizes[@]}"; do
	prepare "$n"
	measure "$n"
done
