// Package flux imports an existing Flux tree, a home-ops repository's
// kubernetes/ directory, into hogen's description of its apps: apps.cue
// (the apps, their Kustomizations, releases, manifests, ConfigMaps and
// Secrets), components.cue (kustomize Components, namespaces' settings)
// and flux.cue (cluster.flux: the layout, cluster-apps' policy, and the
// defaults every Kustomization and HelmRelease shares), beside
// secrets.sops.yaml for Secret values and files/ for ConfigMaps' files.
//
// The import reads the tree as Flux applies it: cluster-apps in
// flux/cluster/ applies apps/, whose namespace directories list their
// Namespace and each app's ks.yaml; each Flux Kustomization applies a
// directory, its kustomization file and the directories it lists
// flattened into one set of objects. Every field is mapped onto hogen's
// form, or warned about with its file:line:col and left as a
// `// TODO(import):` comment where it belongs. A directory whose
// kustomization file uses what hogen has no form for is kept as
// kustomize builds it, each object a manifest; so is a HelmRelease hogen's
// releases cannot say. Nothing is dropped silently, and no secret value
// reaches a .cue file: Secrets' values move into secrets.sops.yaml when
// they can be read (in clear, or SOPS-encrypted to the user's key).
//
// cluster-apps' patches that set fields of every app's Kustomization or
// HelmRelease (home-ops' HelmRelease defaults) become
// cluster.flux.defaults, merged into each object as Flux would patch it.
// The defaults written are each field's most common value, so each object
// writes only where it differs; whichever are chosen, every object builds
// as it was.
package flux

import (
	"fmt"
	"io/fs"
	"slices"

	"github.com/hogen-dev/hogen/compiler/importer"
)

// Input is the tree to import.
type Input struct {
	// Dir is the directory as the user named it, for messages: a
	// repository root (holding kubernetes/) or its kubernetes/ directory.
	Dir string
	// FS reads Dir.
	FS fs.FS
	// Recipients are cluster.sops.ageRecipients of the description the
	// apps are added to: the secrets are encrypted to them (unless
	// opts.AgeRecipients says otherwise), and flux.cue does not set them
	// again.
	Recipients []string
}

// imp is one import.
type imp struct {
	r      *repo
	ws     *importer.Warnings
	opts   importer.Options
	keys   *importer.Keyring
	schema *schema
	d      *description
	ca     clusterApps
	// compDirs are the Components used, by name, at their FS directory.
	compDirs  map[string]string
	compOrder []string
	// hogen are hogen's own defaults; effective the chosen ones, with
	// hogen's merged in: what an object gets without writing anything.
	hogen, effective defaults
	// guard holds the secret values read, for the leak guard.
	guard map[string]string
	// shared are chart sources of the meta tree, by kind/namespace/name.
	shared   map[string]*object
	metaRead bool
}

// Import reads the Flux tree in.FS and returns the description files.
func Import(in Input, opts importer.Options) (*importer.Result, error) {
	ws := &importer.Warnings{}
	r, err := openRepo(in.FS, in.Dir, ws)
	if err != nil {
		return nil, err
	}
	sc, err := loadSchema()
	if err != nil {
		return nil, err
	}
	im := &imp{r: r, ws: ws, opts: opts, keys: &importer.Keyring{Getenv: opts.Getenv}, schema: sc,
		d:        &description{secrets: map[string]string{}, files: map[string][]byte{}, recipients: opts.AgeRecipients, releaseHealthChecks: true},
		compDirs: map[string]string{}, guard: map[string]string{}, shared: map[string]*object{}}
	if len(opts.AgeRecipients) == 0 && len(in.Recipients) > 0 {
		im.d.recipients, im.d.recipientsSet = in.Recipients, true
	}
	if im.hogen, err = sc.defaults(); err != nil {
		return nil, err
	}
	if err := im.read(); err != nil {
		return nil, err
	}
	files, err := im.output()
	if err != nil {
		return nil, err
	}
	return &importer.Result{Files: files, Warnings: ws.List(), Secrets: im.guard}, nil
}

// read reads the tree into im.d.
func (im *imp) read() error {
	if err := im.readCluster(); err != nil {
		return err
	}
	pending, err := im.readNamespaces()
	if err != nil {
		return err
	}
	taken := map[string]bool{}
	for _, p := range pending {
		a, err := im.mapApp(p, taken)
		if err != nil {
			return err
		}
		im.d.apps = append(im.d.apps, a)
	}
	if err := im.readComponents(); err != nil {
		return err
	}
	if err := im.readBootstrap(); err != nil {
		return err
	}
	im.resolve()
	im.manifestKind()
	im.chooseDefaults(im.hogen)
	return nil
}

// mapApp maps an app directory's Kustomizations: its own (app/, named
// after it) first, then the others in their ks file's order.
func (im *imp) mapApp(p *pendingApp, taken map[string]bool) (*app, error) {
	a := &app{name: p.ref.name, namespace: p.ref.namespace}
	if taken[a.name] {
		a.name = label(p.ref.namespace + "-" + p.ref.name)
		im.ws.Add(importer.Warning{File: im.r.name(p.ref.dir), At: "apps." + a.name,
			Msg: fmt.Sprintf("another namespace has an app %s, and hogen's app names are the cluster's: this one is %s", p.ref.name, a.name)})
	}
	taken[a.name] = true
	dirs := map[string]bool{}
	for _, d := range p.docs {
		k, err := im.mapKustomization(a, p.ref, d)
		if err != nil {
			return nil, err
		}
		if dirs[k.dir] {
			return nil, importerError(d.File, d.Root.Line, d.Root.Column, "spec.path", fmt.Errorf("another Kustomization of %s applies %s too: hogen gives each its own directory", a.name, k.dir))
		}
		dirs[k.dir] = true
		a.kustomizations = append(a.kustomizations, k)
	}
	slices.SortStableFunc(a.kustomizations, func(x, y *kustomization) int {
		switch {
		case x.own == y.own:
			return 0
		case x.own:
			return -1
		}
		return 1
	})
	return a, nil
}

// kustomizations are every Kustomization of the import, by name.
func (im *imp) kustomizations() map[string]*kustomization {
	out := map[string]*kustomization{}
	for _, a := range im.d.apps {
		for _, k := range a.kustomizations {
			out[k.name] = k
		}
	}
	return out
}
