package flux

import (
	"fmt"
	"io/fs"
	"path"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/hogen-dev/hogen/compiler/importer"
)

// clusterDir holds the Kustomizations the flux-system sync applies.
const clusterDir = "flux/cluster"

// clusterApps is what cluster-apps does to every app's Kustomization:
// what its patches set on each (spec fields), and the HelmRelease
// patches they add to each, which hogen writes as the defaults.
type clusterApps struct {
	// appsDir is the FS directory it applies.
	appsDir string
	// ksSpec is set on every app's Kustomization spec; hrSpecs are
	// merged, in order, into every HelmRelease's spec.
	ksSpec  map[string]any
	hrSpecs []map[string]any
}

// hogenClusterApps is the spec hogen writes for cluster-apps before
// cluster.flux.clusterApps applies (emitters/flux rootKustomization).
var hogenClusterApps = map[string]any{"interval": "1h", "retryInterval": "2m", "prune": true, "wait": false}

// readCluster reads the Kustomizations of flux/cluster/: cluster-apps,
// which applies the apps tree, is mapped; the others are warned about.
func (im *imp) readCluster() error {
	dir := im.r.at(clusterDir)
	entries, err := fs.ReadDir(im.r.fsys, dir)
	if err != nil {
		im.ws.Add(importer.Warning{File: im.r.name(dir), Msg: "no Flux Kustomizations found here: cluster-apps is taken to apply apps/ with hogen's policy", At: "cluster.flux"})
		im.ca.appsDir = im.r.at("apps")
		return nil
	}
	for _, e := range entries {
		if e.IsDir() || !(strings.HasSuffix(e.Name(), ".yaml") || strings.HasSuffix(e.Name(), ".yml")) {
			continue
		}
		docs, err := im.r.parse(path.Join(dir, e.Name()))
		if err != nil {
			return err
		}
		for _, d := range docs {
			if err := im.clusterObject(d); err != nil {
				return err
			}
		}
	}
	if im.ca.appsDir == "" {
		im.ws.Add(importer.Warning{File: im.r.name(dir), Msg: "no Kustomization here applies the apps tree: cluster-apps is taken to apply apps/ with hogen's policy", At: "cluster.flux"})
		im.ca.appsDir = im.r.at("apps")
	}
	return nil
}

// clusterObject maps one object of flux/cluster/.
func (im *imp) clusterObject(d *importer.Doc) error {
	o, err := importer.DocObj(d)
	if err != nil {
		return err
	}
	o.At("cluster.flux")
	var head objectHead
	if err := d.Root.Decode(&head); err != nil {
		return fmt.Errorf("%s:%d: %v", d.File, d.Root.Line, err)
	}
	if head.Kind != "Kustomization" || !strings.HasPrefix(head.APIVersion, "kustomize.toolkit.fluxcd.io/") {
		o.Warn("", "%s %s is not imported: hogen writes what the flux-system sync applies (cluster-apps, and the FluxInstance with install \"operator\")", head.Kind, head.Metadata.Name)
		o.Drop()
		return nil
	}
	spec, err := o.Obj("spec")
	if err != nil || spec == nil {
		return fmt.Errorf("%s:%d: a Kustomization needs a spec", d.File, d.Root.Line)
	}
	p, _ := spec.String("path")
	appsDir, ok := im.r.fsPath(p)
	if clean := path.Clean(strings.TrimPrefix(p, "./")); path.Base(clean) == "apps" && !ok && im.r.k8s == "." {
		// The input is the kubernetes/ tree itself: learn its path in the
		// repository from the path that applies its apps.
		im.r.tree = path.Dir(clean)
		appsDir, ok = im.r.fsPath(p)
	}
	if ok && appsDir == im.r.at(metaDir) {
		// cluster-meta: hogen writes it over the substitution objects.
		o.Drop()
		spec.Drop()
		return im.readMeta(appsDir)
	}
	if !ok || appsDir != im.r.at("apps") {
		o.Warn("", "Kustomization %s (path %s) is not imported: hogen writes cluster-apps over kubernetes/apps and the substitution objects itself", head.Metadata.Name, p)
		o.Drop()
		spec.Drop()
		return nil
	}
	im.ca.appsDir = appsDir
	return im.clusterAppsSpec(o, spec, head)
}

