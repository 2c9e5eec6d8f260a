package semdiff

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

const helmRelease = `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: cert-manager
  namespace: cert-manager
spec:
  chart:
    spec:
      chart: cert-manager
      version: %s
  values:
    crds:
      enabled: true
`

func hr(version string) []byte { return []byte(strings.Replace(helmRelease, "%s", version, 1)) }

// talosRegex is a Talos config's encrypted_regex, as the talos emitter has it.
const talosRegex = `^(key|token|secret)$`

func talosNode(address, token string) []byte {
	return []byte("version: v1alpha1\nmachine:\n  type: worker\n  token: " + token +
		"\n  network:\n    interfaces:\n      - interface: eth0\n        addresses: [" + address + "]\n")
}

func TestDiff(t *testing.T) {
	talosID := ObjectID{Doc: 1}
	tests := []struct {
		name     string
		old, new Set
		want     []FileChange
	}{
		{
			name: "secret file with its rule: clear fields shown, encrypted ones hidden",
			old:  Set{"talos/w1.yaml": {Data: talosNode("10.0.0.21/24", "aaaa.bbbb"), Secret: true, EncryptedRegex: talosRegex}},
			new:  Set{"talos/w1.yaml": {Data: talosNode("10.0.0.22/24", "cccc.dddd"), Secret: true, EncryptedRegex: talosRegex}},
			want: []FileChange{{Path: "talos/w1.yaml", Kind: Changed, Secret: true, Objects: []ObjectChange{{
				ID: talosID, Kind: Changed,
				Fields: []FieldChange{
					{Path: "machine.network.interfaces[0].addresses[0]", Kind: Changed, Old: "10.0.0.21/24", New: "10.0.0.22/24"},
					{Path: "machine.token", Kind: Changed, Hidden: true},
				},
			}}}},
		},
		{
			name: "a secret file with its rule is YAML whatever its name",
			old:  Set{"talos/talosconfig": {Data: []byte("context: home\nnodes: [10.0.0.1]\nkey: aaaa\n"), Secret: true, EncryptedRegex: talosRegex}},
			new:  Set{"talos/talosconfig": {Data: []byte("context: home\nnodes: [10.0.0.2]\nkey: bbbb\n"), Secret: true, EncryptedRegex: talosRegex}},
			want: []FileChange{{Path: "talos/talosconfig", Kind: Changed, Secret: true, Objects: []ObjectChange{{
				ID: talosID, Kind: Changed,
				Fields: []FieldChange{
					{Path: "key", Kind: Changed, Hidden: true},
					{Path: "nodes[0]", Kind: Changed, Old: "10.0.0.1", New: "10.0.0.2"},
				},
			}}}},
		},
		{
			name: "an added subtree holding a secret is hidden whole",
			old:  Set{"talos/w1.yaml": {Data: []byte("machine: {type: worker}\n"), Secret: true, EncryptedRegex: talosRegex}},
			new:  Set{"talos/w1.yaml": {Data: []byte("machine: {type: worker, ca: {crt: Y3J0, key: a2V5}}\n"), Secret: true, EncryptedRegex: talosRegex}},
			want: []FileChange{{Path: "talos/w1.yaml", Kind: Changed, Secret: true, Objects: []ObjectChange{{
				ID: talosID, Kind: Changed,
				Fields: []FieldChange{{Path: "machine.ca", Kind: Added, Hidden: true}},
			}}}},
		},
		{
			name: "sides encrypted by different rules: nothing shown",
			old:  Set{"talos/w1.yaml": {Data: talosNode("10.0.0.21/24", "aaaa.bbbb"), Secret: true, EncryptedRegex: talosRegex}},
			new:  Set{"talos/w1.yaml": {Data: talosNode("10.0.0.22/24", "aaaa.bbbb"), Secret: true, EncryptedRegex: `^(type)$`}},
			want: []FileChange{{Path: "talos/w1.yaml", Kind: Changed, Secret: true}},
		},
		{
			name: "secret file without a rule: nothing shown",
			old:  Set{"talos/w1.yaml": {Data: talosNode("10.0.0.21/24", "aaaa.bbbb"), Secret: true}},
			new:  Set{"talos/w1.yaml": {Data: talosNode("10.0.0.22/24", "aaaa.bbbb"), Secret: true}},
			want: []FileChange{{Path: "talos/w1.yaml", Kind: Changed, Secret: true}},
		},
		{
			name: "unchanged files are not reported",
			old:  Set{"a.yaml": {Data: hr("v1.17.5")}},
			new:  Set{"a.yaml": {Data: hr("v1.17.5")}},
		},
		{
			name: "chart version bump",
			old:  Set{"a.yaml": {Data: hr("v1.17.5")}},
			new:  Set{"a.yaml": {Data: hr("v1.17.6")}},
			want: []FileChange{{Path: "a.yaml", Kind: Changed, Objects: []ObjectChange{{
				ID:     ObjectID{APIVersion: "helm.toolkit.fluxcd.io/v2", Kind: "HelmRelease", Namespace: "cert-manager", Name: "cert-manager"},
				Kind:   Changed,
				Fields: []FieldChange{{Path: "spec.chart.spec.version", Kind: Changed, Old: "v1.17.5", New: "v1.17.6"}},
			}}}},
		},
		{
			name: "added and removed files and objects",
			old:  Set{"gone.yaml": {Data: []byte("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: old\n")}},
			new:  Set{"new.yaml": {Data: []byte("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: new\n")}},
			want: []FileChange{
				{Path: "gone.yaml", Kind: Removed, Objects: []ObjectChange{{ID: ObjectID{APIVersion: "v1", Kind: "Namespace", Name: "old"}, Kind: Removed}}},
				{Path: "new.yaml", Kind: Added, Objects: []ObjectChange{{ID: ObjectID{APIVersion: "v1", Kind: "Namespace", Name: "new"}, Kind: Added}}},
			},
		},
		{
			name: "objects in a stream by identity, not position",
			old:  Set{"s.yaml": {Data: []byte("kind: A\nmetadata: {name: x}\n---\nkind: B\nmetadata: {name: y}\nv: 1\n")}},
			new:  Set{"s.yaml": {Data: []byte("kind: C\nmetadata: {name: z}\n---\nkind: B\nmetadata: {name: y}\nv: 2\n---\n")}},
			want: []FileChange{{Path: "s.yaml", Kind: Changed, Objects: []ObjectChange{
				{ID: ObjectID{Kind: "C", Name: "z"}, Kind: Added},
				{ID: ObjectID{Kind: "B", Name: "y"}, Kind: Changed, Fields: []FieldChange{{Path: "v", Kind: Changed, Old: "1", New: "2"}}},
				{ID: ObjectID{Kind: "A", Name: "x"}, Kind: Removed},
			}}},
		},
		{
			name: "named list elements, quoted keys, added and removed fields",
			old: Set{"d.yaml": {Data: []byte(`kind: Deployment
metadata:
  name: web
  annotations: {a.b/c: "1"}
spec:
  containers:
  - {name: app, image: "app:1"}
  - {name: side, image: "side:1"}
  args: [a, b]
`)}},
			new: Set{"d.yaml": {Data: []byte(`kind: Deployment
metadata:
  name: web
  labels: {tier: web}
spec:
  containers:
  - {name: side, image: "side:1"}
  - {name: app, image: "app:2"}
  args: [a, c, d]
`)}},
			want: []FileChange{{Path: "d.yaml", Kind: Changed, Objects: []ObjectChange{{
				ID: ObjectID{Kind: "Deployment", Name: "web"}, Kind: Changed,
				Fields: []FieldChange{
					{Path: `metadata.annotations`, Kind: Removed, Old: `{"a.b/c":"1"}`},
					{Path: `metadata.labels`, Kind: Added, New: `{"tier":"web"}`},
					{Path: "spec.args[1]", Kind: Changed, Old: "b", New: "c"},
					{Path: "spec.args[2]", Kind: Added, New: "d"},
					{Path: "spec.containers[name=app].image", Kind: Changed, Old: "app:1", New: "app:2"},
				},
			}}}},
		},
		{
			name: "key with dots is quoted",
			old:  Set{"n.yaml": {Data: []byte("kind: Namespace\nmetadata:\n  name: a\n  annotations: {kustomize.toolkit.fluxcd.io/prune: enabled}\n")}},
			new:  Set{"n.yaml": {Data: []byte("kind: Namespace\nmetadata:\n  name: a\n  annotations: {kustomize.toolkit.fluxcd.io/prune: disabled}\n")}},
			want: []FileChange{{Path: "n.yaml", Kind: Changed, Objects: []ObjectChange{{
				ID: ObjectID{Kind: "Namespace", Name: "a"}, Kind: Changed,
				Fields: []FieldChange{{Path: `metadata.annotations["kustomize.toolkit.fluxcd.io/prune"]`, Kind: Changed, Old: "enabled", New: "disabled"}},
			}}}},
		},
		{
			name: "secret file: changed, nothing else",
			old:  Set{"s.sops.yaml": {Data: []byte("stringData: {password: hunter2}\n"), Secret: true}},
			new:  Set{"s.sops.yaml": {Data: []byte("stringData: {password: correct-horse}\n"), Secret: true}},
			want: []FileChange{{Path: "s.sops.yaml", Kind: Changed, Secret: true}},
		},
		{
			name: "Secret object in a plain file: data hidden, metadata shown",
			old:  Set{"s.yaml": {Data: []byte("apiVersion: v1\nkind: Secret\nmetadata: {name: s, labels: {a: b}}\ndata: {k: aHVudGVyMg==}\n")}},
			new:  Set{"s.yaml": {Data: []byte("apiVersion: v1\nkind: Secret\nmetadata: {name: s, labels: {a: c}}\ndata: {k: c2VjcmV0, k2: eA==}\n")}},
			want: []FileChange{{Path: "s.yaml", Kind: Changed, Objects: []ObjectChange{{
				ID: ObjectID{APIVersion: "v1", Kind: "Secret", Name: "s"}, Kind: Changed,
				Fields: []FieldChange{
					{Path: "data.k", Kind: Changed, Hidden: true},
					{Path: "data.k2", Kind: Added, Hidden: true},
					{Path: "metadata.labels.a", Kind: Changed, Old: "b", New: "c"},
				},
			}}}},
		},
		{
			name: "not YAML: the file as a whole",
			old:  Set{"talosconfig": {Data: []byte("a")}, "broken.yaml": {Data: []byte("a: [")}},
			new:  Set{"talosconfig": {Data: []byte("b")}, "broken.yaml": {Data: []byte("a: [1]")}},
			want: []FileChange{{Path: "broken.yaml", Kind: Changed}, {Path: "talosconfig", Kind: Changed}},
		},
		{
			name: "only formatting changed",
			old:  Set{"f.yaml": {Data: []byte("a: 1\nb: 2\n")}},
			new:  Set{"f.yaml": {Data: []byte("b: 2\na: 1\n")}},
			want: []FileChange{{Path: "f.yaml", Kind: Changed}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Diff(tt.old, tt.new)
			if diff := cmp.Diff(tt.want, got.Files); diff != "" {
				t.Errorf("Diff (-want +got):\n%s", diff)
			}
		})
	}
}

