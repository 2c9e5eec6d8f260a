package flux

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hogen-dev/hogen/compiler/model"
)

func TestGraph(t *testing.T) {
	td := smallDesc(func(d *testDesc) {
		d.Apps = append(d.Apps,
			app("cilium", "kube-system", "oci://x.io/c", "cilium", "1.0.0", func(a *testApp) { a.Bootstrap = true }),
			app("end", "default", "https://x.io", "end", "1.0.0", func(a *testApp) { a.DependsOn = []string{"echo", "cilium"} }),
		)
		d.Apps[0].DependsOn = []string{"cilium"}
	})
	d := td.build()
	tests := []struct {
		name, format, want string
	}{
		{name: "mermaid", format: FormatMermaid, want: `flowchart LR
  subgraph ns_default["default"]
    ks_echo["echo"]
    ks_end["end"]
  end
  subgraph ns_kube_system["kube-system"]
    ks_cilium["cilium (bootstrap)"]
  end
  ks_cilium --> ks_echo
  ks_cilium --> ks_end
  ks_echo --> ks_end
`},
		{name: "dot", format: FormatDOT, want: `digraph flux {
  rankdir=LR;
  node [shape=box];
  subgraph "cluster_default" {
    label="default";
    "echo";
    "end";
  }
  subgraph "cluster_kube-system" {
    label="kube-system";
    "cilium" [style=bold];
  }
  "cilium" -> "echo";
  "cilium" -> "end";
  "echo" -> "end";
}
`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Graph(d, tc.format)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, string(got)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	if _, err := Graph(d, "svg"); err == nil {
		t.Error("Graph(svg) succeeded, want an error naming the formats")
	}
	td.Apps[1].DependsOn = []string{"end"}
	if _, err := Graph(td.build(), FormatMermaid); err == nil {
		t.Error("Graph of a cycle succeeded, want an error")
	}
}

// TestGraphShapes: an app of several Kustomizations gets a box of its
// own; a node names its releases when there are several, and its
// Components; dependsOn between an app's own Kustomizations is an edge.
func TestGraphShapes(t *testing.T) {
	d := small(func(d *testDesc) {
		a := &d.Apps[0]
		a.Components = []string{"volsync"}
		a.Releases = map[string]model.ReleaseSpec{"echo-worker": {Chart: model.Chart{Repo: "oci://x.io/c", Name: "w", Version: "1.0.0"}, Substitution: true}}
		a.Kustomizations = map[string]model.KustomizationSpec{"config": {DependsOn: []string{"echo"}, Substitution: true,
			Manifests: map[string]json.RawMessage{"cm": raw(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"}}`)}}}
	})
	got, err := Graph(d, FormatMermaid)
	if err != nil {
		t.Fatal(err)
	}
	want := `flowchart LR
  subgraph ns_default["default"]
    subgraph app_echo["echo"]
      ks_echo["echo<br>releases: echo, echo-worker<br>components: volsync"]
      ks_echo_config["echo-config"]
    end
  end
  ks_echo --> ks_echo_config
`
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	dot, err := Graph(d, FormatDOT)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(dot), `subgraph "cluster_default_echo" {`) || !strings.Contains(string(dot), `"echo" [label="echo\nreleases: echo, echo-worker\ncomponents: volsync"];`) {
		t.Errorf("dot lacks the app's box or the node's label:\n%s", dot)
	}
}

// TestGraphReceiver: the webhook Receiver's Kustomization is a node in
// flux-system, after what it depends on.
func TestGraphReceiver(t *testing.T) {
	d := loadCase("platform")(t)
	for _, tc := range []struct{ format, node, edge string }{
		{FormatMermaid, `ks_cluster_webhook["cluster-webhook<br>Receiver gitlab-webhook (gitlab)"]`, "ks_onepassword_connect_store --> ks_cluster_webhook"},
		{FormatDOT, `"cluster-webhook"`, `"onepassword-connect-store" -> "cluster-webhook"`},
	} {
		out, err := Graph(d, tc.format)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{tc.node, tc.edge} {
			if !strings.Contains(string(out), want) {
				t.Errorf("%s graph lacks %q:\n%s", tc.format, want, out)
			}
		}
	}
}
