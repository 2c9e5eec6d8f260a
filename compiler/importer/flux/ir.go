package flux

import (
	"bytes"
	"encoding/json"

	"gopkg.in/yaml.v3"
)

// description is what the import found, before it is written as CUE:
// the shapes of hogen's description (apps, components, namespaces, the
// cluster's Flux settings), with the input's positions kept for warnings.
type description struct {
	layout     string
	apps       []*app
	components []*component
	namespaces []*namespace
	// clusterApps is cluster-apps' own policy over hogen's.
	clusterApps map[string]any
	// defaults are cluster.flux.defaults, as chosen from what the apps'
	// objects have in common.
	defaults defaults
	// releaseHealthChecks says whether hogen lists each Kustomization's
	// HelmReleases in its healthChecks (cluster.flux.releaseHealthChecks).
	releaseHealthChecks bool
	// appLabel is cluster.flux.appLabel; nil writes null (none).
	appLabel *string
	// bootstrapCRDs name releases whose CRDs are installed before Flux.
	bootstrapCRDs []string
	// secrets are values for secrets.sops.yaml, by name; recipients who
	// the file is encrypted to.
	secrets    map[string]string
	recipients []string
	// recipientsSet: the description sets cluster.sops.ageRecipients.
	recipientsSet bool
	// files are files of the description directory (ConfigMap sources).
	files map[string][]byte
	// settings and secretVars are cluster.substitutions: variable ->
	// value, and variable -> name in secrets.sops.yaml.
	settings, secretVars map[string]string
}

// defaults are the Flux policy every Kustomization, release and source
// gets unless it says otherwise, in Flux's field names.
type defaults struct {
	kustomization, helmRelease map[string]any
	sourceInterval             string
}

type app struct {
	name, namespace string
	bootstrap       bool
	// kustomizations: the app's own (directory app/) first, if it has one.
	kustomizations []*kustomization
}

// kustomization is one Flux Kustomization of an app and what it applies.
type kustomization struct {
	name, dir string
	// own is set for the app's own Kustomization (the app's fields).
	own bool
	// at is the output path of its fields ("apps.echo",
	// "apps.echo.kustomizations.config").
	at  string
	obj *object
	// appNamespace is the app's namespace.
	appNamespace string
	dependsOn    []dependency
	// deps are the names dependsOn is written as.
	deps []string
	// components are Component names.
	components     []string
	substitute     map[string]string
	substituteFrom []any
	// targetNamespace is where Flux puts the objects; "" for none.
	targetNamespace string
	healthChecks    []any
	// policy holds the Flux spec's policy fields as the input has them
	// (cluster-apps' patches applied); written less the defaults.
	policy     map[string]any
	releases   []*release
	manifests  []*manifest
	configMaps []*configMap
	// secrets: Secret -> key -> value name in secrets.sops.yaml.
	secrets map[string]map[string]string
	// secretStores and externalSecrets are External Secrets' objects in
	// hogen's typed forms (manifestKind).
	secretStores    []*secretStore
	externalSecrets []*externalSecret
}

// dependency is a dependsOn entry as written.
type dependency struct {
	name, namespace string
	obj             *object
}

type release struct {
	obj          *object
	name         string
	chart        chart
	values       *yaml.Node
	dependsOn    []string
	substitution bool
	// policy holds the HelmRelease spec's policy fields as Flux applies
	// them (cluster-apps' patches applied).
	policy map[string]any
	at     string
}

// chart is where a release's chart comes from: #Chart.
type chart struct {
	repo, name, version string
	git, path           string
	ref                 map[string]any
	interval, source    string
	// renovate is the `renovate:` comment the source had on its version.
	renovate []string
}

// manifest is an object written as it is: the input's node, or value
// when the import changed it.
type manifest struct {
	stem  string
	obj   *object
	value any
}

// configMap is a generated ConfigMap: #ConfigMap.
type configMap struct {
	name         string
	data         map[string]string
	files        map[string]string // key -> file of the description directory
	labels       map[string]string
	annotations  map[string]string
	substitution bool
	hashSuffix   bool
}

// component is a kustomize Component: #Component.
type component struct {
	name       string
	manifests  []*manifest
	configMaps []*configMap
	patches    []any
}

// namespace is an apps namespace's own settings: #Namespace.
type namespace struct {
	name                string
	labels, annotations map[string]string
	components          []string
}

// canon is v as JSON would carry it (numbers as json.Number), so values
// read from YAML compare by what they mean.
func canon(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out any
	if dec.Decode(&out) != nil {
		return v
	}
	return out
}

// decode reads a YAML node as a JSON-like value.
func decode(n *yaml.Node) (any, error) {
	var v any
	if err := n.Decode(&v); err != nil {
		return nil, err
	}
	return canon(v), nil
}

// same tells whether two JSON-like values are equal.
func same(a, b any) bool {
	x, err1 := json.Marshal(canon(a))
	y, err2 := json.Marshal(canon(b))
	return err1 == nil && err2 == nil && bytes.Equal(x, y)
}