// reportFixture changes a bit of everything.
func reportFixture() Report {
	old := Set{
		"kubernetes/apps/cert-manager/cert-manager/app/helmrelease.yaml": {Data: hr("v1.17.5")},
		"kubernetes/apps/default/homepage/app/services-configmap.yaml": {Data: []byte(
			"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: homepage-services, namespace: default}\ndata:\n  services.yaml: |\n    - default:\n        - podinfo: {}\n    - a|b: `x`\n")},
		"kubernetes/flux/cluster/cluster-secrets.sops.yaml": {Data: []byte("old"), Secret: true},
		"talos/old-node.yaml":                               {Data: []byte("version: v1alpha1\nmachine: {type: worker}\n")},
		"talos/w1.yaml":                                     {Data: talosNode("10.0.0.21/24", "aaaa.bbbb"), Secret: true, EncryptedRegex: talosRegex},
	}
	newer := Set{
		"kubernetes/apps/cert-manager/cert-manager/app/helmrelease.yaml": {Data: hr("v1.18.2")},
		"kubernetes/apps/default/homepage/app/services-configmap.yaml": {Data: []byte(
			"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: homepage-services, namespace: default}\ndata:\n  services.yaml: |\n    - default:\n        - podinfo: {}\n        - whoami: {}\n    - a|b: `x`\n")},
		"kubernetes/flux/cluster/cluster-secrets.sops.yaml": {Data: []byte("new"), Secret: true},
		"kubernetes/apps/default/podinfo/ks.yaml":           {Data: []byte("apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: podinfo, namespace: flux-system}\n")},
		"talos/w1.yaml": {Data: talosNode("10.0.0.22/24", "cccc.dddd"), Secret: true, EncryptedRegex: talosRegex},
	}
	return Diff(old, newer)
}

