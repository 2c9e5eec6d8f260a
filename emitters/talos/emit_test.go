package talos

import (
	"errors"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v4"

	"github.com/hogen-dev/hogen/compiler/model"
	"github.com/hogen-dev/hogen/emitters"
)

// problems returns err as Problems, failing when it is not.
func problems(t *testing.T, err error) emitters.Problems {
	t.Helper()
	var ps emitters.Problems
	if !errors.As(err, &ps) {
		t.Fatalf("error %v (%T) is not emitters.Problems", err, err)
	}
	return ps
}

func TestMissingInputs(t *testing.T) {
	tests := []struct {
		name   string
		change func(in *model.Inputs)
		want   string
	}{
		{"no bundle", func(in *model.Inputs) { in.TalosSecrets = nil }, "run `hogen talos init`"},
		{"no client certificate", func(in *model.Inputs) { in.TalosClient = nil }, "it keeps an existing secrets bundle"},
		{"client from another bundle", func(in *model.Inputs) { in.TalosClient = otherClient(t) }, "was not signed by the OS CA"},
		{"broken bundle", func(in *model.Inputs) { in.TalosSecrets = []byte("cluster: {}\n") }, "not a valid Talos secrets bundle"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := small(t)
			tt.change(&d.Inputs)
			files, err := Emit(t.Context(), d)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Emit = %d files, error %v; want an error containing %q", len(files), err, tt.want)
			}
		})
	}
}

