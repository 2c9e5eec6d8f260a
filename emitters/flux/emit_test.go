package flux

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"

	helmv2 "github.com/fluxcd/helm-controller/api/v2"
	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"

	"github.com/hogen-dev/hogen/compiler/model"
	"github.com/hogen-dev/hogen/emitters"
)

// small is a one-app description to vary in table tests.
func small(opts ...func(*testDesc)) *model.Description { return smallDesc(opts...).build() }

func smallDesc(opts ...func(*testDesc)) *testDesc {
	d := &testDesc{Description: &model.Description{
		Cluster: model.Cluster{
			Domain: "cluster.local",
			Flux: model.Flux{
				Source:  model.GitSource{URL: "https://github.com/me/home", Branch: "main", Path: "kubernetes/flux/cluster"},
				Install: InstallBootstrap,
			},
		},
		Emitters: model.Emitters{Namespaces: model.Toggle{Enabled: true}, Flux: model.Toggle{Enabled: true}},
		Inputs:   model.Inputs{Secrets: map[string]string{"token": "fake"}},
	}, Apps: []testApp{app("echo", "default", "https://charts.example.com", "echo", "1.0.0")}}
	withDefaults(&d.Cluster)
	for _, o := range opts {
		o(d)
	}
	return d
}

func emitMap(t *testing.T, d *model.Description) map[string]emitters.File {
	t.Helper()
	files, err := Emit(context.Background(), d)
	if err != nil {
		t.Fatalf("Emit: %v", err)
	}
	out := map[string]emitters.File{}
	for _, f := range files {
		out[f.Path] = f
	}
	return out
}

