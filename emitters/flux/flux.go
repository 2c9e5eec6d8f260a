// Package flux emits the Flux side of a home-ops repository from the model,
// in the layout home-ops repositories use, so people can move between them
// and hogen:
//
//	kubernetes/flux/cluster/ks.yaml            cluster-meta and cluster-apps
//	kubernetes/flux/cluster/fluxinstance.yaml  install "operator" only
//	kubernetes/flux/meta/                      cluster-settings, cluster-secrets
//	kubernetes/apps/<ns>/kustomization.yaml    namespace.yaml + ./<app>/ks.yaml
//	kubernetes/apps/<ns>/<app>/ks.yaml         the app's Flux Kustomizations
//	kubernetes/apps/<ns>/<app>/<dir>/          per Kustomization (app/, config/, ...):
//	                                           kustomization.yaml, helmrelease.yaml,
//	                                           ocirepository.yaml | helmrepository.yaml |
//	                                           gitrepository.yaml, secret.sops.yaml,
//	                                           <manifest>.yaml, resources/<configmap key>
//	kubernetes/components/<name>/              kustomize Components apps share
//	bootstrap/helmfile.yaml                    apps with bootstrap: true
//
// In the layout "flux-system" every Flux Kustomization lives in
// flux-system: dependsOn then needs only names, and the SOPS key (sops-age)
// and the substitution objects exist once, in flux-system. In the layout
// "namespaced" each lives in its app's namespace, which the namespace's
// kustomization.yaml sets, as onedr0p's home-ops does. The flux-system
// GitRepository and Kustomization are made by whoever installs Flux: `flux
// bootstrap` (see BootstrapCommand) or the Flux Operator from the
// FluxInstance's sync section.
//
// Each app is written from its model.App alone: the cluster-wide policy is
// already merged into it. Objects are typed with the Flux API modules and
// encoded by emitters/manifest; every kustomization.yaml written is built
// with kustomize (krusty) in memory before Emit returns, as Flux builds it
// (components, targetNamespace, patches added; postBuild variables
// substituted).
package flux

import (
	"context"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/hogen-dev/hogen/compiler/model"
	"github.com/hogen-dev/hogen/emitters"
	"github.com/hogen-dev/hogen/emitters/manifest"
	"github.com/hogen-dev/hogen/emitters/namespaces"
)

// Names and places shared with the rest of the repository.
const (
	// Namespace holds Flux and, in the layout "flux-system", every app's
	// Flux Kustomization.
	Namespace = model.FluxNamespace
	// SourceName is the GitRepository (and root Kustomization) that
	// `flux bootstrap` and the Flux Operator both create.
	SourceName = "flux-system"
	// ClusterMeta applies the substitution objects; ClusterApps applies
	// kubernetes/apps.
	ClusterMeta = "cluster-meta"
	ClusterApps = "cluster-apps"
	// SOPSSecret holds the age key Flux decrypts with; the bootstrap puts
	// it in flux-system, hogen never writes it.
	SOPSSecret = "sops-age"
	// SettingsName and SecretsName are the ConfigMap and Secret every app
	// substitutes from (postBuild.substituteFrom).
	SettingsName = model.ClusterSettings
	SecretsName  = model.ClusterSecrets

	// AppsDir and MetaDir are the trees cluster-apps and cluster-meta apply;
	// ComponentsDir holds the Components.
	AppsDir       = namespaces.AppsDir
	MetaDir       = "kubernetes/flux/meta"
	ComponentsDir = "kubernetes/components"
	// HelmfilePath installs the bootstrap apps before Flux runs.
	HelmfilePath = "bootstrap/helmfile.yaml"

	// InstallBootstrap and InstallOperator are cluster.flux.install.
	InstallBootstrap = "bootstrap"
	InstallOperator  = "operator"
)

// secretRegex limits SOPS to the Secret payload, so names stay reviewable.
const secretRegex = "^(data|stringData)$"

// Emitter is the Flux emitter; it also checks the description (Checker).
var Emitter emitters.Emitter = emitter{}

type emitter struct{}

func (emitter) Name() string                                 { return "flux" }
func (emitter) Enabled(d *model.Description) bool            { return d.Emitters.Flux.Enabled }
func (emitter) Check(d *model.Description) emitters.Problems { return Check(d) }

// Roots implements emitters.Rooted. Of the source path's directory only
// hogen's two files: `flux bootstrap` writes the rest of it. Of
// kubernetes/components only the Components the description defines, so
// a user's own stay theirs.
func (emitter) Roots(d *model.Description) []string {
	src := d.Cluster.Flux.Source.Path
	roots := []string{AppsDir, MetaDir, WebhookDir, HelmfilePath, CRDsHelmfilePath, PostSyncDir, path.Join(src, "ks.yaml"), path.Join(src, "fluxinstance.yaml")}
	for _, c := range d.Components {
		roots = append(roots, path.Join(ComponentsDir, c.Name))
	}
	return roots
}
func (emitter) Emit(ctx context.Context, d *model.Description) ([]emitters.File, error) {
	return Emit(ctx, d)
}