// clusterAppsSpec maps cluster-apps: its policy over hogen's, its patches
// folded into the defaults where they set fields of every app's
// Kustomization or HelmRelease, kept as they are otherwise.
func (im *imp) clusterAppsSpec(o, spec *importer.Obj, head objectHead) error {
	o.Raw("apiVersion")
	o.Raw("kind")
	meta, _ := o.Obj("metadata")
	if head.Metadata.Name != "cluster-apps" {
		meta.Warn("name", "hogen names the Kustomization that applies the apps cluster-apps, not %s: dependsOn entries naming it need renaming", head.Metadata.Name)
	}
	meta.Raw("name")
	meta.Raw("namespace")
	meta.DoneWith("not imported: hogen has no form for cluster-apps' metadata")
	spec.Raw("path")
	im.sourceRef(spec)
	n := spec.Raw("patches")
	policy, err := im.policyFields(spec, kustomizationPolicyKeys)
	if err != nil {
		return err
	}
	delete(policy, "patches")
	if n != nil {
		kept, err := im.foldClusterAppsPatches(spec.Doc(), n)
		if err != nil {
			return err
		}
		if len(kept) > 0 {
			policy["patches"] = kept
		}
	}
	spec.DoneWith("not imported: hogen has no form for it on cluster-apps (it decrypts and substitutes from cluster.substitutions itself)")
	im.d.clusterApps = mergeDiff(hogenClusterApps, filled(policy, hogenClusterApps))
	o.Done()
	return nil
}

// sourceRef checks that a Kustomization applies the flux-system
// GitRepository, the only source hogen's Kustomizations have.
func (im *imp) sourceRef(spec *importer.Obj) {
	ref, _ := spec.Obj("sourceRef")
	if ref == nil {
		return
	}
	kind, _ := ref.String("kind")
	name, _ := ref.String("name")
	ns, _ := ref.String("namespace")
	if kind != "GitRepository" || name != "flux-system" || ns != "" && ns != "flux-system" {
		spec.Warn("sourceRef", "hogen's Kustomizations apply the flux-system GitRepository, not %s %s: not imported, the Kustomization reads from flux-system", kind, name)
	}
	ref.Drop()
}

// foldClusterAppsPatches reads cluster-apps' patches. A strategic-merge
// patch of every Kustomization that sets spec fields (and HelmRelease
// patches under spec.patches, each of every HelmRelease) is what
// home-ops uses for cluster-wide defaults: folded into ca, so hogen
// writes its fields into each object. Any other is kept as written.
func (im *imp) foldClusterAppsPatches(d *importer.Doc, n *yaml.Node) ([]any, error) {
	var kept []any
	for _, p := range n.Content {
		raw, err := decode(p)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: patches: %v", d.File, p.Line, err)
		}
		spec, ok := everyObjectPatch(raw, "kustomize.toolkit.fluxcd.io", "Kustomization")
		if ok {
			ok = im.foldKustomizationPatch(spec)
		}
		if !ok {
			kept = append(kept, raw)
		}
	}
	return kept, nil
}

// foldKustomizationPatch folds the spec a patch sets on every app's
// Kustomization, when each of its fields has a form: policy fields, and
// patches of every HelmRelease that set policy fields.
func (im *imp) foldKustomizationPatch(spec map[string]any) bool {
	var hrs []map[string]any
	ks := map[string]any{}
	for k, v := range spec {
		switch {
		case k == "patches":
			list, _ := v.([]any)
			for _, p := range list {
				hr, ok := everyObjectPatch(p, "helm.toolkit.fluxcd.io", "HelmRelease")
				if !ok || !onlyKeys(hr, helmReleasePolicyKeys) {
					return false
				}
				hrs = append(hrs, hr)
			}
		case isKey(kustomizationPolicyKeys, k):
			ks[k] = v
		default:
			return false
		}
	}
	im.ca.hrSpecs = append(im.ca.hrSpecs, hrs...)
	if len(ks) > 0 {
		if im.ca.ksSpec == nil {
			im.ca.ksSpec = map[string]any{}
		}
		im.ca.ksSpec = mergeAll(im.ca.ksSpec, ks)
	}
	return true
}

// everyObjectPatch returns the spec a patch p sets, when p is a strategic
// merge patch (a YAML string) of every object of that group and kind,
// changing nothing but the spec.
func everyObjectPatch(p any, group, kind string) (map[string]any, bool) {
	m, _ := p.(map[string]any)
	body, _ := m["patch"].(string)
	if len(m) == 0 || body == "" {
		return nil, false
	}
	for k := range m {
		if k != "patch" && k != "target" {
			return nil, false
		}
	}
	t, _ := m["target"].(map[string]any)
	for k, v := range t {
		switch {
		case k == "kind" && v == kind, k == "group" && v == group:
		default:
			return nil, false
		}
	}
	if t["kind"] != kind {
		return nil, false
	}
	var obj map[string]any
	if yaml.Unmarshal([]byte(body), &obj) != nil {
		return nil, false
	}
	obj, _ = canon(obj).(map[string]any)
	av, _ := obj["apiVersion"].(string)
	meta, _ := obj["metadata"].(map[string]any)
	spec, _ := obj["spec"].(map[string]any)
	if !strings.HasPrefix(av, group+"/") || obj["kind"] != kind || spec == nil || len(obj) != 4 || len(meta) != 1 || meta["name"] == nil {
		return nil, false
	}
	return spec, true
}
