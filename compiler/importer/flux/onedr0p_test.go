package flux

import (
	"encoding/json"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hogen-dev/hogen/compiler"
	"github.com/hogen-dev/hogen/compiler/importer"
	"github.com/hogen-dev/hogen/compiler/importer/importertest"
	"github.com/hogen-dev/hogen/compiler/inputs"
	"github.com/hogen-dev/hogen/compiler/model"
	"github.com/hogen-dev/hogen/compiler/secrets"
	"github.com/hogen-dev/hogen/emitters"
	fluxemit "github.com/hogen-dev/hogen/emitters/flux"
	"github.com/hogen-dev/hogen/emitters/namespaces"
)

// difference is a way an object hogen builds from an imported description
// may differ from the one Flux applies from the original tree, and why
// that is accepted. normalise removes it from a pair of objects (orig,
// built) of one key and says whether it changed anything.
type difference struct {
	why       string
	normalise func(c *comparison, orig, built map[string]any) bool
}

// comparison holds what the differences need of the whole original tree.
type comparison struct {
	// clusterAppsPatches are the patches cluster-apps sets on every app's
	// Kustomization (spec.patches), as Flux applies them.
	clusterAppsPatches any
}

// differences are all that may tell the objects Flux applies from the
// imported and built description from those it applies from the
// original tree. Every other field of every object must be the same.
var differences = []difference{
	{
		why: "hogen writes Flux durations as Go prints them (1h0m0s for 1h): the same duration",
		normalise: func(_ *comparison, orig, built map[string]any) bool {
			return durations(orig) || durations(built)
		},
	},
	{
		why: "wait: false is Flux's default, which hogen leaves out",
		normalise: func(_ *comparison, orig, built map[string]any) bool {
			return dropIf(orig, false, "spec", "wait") || dropIf(built, false, "spec", "wait")
		},
	},
	{
		why: "a sourceRef in the object's own namespace needs no namespace; hogen writes none for cluster-apps in flux-system",
		normalise: func(_ *comparison, orig, built map[string]any) bool {
			ns := at(orig, "metadata", "namespace")
			return ns != nil && (dropIf(orig, ns, "spec", "sourceRef", "namespace") || dropIf(built, ns, "spec", "sourceRef", "namespace"))
		},
	},
	{
		why: "cluster-apps' patch that sets HelmRelease defaults on every app's Kustomization is cluster.flux.defaults.helmRelease: hogen writes its fields into each HelmRelease (compared as Flux applies both), so neither cluster-apps nor the apps' Kustomizations carry the patch",
		normalise: func(c *comparison, orig, built map[string]any) bool {
			if !isFluxKustomization(orig) || at(built, "spec", "patches") != nil {
				return false
			}
			if at(orig, "metadata", "name") == "cluster-apps" {
				return dropIf(orig, at(orig, "spec", "patches"), "spec", "patches")
			}
			return c.clusterAppsPatches != nil && dropIf(orig, c.clusterAppsPatches, "spec", "patches")
		},
	},
}

// TestOnedr0p imports onedr0p's home-ops (unchanged, from
// shared/fixtures): the import must pass vet; the description built must
// make Flux apply the same objects as the original tree, object by
// object, but for the differences above; and importing the built tree
// must give back the same description.
func TestOnedr0p(t *testing.T) {
	src := importertest.Fixture(t, "onedr0p-home-ops")
	dir := importInto(t, os.DirFS(src), "home-ops", onedr0pCluster, importer.Options{})
	built := buildTree(t, dir, nil)
	t.Run("objects", func(t *testing.T) { compareApplied(t, fluxApply(t, os.DirFS(src)), fluxApply(t, built)) })
	t.Run("external secrets", func(t *testing.T) { typedExternalSecrets(t, src, dir) })
	t.Run("round trip", func(t *testing.T) {
		// bootstrap.crds comes back from the bootstrap/crds.yaml hogen wrote.
		again := importInto(t, built, "built", onedr0pCluster, importer.Options{})
		if diff := cmp.Diff(descriptionOf(t, dir), descriptionOf(t, again)); diff != "" {
			t.Errorf("importing the built tree gives another description (-first +second):\n%s", diff)
		}
	})
}

// onedr0pCluster is the cluster onedr0p's apps are imported into.
var onedr0pCluster = filepath.Join("testdata", "onedr0p", "cluster.cue")

// importInto imports the tree in fsys into a new description directory
// beside the cluster.cue at clusterFile, through importer.Write (vet
// included), and returns the directory.
func importInto(t *testing.T, fsys fs.FS, name, clusterFile string, opts importer.Options) string {
	t.Helper()
	r, err := Import(Input{Dir: name, FS: fsys}, opts)
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	dir := t.TempDir()
	cluster, err := os.ReadFile(clusterFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "cluster.cue"), cluster, 0o644); err != nil {
		t.Fatal(err)
	}
	diags, err := importer.Write(t.Context(), r, importer.WriteOptions{Dir: dir, Getenv: opts.Getenv})
	if err != nil {
		t.Fatalf("the import does not pass vet: %v\n%v", err, diags)
	}
	return dir
}