func TestRenderGolden(t *testing.T) {
	tests := []struct {
		name   string
		golden string
		render func(Report, *bytes.Buffer) error
	}{
		{name: "text", golden: "report.txt", render: func(r Report, b *bytes.Buffer) error { return r.Text(b) }},
		{name: "markdown", golden: "report.md", render: func(r Report, b *bytes.Buffer) error { return r.Markdown(b) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := tt.render(reportFixture(), &buf); err != nil {
				t.Fatal(err)
			}
			p := filepath.Join("testdata", tt.golden)
			if *update {
				if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), buf.String()); diff != "" {
				t.Errorf("%s (-want +got), rerun with -update if intended:\n%s", tt.golden, diff)
			}
		})
	}
}

func TestRenderNeverShowsSecrets(t *testing.T) {
	secrets := []string{"hunter2", "aHVudGVyMg==", "ENC[AES256_GCM,data:abc]", "aaaa.bbbb", "cccc.dddd", "a2V5", "TOPSECRET"}
	old := Set{
		"talos/w1.yaml": {Data: talosNode("10.0.0.21/24", "aaaa.bbbb"), Secret: true, EncryptedRegex: talosRegex},
		"talos/w2.yaml": {Data: []byte("machine: {type: worker}\n"), Secret: true, EncryptedRegex: talosRegex},
		"talos/w3.yaml": {Data: []byte("secret: [{name: TOPSECRET, value: a}]\n"), Secret: true, EncryptedRegex: talosRegex},
		"s.sops.yaml":   {Data: []byte("password: hunter2\n"), Secret: true},
		"t.sops.yaml":   {Data: []byte("password: ENC[AES256_GCM,data:abc]\n"), Secret: true},
		"k.yaml":        {Data: []byte("apiVersion: v1\nkind: Secret\nmetadata: {name: k}\ndata: {p: aHVudGVyMg==}\n")},
	}
	newer := Set{
		"talos/w1.yaml": {Data: talosNode("10.0.0.22/24", "cccc.dddd"), Secret: true, EncryptedRegex: talosRegex},
		"talos/w2.yaml": {Data: []byte("machine: {type: worker, ca: [{key: a2V5}]}\n"), Secret: true, EncryptedRegex: talosRegex},
		"talos/w3.yaml": {Data: []byte("secret: [{name: TOPSECRET, value: b}]\n"), Secret: true, EncryptedRegex: talosRegex},
		"s.sops.yaml":   {Data: []byte("password: other\n"), Secret: true},
		"k.yaml":        {Data: []byte("apiVersion: v1\nkind: Secret\nmetadata: {name: k}\nstringData: {p: hunter2}\n")},
	}
	r := Diff(old, newer)
	var text, md bytes.Buffer
	if err := r.Text(&text); err != nil {
		t.Fatal(err)
	}
	if err := r.Markdown(&md); err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{text.String(), md.String()} {
		for _, s := range secrets {
			if strings.Contains(out, s) {
				t.Errorf("report shows %q:\n%s", s, out)
			}
		}
	}
}