// Units and EmitUnits implement emitters.Unitized.
func (emitter) Units(d *model.Description) []emitters.Unit { return Units(d) }
func (emitter) EmitUnits(ctx context.Context, d *model.Description, want func(string) bool) ([]emitters.File, error) {
	return EmitUnits(ctx, d, want)
}

// Emit returns the Flux tree for d, sorted by path. It fails on a name that
// would make a bad path, an unknown dependency or a cycle, a secret value it
// cannot find, and on any kustomization.yaml kustomize cannot build.
//
// Secret files carry their plaintext in Data. When d.Inputs.Secrets is nil
// (no key to read secrets.sops.yaml), a secret file is returned with nil
// Data: hogen knows it must exist but not what it holds, and the sink keeps
// the file already on disk.
func Emit(ctx context.Context, d *model.Description) ([]emitters.File, error) {
	return EmitUnits(ctx, d, nil)
}

// EmitUnits is Emit of the units want accepts (all when nil; see Units).
// The cluster's files, the Components and the namespaces' files are made
// whatever it accepts, since the builds of the units it does read them
// (and they are few), but only its units' files come back and only its
// units' kustomizations are built.
func EmitUnits(ctx context.Context, d *model.Description, want func(unit string) bool) ([]emitters.File, error) {
	if want == nil {
		want = func(string) bool { return true }
	}
	if err := checkNames(d); err != nil {
		return nil, err
	}
	order, err := Order(d.Apps)
	if err != nil {
		return nil, err
	}
	t := &tree{}
	if err := emitCluster(t, d); err != nil {
		return nil, err
	}
	for _, a := range d.Apps {
		if !want(appUnit(&a)) {
			continue
		}
		if err := emitApp(t, d, a); err != nil {
			return nil, fmt.Errorf("app %q: %w", a.Name, err)
		}
	}
	for _, c := range d.Components {
		if err := emitComponent(t, c); err != nil {
			return nil, fmt.Errorf("component %q: %w", c.Name, err)
		}
	}
	if err := emitNamespaces(t, d); err != nil {
		return nil, err
	}
	if err := emitHelmfile(t, d, order); err != nil {
		return nil, err
	}
	if err := emitCRDsHelmfile(t, d); err != nil {
		return nil, err
	}
	if err := emitPostSync(t, d); err != nil {
		return nil, err
	}
	if err := t.sort(); err != nil {
		return nil, err
	}
	t.builds = slices.DeleteFunc(t.builds, func(b fluxBuild) bool { return !want(b.unit()) })
	if err := t.build(ctx, d); err != nil {
		return nil, err
	}
	var out []emitters.File
	for _, f := range t.output() {
		if f.Unit = unitOf(f.Path); want(f.Unit) {
			out = append(out, f)
		}
	}
	return out, nil
}

// tree collects files. standin is what kustomize sees for a secret file
// whose values are unknown (Data nil): same objects, empty values. builds
// are the Flux Kustomizations to build as Flux does.
type tree struct {
	files   []emitters.File
	standin map[string][]byte
	builds  []fluxBuild
	// stores are the description's secret stores, found once.
	stores map[string]model.StoreAt
}

// addRaw adds a file as it is.
func (t *tree) addRaw(p string, data []byte) {
	t.files = append(t.files, emitters.File{Path: p, Data: data})
}

// add encodes objs as one YAML stream at p.
func (t *tree) add(p string, objs ...any) error {
	data, err := manifest.Encode(objs...)
	if err != nil {
		return fmt.Errorf("encoding %s: %w", p, err)
	}
	t.files = append(t.files, emitters.File{Path: p, Data: data})
	return nil
}

// addSecret adds a SOPS file; known tells whether objs hold real values.
func (t *tree) addSecret(p string, known bool, objs ...any) error {
	data, err := manifest.Encode(objs...)
	if err != nil {
		return fmt.Errorf("encoding %s: %w", p, err)
	}
	f := emitters.File{Path: p, Data: data, Secret: true, EncryptedRegex: secretRegex}
	if !known {
		if t.standin == nil {
			t.standin = map[string][]byte{}
		}
		t.standin[p], f.Data = data, nil
	}
	t.files = append(t.files, f)
	return nil
}

// sort orders the files by path and refuses two at one path.
func (t *tree) sort() error {
	slices.SortFunc(t.files, func(a, b emitters.File) int { return strings.Compare(a.Path, b.Path) })
	for i := 1; i < len(t.files); i++ {
		if t.files[i].Path == t.files[i-1].Path {
			return fmt.Errorf("two files would be written at %s", t.files[i].Path)
		}
	}
	return nil
}

func (t *tree) output() []emitters.File { return t.files }