// buildTree builds the description in dir with the Flux and namespaces
// emitters, as `hogen build` writes them: secret files encrypted to
// cluster.sops.ageRecipients, as the sink encrypts them. getenv finds the
// key that opens secrets.sops.yaml (nil: none).
func buildTree(t *testing.T, dir string, getenv func(string) string) fs.FS {
	t.Helper()
	d, _, err := compiler.Load(t.Context(), compiler.Options{Dir: dir, Getenv: getenv})
	if err != nil {
		t.Fatal(err)
	}
	if getenv != nil {
		if _, err := inputs.Unlock(d, dir, getenv); err != nil {
			t.Fatal(err)
		}
	}
	files, _, err := compiler.Emit(t.Context(), d, []emitters.Emitter{namespaces.Emitter, fluxemit.Emitter})
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	out := fstest.MapFS{}
	for _, f := range files {
		data := f.Data
		if f.Secret {
			if data, err = secrets.Encrypt(f.Data, d.Cluster.SOPS.AgeRecipients, f.EncryptedRegex); err != nil {
				t.Fatal(err)
			}
		}
		out[f.Path] = &fstest.MapFile{Data: data}
	}
	return out
}

// descriptionOf is what a description says of the apps, as the model
// holds it (every default merged in), for comparing two imports. Where a
// ConfigMap key's data was read from is left out: hogen's build writes
// every key to a file, literals too, so a second import reads from files/
// what the first had as a literal; the keys and data are compared.
func descriptionOf(t *testing.T, dir string) map[string]any {
	t.Helper()
	d, _, err := compiler.Load(t.Context(), compiler.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	for i := range d.Apps {
		for j := range d.Apps[i].Kustomizations {
			noFiles(d.Apps[i].Kustomizations[j].ConfigMaps)
		}
	}
	for i := range d.Components {
		noFiles(d.Components[i].ConfigMaps)
	}
	view := struct {
		Apps       []model.App
		Components []model.Component
		Namespaces []model.Namespace
		Flux       model.Flux
		Bootstrap  model.Bootstrap
	}{d.Apps, d.Components, d.NamespaceSettings, d.Cluster.Flux, d.Bootstrap}
	b, err := json.Marshal(view)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func noFiles(cms []model.ConfigMap) {
	for i := range cms {
		for j := range cms[i].Entries {
			cms[i].Entries[j].File = ""
		}
	}
}

// compareApplied compares the objects Flux applies from both trees.
func compareApplied(t *testing.T, orig, built map[string]applied) {
	t.Helper()
	c := &comparison{}
	for _, a := range orig {
		if at(a.obj, "metadata", "name") == "cluster-apps" {
			c.clusterAppsPatches = innerPatches(t, a.obj)
		}
	}
	used := make([]int, len(differences))
	same, accepted := 0, 0
	for _, key := range slices.Sorted(maps.Keys(orig)) {
		b, ok := built[key]
		if !ok {
			t.Errorf("%s (applied by %s) is not in the built tree", key, orig[key].by)
			continue
		}
		o, g := canonObject(orig[key].obj), canonObject(b.obj)
		if cmp.Equal(o, g) {
			same++
			continue
		}
		for i, d := range differences {
			if d.normalise(c, o, g) {
				used[i]++
			}
		}
		if diff := cmp.Diff(o, g); diff != "" {
			t.Errorf("%s differs (-original +built):\n%s", key, diff)
			continue
		}
		accepted++
	}
	for _, key := range slices.Sorted(maps.Keys(built)) {
		if _, ok := orig[key]; !ok {
			t.Errorf("%s (applied by %s) is not in the original tree", key, built[key].by)
		}
	}
	for i, d := range differences {
		if used[i] == 0 {
			t.Errorf("accepted difference %q was never needed: remove it", d.why)
		}
		t.Logf("%d objects: %s", used[i], d.why)
	}
	t.Logf("%d objects compared: %d the same, %d the same but for the accepted differences", len(orig), same, accepted)
}

// innerPatches are the spec.patches cluster-apps' first patch sets on
// every app's Kustomization.
func innerPatches(t *testing.T, ca map[string]any) any {
	t.Helper()
	ps, _ := at(ca, "spec", "patches").([]any)
	if len(ps) == 0 {
		return nil
	}
	body, _ := ps[0].(map[string]any)["patch"].(string)
	var obj map[string]any
	if err := yamlUnmarshal([]byte(body), &obj); err != nil {
		t.Fatal(err)
	}
	return canon(at(obj, "spec", "patches"))
}

// canonObject is o as JSON holds it, numbers compared by value.
func canonObject(o map[string]any) map[string]any {
	m, _ := canon(o).(map[string]any)
	return m
}

// at is the value at path in o, or nil.
func at(o map[string]any, path ...string) any {
	var v any = o
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// dropIf removes the field at path when it holds want.
func dropIf(o map[string]any, want any, path ...string) bool {
	parent, ok := at(o, path[:len(path)-1]...).(map[string]any)
	last := path[len(path)-1]
	if !ok || parent[last] == nil || !same(parent[last], want) {
		return false
	}
	delete(parent, last)
	return true
}

// durations rewrites every Flux duration field of o as Go prints it.
func durations(o map[string]any) bool {
	av, _ := o["apiVersion"].(string)
	if !strings.Contains(av, "toolkit.fluxcd.io/") {
		return false
	}
	changed := false
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				if k == "values" {
					continue // a chart's, not Flux's
				}
				if s, ok := e.(string); ok && (k == "interval" || k == "timeout" || k == "retryInterval") {
					if d, err := time.ParseDuration(s); err == nil && d.String() != s {
						x[k] = d.String()
						changed = true
					}
				}
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(o["spec"])
	return changed
}