func TestEmptyReport(t *testing.T) {
	var text bytes.Buffer
	r := Diff(Set{"a": {Data: []byte("x")}}, Set{"a": {Data: []byte("x")}})
	if err := r.Text(&text); err != nil {
		t.Fatal(err)
	}
	if !r.Empty() || text.String() != "No changes.\n" {
		t.Errorf("Empty() = %v, text %q", r.Empty(), text.String())
	}
}

// BenchmarkDiff compares 300 HelmReleases with one version bumped in each.
func BenchmarkDiff(b *testing.B) {
	old, newer := Set{}, Set{}
	for i := range 300 {
		p := filepath.ToSlash(filepath.Join("kubernetes/apps", strings.Repeat("x", i%7), "app", string(rune('a'+i%26))+strings.Repeat("y", i/26), "helmrelease.yaml"))
		old[p] = File{Data: hr("v1.17.5")}
		newer[p] = File{Data: hr("v1.17.6")}
	}
	for b.Loop() {
		Diff(old, newer)
	}
}

func TestUnverifiedReported(t *testing.T) {
	r := Report{Unverified: []string{"talos/cp-1.yaml"}}
	var text, md bytes.Buffer
	if err := r.Text(&text); err != nil {
		t.Fatal(err)
	}
	if err := r.Markdown(&md); err != nil {
		t.Fatal(err)
	}
	if want := "No changes in the files hogen could check.\n? talos/cp-1.yaml (secret, not checked: no age key opens it)\n"; text.String() != want {
		t.Errorf("text = %q, want %q", text.String(), want)
	}
	if !strings.Contains(md.String(), "> `talos/cp-1.yaml`\n") || strings.Contains(md.String(), "No changes.\n") {
		t.Errorf("markdown does not list the unverified file, or claims no changes:\n%s", md.String())
	}
}