// otherClient is a client certificate signed by a CA other than the test
// bundle's.
func otherClient(t *testing.T) []byte {
	t.Helper()
	var b struct {
		Certs struct {
			K8s map[string]string `yaml:"k8s"`
		} `yaml:"certs"`
	}
	if err := yaml.Unmarshal(testInputs(t).TalosSecrets, &b); err != nil {
		t.Fatal(err)
	}
	// The Kubernetes CA certificate is valid PEM but not the client's issuer.
	out, err := yaml.Marshal(map[string]string{"crt": b.Certs.K8s["crt"], "key": b.Certs.K8s["key"]})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestValidationFailureNamesNode(t *testing.T) {
	d := small(t)
	d.Nodes[1].Labels = map[string]string{"not a label!": "x"}
	_, err := Emit(t.Context(), d)
	ps := problems(t, err)
	if len(ps) != 1 || ps[0].Path != "nodes.w1" || !strings.Contains(ps[0].Msg, "label") {
		t.Fatalf("problems = %+v; want one at nodes.w1 about the label", ps)
	}
	if strings.Contains(ps[0].Msg, "\n") {
		t.Errorf("message spans lines: %q", ps[0].Msg)
	}
}

func TestPatches(t *testing.T) {
	label := func(v string) model.Patch {
		return model.Patch(`{"machine": {"nodeLabels": {"order": "` + v + `"}}}`)
	}
	tests := []struct {
		name   string
		change func(d *model.Description)
		want   any
	}{
		{"cluster", func(d *model.Description) { d.Cluster.Patches.All = []model.Patch{label("all")} }, "all"},
		{"role after cluster", func(d *model.Description) {
			d.Cluster.Patches.All = []model.Patch{label("all")}
			d.Cluster.Patches.Worker = []model.Patch{label("worker")}
		}, "worker"},
		{"other role's patch not applied", func(d *model.Description) {
			d.Cluster.Patches.All = []model.Patch{label("all")}
			d.Cluster.Patches.ControlPlane = []model.Patch{label("controlplane")}
		}, "all"},
		{"node after role", func(d *model.Description) {
			d.Cluster.Patches.Worker = []model.Patch{label("worker")}
			d.Nodes[1].Patches = []model.Patch{label("node")}
		}, "node"},
		{"JSON6902 on a single-document config", func(d *model.Description) {
			d.Cluster.Patches.All = []model.Patch{label("all")}
			d.Nodes[1].Patches = []model.Patch{model.Patch(`[{"op": "replace", "path": "/machine/nodeLabels/order", "value": "json"}]`)}
		}, "json"},
		{"JSON6902 on a multi-document config patches the v1alpha1 document", func(d *model.Description) {
			d.Cluster.Talos.Version = "v1.13.0"
			d.Cluster.Patches.All = []model.Patch{label("all")}
			d.Nodes[1].Patches = []model.Patch{model.Patch(`[{"op": "replace", "path": "/machine/nodeLabels/order", "value": "json"}]`)}
		}, "json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := small(t)
			tt.change(d)
			cfg, err := NodeConfig(d, "w1")
			if err != nil {
				t.Fatal(err)
			}
			if got := at(t, cfg, "machine.nodeLabels.order"); got != tt.want {
				t.Errorf("label order = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestPatchesDoNotLeak checks that a cluster patch applied to one node does
// not carry another node's changes: the loaded patch is shared by all nodes.
func TestPatchesDoNotLeak(t *testing.T) {
	d := manyNodes(t, 4)
	d.Cluster.Patches.All = []model.Patch{model.Patch(`{"machine": {"kubelet": {"extraArgs": {"a": "1"}}}}`)}
	d.Nodes[1].Patches = []model.Patch{model.Patch(`{"machine": {"kubelet": {"extraArgs": {"only-w0": "1"}}}}`)}
	files, err := Emit(t.Context(), d)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files[2:4] {
		if got := at(t, f.Data, "machine.kubelet.extraArgs"); !cmp.Equal(got, map[string]any{"a": "1"}) {
			t.Errorf("%s: extraArgs = %v, want only the cluster's", f.Path, got)
		}
	}
}

func TestPatchFailureNamesPlace(t *testing.T) {
	tests := []struct {
		name     string
		version  string
		change   func(d *model.Description, p model.Patch)
		patch    string
		wantPath string
		wantFix  string
	}{
		{"bad cluster patch", "v1.10.5", func(d *model.Description, p model.Patch) { d.Cluster.Patches.All = []model.Patch{p} },
			`{"machine": {"nope": 1}}`, "cluster.patches.all[0]", ""},
		{"failing node JSON6902", "v1.10.5", func(d *model.Description, p model.Patch) {
			d.Nodes[1].Patches = []model.Patch{model.Patch(`{"machine": {"nodeLabels": {"a": "b"}}}`), p}
		}, `[{"op": "remove", "path": "/machine/missing"}]`, "nodes.w1.patches[1]", ""},
		{"failing JSON6902 on a multi-document config", "v1.13.0", func(d *model.Description, p model.Patch) {
			d.Cluster.Patches.Worker = []model.Patch{p}
		}, `[{"op": "remove", "path": "/machine/missing"}]`, "cluster.patches.worker[0]", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := small(t)
			d.Cluster.Talos.Version = tt.version
			tt.change(d, model.Patch(tt.patch))
			_, err := Emit(t.Context(), d)
			ps := problems(t, err)
			if len(ps) != 1 || ps[0].Path != tt.wantPath || !strings.Contains(ps[0].Fix, tt.wantFix) {
				t.Fatalf("problems = %+v; want one at %s with a fix mentioning %q", ps, tt.wantPath, tt.wantFix)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name   string
		change func(d *model.Description)
		want   emitters.Problems
	}{
		{"fine", func(*model.Description) {}, nil},
		{"newer Talos warns", func(d *model.Description) { d.Cluster.Talos.Version = "v1.99.0" }, emitters.Problems{{Path: "cluster.talos.version", Warning: true}}},
		{"patch release of a known minor is fine", func(d *model.Description) { d.Cluster.Talos.Version = "v1.13.42" }, nil},
		{"Kubernetes too new for Talos", func(d *model.Description) {
			d.Cluster.Talos.Version, d.Cluster.Kubernetes.Version = "v1.10.5", "v1.36.0"
		}, emitters.Problems{{Path: "cluster.kubernetes.version"}}},
		{"Kubernetes too old for Talos", func(d *model.Description) {
			d.Cluster.Talos.Version, d.Cluster.Kubernetes.Version = "v1.10.5", "v1.20.0"
		}, emitters.Problems{{Path: "cluster.kubernetes.version"}}},
		{"newest Kubernetes Talos runs", func(d *model.Description) {
			d.Cluster.Talos.Version, d.Cluster.Kubernetes.Version = "v1.10.5", "v1.33.4"
		}, nil},
		{"a Talos hogen does not know is not judged", func(d *model.Description) {
			d.Cluster.Talos.Version, d.Cluster.Kubernetes.Version = "v1.99.0", "v1.40.0"
		}, emitters.Problems{{Path: "cluster.talos.version", Warning: true}}},
		{"interface with name and mac", func(d *model.Description) { d.Nodes[1].Interface.MAC = "aa:bb:cc:dd:ee:ff" }, emitters.Problems{{Path: "nodes.w1.interface"}}},
		{"no install disk", func(d *model.Description) { d.Nodes[0].InstallDisk = model.InstallDisk{} }, emitters.Problems{{Path: "nodes.cp1.installDisk"}}},
		{"taint twice", func(d *model.Description) {
			d.Nodes[1].Taints = []model.Taint{{Key: "a", Effect: "NoSchedule"}, {Key: "a", Effect: "NoExecute"}}
		}, emitters.Problems{{Path: "nodes.w1.taints[1]"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := small(t)
			tt.change(d)
			got := Emitter.(emitters.Checker).Check(d)
			opt := cmp.Comparer(func(a, b emitters.Problem) bool { return a.Path == b.Path && a.Warning == b.Warning })
			if diff := cmp.Diff(tt.want, got, opt); diff != "" {
				t.Errorf("Check (-want +got):\n%s", diff)
			}
		})
	}
}

// TestNewerTalosStillBuilds checks that a Talos version past the machinery's
// builds with the newest contract (multi-document, HostnameConfig) and
// still validates.
func TestNewerTalosStillBuilds(t *testing.T) {
	d := minis(t)
	d.Cluster.Talos.Version = "v1.99.0"
	cfg, err := NodeConfig(d, "mini01")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(cfg), "kind: HostnameConfig") || !strings.Contains(string(cfg), "hostname: mini01") {
		t.Errorf("config has no HostnameConfig naming mini01:\n%s", cfg)
	}
}

// TestEncryptedRegex checks that, in the seed's configs, talosconfig and
// kubeconfig, each file's regex matches exactly the keys holding secrets.
func TestEncryptedRegex(t *testing.T) {
	files, err := Emit(t.Context(), minis(t))
	if err != nil {
		t.Fatal(err)
	}
	wantNode := []string{
		"cluster.aggregatorCA.key", "cluster.ca.key", "cluster.etcd.ca.key", "cluster.secret",
		"cluster.secretboxEncryptionSecret", "cluster.serviceAccount.key", "cluster.token",
		"machine.ca.key", "machine.token",
	}
	for _, f := range files {
		re := regexp.MustCompile(f.EncryptedRegex)
		want := wantNode
		switch f.Path {
		case TalosconfigFile:
			want = []string{"contexts.home.key"}
		case KubeconfigFile:
			want = []string{"users[].user.client-key-data"}
		}
		var doc any
		if err := yaml.Unmarshal(f.Data, &doc); err != nil {
			t.Fatal(err)
		}
		got := matchingKeys(re, "", doc)
		sort.Strings(got)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: encrypted keys (-want +got):\n%s", f.Path, diff)
		}
	}
}

// matchingKeys lists the paths of keys re matches, as SOPS would encrypt
// them (a match covers the whole value below it).
func matchingKeys(re *regexp.Regexp, prefix string, v any) []string {
	var out []string
	switch x := v.(type) {
	case map[string]any:
		for k, sub := range x {
			p := strings.TrimPrefix(prefix+"."+k, ".")
			if re.MatchString(k) {
				out = append(out, p)
				continue
			}
			out = append(out, matchingKeys(re, p, sub)...)
		}
	case []any:
		for _, sub := range x {
			out = append(out, matchingKeys(re, prefix+"[]", sub)...)
		}
	}
	return out
}

func TestTalosconfig(t *testing.T) {
	files, err := Emit(t.Context(), minis(t))
	if err != nil {
		t.Fatal(err)
	}
	tc := files[len(files)-2]
	if tc.Path != TalosconfigFile {
		t.Fatalf("the file before last is %s, want %s", tc.Path, TalosconfigFile)
	}
	var got struct {
		Context  string
		Contexts map[string]struct{ Endpoints, Nodes []string }
	}
	if err := yaml.Unmarshal(tc.Data, &got); err != nil {
		t.Fatal(err)
	}
	want := []string{"172.29.51.11", "172.29.51.12", "172.29.51.13"}
	ctx := got.Contexts["home"]
	if got.Context != "home" || !slices.Equal(ctx.Endpoints, want) || !slices.Equal(ctx.Nodes, want) {
		t.Errorf("talosconfig context %q = %+v; want home with endpoints and nodes %v", got.Context, ctx, want)
	}
}

func TestEmitNoNodes(t *testing.T) {
	d := small(t)
	d.Nodes = nil
	d.Inputs = model.Inputs{}
	files, err := Emit(t.Context(), d)
	if err != nil || len(files) != 0 {
		t.Fatalf("Emit = %d files, %v; want nothing", len(files), err)
	}
}

func TestEmitRejectsPathNames(t *testing.T) {
	for _, name := range []string{"../evil", "a/b", "-lead", "trail-", "Upper", strings.Repeat("a", 64)} {
		d := small(t)
		d.Nodes[1].Name = name
		_, err := Emit(t.Context(), d)
		if ps := problems(t, err); ps[0].Path != "nodes."+name {
			t.Fatalf("%q: problems = %+v", name, ps)
		}
	}
	d := small(t)
	d.Nodes[1].Name = strings.Repeat("a", 63)
	if _, err := Emit(t.Context(), d); err != nil {
		t.Fatalf("a 63-byte name: %v", err)
	}
}

func TestNewSecrets(t *testing.T) {
	b, err := NewSecrets("v1.10.5")
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewClientCert(b)
	if err != nil {
		t.Fatal(err)
	}
	d := small(t)
	d.Inputs = model.Inputs{TalosSecrets: b, TalosClient: c}
	if _, err := Emit(t.Context(), d); err != nil {
		t.Fatalf("Emit with a new bundle: %v", err)
	}
	var raw map[string]any
	if err := yaml.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"cluster", "secrets", "trustdinfo", "certs"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("bundle has no %q: not the talosctl gen secrets format", k)
		}
	}
}

// emittedDigests are the digests Emit gives, with the bundle or (locked)
// without it.
func emittedDigests(t *testing.T, d *model.Description, locked bool) []string {
	t.Helper()
	d.Inputs.TalosLocked = locked
	files, err := Emit(t.Context(), d)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range files {
		if f.Digest == "" || (f.Data == nil) != locked {
			t.Fatalf("%s: digest %q, data %d bytes (locked %v)", f.Path, f.Digest, len(f.Data), locked)
		}
		out = append(out, f.Digest)
	}
	return out
}

// TestDigestsAgree: what a keyless build computes from a placeholder
// bundle is what a build with the key recorded from the real files, for
// every kind of node the test clusters have (control planes and workers,
// disk encryption, VLANs, patches, patches referencing secrets, whose
// values the placeholder build does not know).
func TestDigestsAgree(t *testing.T) {
	multiline := func(t testing.TB) *model.Description {
		d := withSecrets(t)
		d.Inputs.Secrets["cloudflare-token"] = "-----BEGIN KEY-----\nMIIBPzCB8qADAgECAhEA\n-----END KEY-----\n"
		return d
	}
	for name, d := range map[string]func(testing.TB) *model.Description{"minis": minis, "small": small, "secret refs": withSecrets, "multi-line secret": multiline} {
		t.Run(name, func(t *testing.T) {
			keyed, keyless := emittedDigests(t, d(t), false), emittedDigests(t, d(t), true)
			if !slices.Equal(keyed, keyless) {
				t.Errorf("digests differ:\nwith the key    %v\nwithout the key %v", keyed, keyless)
			}
		})
	}
}

// TestDigests: a config's digest is stable, changes when the node's config
// would, and only for that node (and the talosconfig, which lists every
// node's address).
func TestDigests(t *testing.T) {
	before := emittedDigests(t, minis(t), true)
	if again := emittedDigests(t, minis(t), true); !slices.Equal(before, again) {
		t.Fatalf("digests differ between two builds of the same description:\n%v\n%v", before, again)
	}
	d := minis(t)
	d.Nodes[1].Address = "172.29.51.99"
	after := emittedDigests(t, d, true)
	for i := range before {
		changed := before[i] != after[i]
		want := i == 1 || i == len(d.Nodes) // the node and the talosconfig, not the kubeconfig
		if changed != want {
			t.Errorf("digest %d changed = %v, want %v", i, changed, want)
		}
	}
}

// TestDigestSeesExtraArgs: machinery keeps extraArgs values in unexported
// fields; a digest that missed them would call a changed config current.
func TestDigestSeesExtraArgs(t *testing.T) {
	digest := func(v string) string {
		d := minis(t)
		d.Cluster.Patches.All = append(d.Cluster.Patches.All, model.Patch(`{"machine": {"kubelet": {"extraArgs": {"max-pods": "`+v+`"}}}}`))
		return emittedDigests(t, d, true)[0]
	}
	if digest("110") == digest("250") {
		t.Error("the digest does not change with a kubelet extraArgs value")
	}
}