func TestChartSource(t *testing.T) {
	dir := "kubernetes/apps/default/echo/app/"
	tests := []struct {
		name      string
		repo      string
		wantFile  string
		wantNot   string
		wantSpec  *helmv2.HelmReleaseSpec
		wantInSrc string
	}{
		{
			name: "oci chart uses an OCIRepository", repo: "oci://ghcr.io/me/charts/",
			wantFile: "ocirepository.yaml", wantNot: "helmrepository.yaml",
			wantSpec:  &helmv2.HelmReleaseSpec{ChartRef: &helmv2.CrossNamespaceSourceReference{Kind: "OCIRepository", Name: "echo"}},
			wantInSrc: "url: oci://ghcr.io/me/charts/echo\n",
		},
		{
			name: "https chart uses a HelmRepository", repo: "https://charts.example.com",
			wantFile: "helmrepository.yaml", wantNot: "ocirepository.yaml",
			wantSpec: &helmv2.HelmReleaseSpec{Chart: &helmv2.HelmChartTemplate{Spec: helmv2.HelmChartTemplateSpec{
				Chart: "echo", Version: "1.0.0", SourceRef: helmv2.CrossNamespaceObjectReference{Kind: "HelmRepository", Name: "echo"},
			}}},
			wantInSrc: "url: https://charts.example.com\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			files := emitMap(t, small(func(d *testDesc) { d.Apps[0].Chart.Repo = tc.repo }))
			src, ok := files[dir+tc.wantFile]
			if !ok || files[dir+tc.wantNot].Path != "" {
				t.Fatalf("want %s and no %s", tc.wantFile, tc.wantNot)
			}
			if !strings.Contains(string(src.Data), tc.wantInSrc) {
				t.Errorf("%s lacks %q:\n%s", tc.wantFile, tc.wantInSrc, src.Data)
			}
			if !strings.Contains(string(files[dir+"kustomization.yaml"].Data), "- ./"+tc.wantFile+"\n") {
				t.Errorf("kustomization.yaml does not list %s", tc.wantFile)
			}
			var hr helmv2.HelmRelease
			if err := yaml.Unmarshal(files[dir+"helmrelease.yaml"].Data, &hr); err != nil {
				t.Fatal(err)
			}
			got := helmv2.HelmReleaseSpec{Chart: hr.Spec.Chart, ChartRef: hr.Spec.ChartRef}
			if diff := cmp.Diff(*tc.wantSpec, got); diff != "" {
				t.Errorf("chart (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSecrets(t *testing.T) {
	withSecret := func(ref string) func(*testDesc) {
		return func(d *testDesc) {
			d.Apps[0].Secrets = map[string]map[string]string{"echo-auth": {"TOKEN": ref}}
		}
	}
	p := "kubernetes/apps/default/echo/app/secret.sops.yaml"
	tests := []struct {
		name     string
		opts     []func(*testDesc)
		wantErr  string // empty: no error
		wantData string // "nil": Data must be nil
	}{
		{name: "value known", opts: []func(*testDesc){withSecret("token")}, wantData: "stringData:\n  TOKEN: fake\n"},
		{name: "unknown value", opts: []func(*testDesc){withSecret("nope")}, wantErr: `app "echo": Secret "echo-auth": key "TOKEN": "nope" is not in secrets.sops.yaml`},
		{name: "value with ${ opts out of substitution", opts: []func(*testDesc){withSecret("token"), func(d *testDesc) { d.Inputs.Secrets["token"] = "pa${ss" }},
			wantData: "    kustomize.toolkit.fluxcd.io/substitute: disabled\n  name: echo-auth\nstringData:\n  TOKEN: pa${ss\n"},
		{name: "empty value", opts: []func(*testDesc){withSecret("token"), func(d *testDesc) { d.Inputs.Secrets["token"] = "" }},
			wantErr: `app "echo": Secret "echo-auth": key "TOKEN": "token" is empty`},
		{name: "no key: file kept", opts: []func(*testDesc){withSecret("token"), func(d *testDesc) { d.Inputs = model.Inputs{SecretNames: []string{"token"}} }},
			wantData: "nil"},
		{name: "no key, unknown name", opts: []func(*testDesc){withSecret("nope"), func(d *testDesc) { d.Inputs = model.Inputs{SecretNames: []string{"token"}} }},
			wantErr: `"nope" is not in secrets.sops.yaml`},
		{name: "Secret as a plain manifest", opts: []func(*testDesc){func(d *testDesc) {
			d.Apps[0].Manifests = map[string]json.RawMessage{"creds": raw(`{"apiVersion":"v1","kind":"Secret","metadata":{"name":"x"},"stringData":{"a":"b"}}`)}
		}}, wantErr: `manifest "creds" is a Secret and would be written in plaintext`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			files, err := Emit(context.Background(), small(tc.opts...))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var f emitters.File
			for _, x := range files {
				if x.Path == p {
					f = x
				}
			}
			if !f.Secret || f.EncryptedRegex != secretRegex {
				t.Errorf("%s: Secret=%v EncryptedRegex=%q, want true and %q", p, f.Secret, f.EncryptedRegex, secretRegex)
			}
			if tc.wantData == "nil" {
				if f.Data != nil {
					t.Errorf("Data = %q, want nil (values unknown)", f.Data)
				}
				return
			}
			if !strings.Contains(string(f.Data), tc.wantData) {
				t.Errorf("Data = %q, want it to contain %q", f.Data, tc.wantData)
			}
		})
	}
}

func TestInstallModes(t *testing.T) {
	tests := []struct {
		name, install, url string
		wantInstance       bool
		wantInInstance     string
		wantWarning        bool
		wantErr            string
	}{
		{name: "bootstrap", install: InstallBootstrap},
		{name: "operator over https", install: InstallOperator, url: "https://github.com/me/home", wantInstance: true, wantInInstance: "    url: https://github.com/me/home\n", wantWarning: true},
		{name: "operator over ssh has a pull secret", install: InstallOperator, url: "ssh://git@github.com/me/home", wantInstance: true, wantInInstance: "    pullSecret: flux-system\n", wantWarning: true},
		{name: "unknown", install: "kubectl", wantErr: `cluster.flux.install: "kubectl"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := small(func(d *testDesc) {
				d.Cluster.Flux.Install = tc.install
				if tc.url != "" {
					d.Cluster.Flux.Source.URL = tc.url
				}
			})
			if ps := Check(d); (len(ps) == 1 && ps[0].Warning) != tc.wantWarning {
				t.Errorf("Check = %v, want warning %v", ps, tc.wantWarning)
			}
			files, err := Emit(context.Background(), d)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var instance string
			for _, f := range files {
				if f.Path == "kubernetes/flux/cluster/fluxinstance.yaml" {
					instance = string(f.Data)
				}
			}
			if (instance != "") != tc.wantInstance || !strings.Contains(instance, tc.wantInInstance) {
				t.Errorf("fluxinstance.yaml = %q, want present=%v containing %q", instance, tc.wantInstance, tc.wantInInstance)
			}
		})
	}
}

// TestEmitIsStable emits the homelab with its apps in random orders: the
// bytes must not change.
func TestEmitIsStable(t *testing.T) {
	want := emitTree(t, homelab())
	r := rand.New(rand.NewPCG(1, 2))
	for range 3 {
		d := homelab()
		r.Shuffle(len(d.Apps), func(i, j int) { d.Apps[i], d.Apps[j] = d.Apps[j], d.Apps[i] })
		if diff := cmp.Diff(want, emitTree(t, d)); diff != "" {
			t.Fatalf("output depends on app order (-want +got):\n%s", diff)
		}
	}
}
