package model

import (
	"encoding/json"
	"slices"
	"strings"

	"sigs.k8s.io/yaml"
)

// The cluster-wide substitution objects every app's Kustomization reads
// its variables from (cluster.substitutions).
const (
	ClusterSettings = "cluster-settings"
	ClusterSecrets  = "cluster-secrets"
)

// AppSpec is an app as the description writes it (the schema's #App):
// the app's own Kustomization in its fields, more under Kustomizations.
// NewApps turns specs into Apps.
type AppSpec struct {
	Namespace      string                       `json:"namespace"`
	Bootstrap      bool                         `json:"bootstrap"`
	Helm           json.RawMessage              `json:"helm,omitempty"`
	Kustomizations map[string]KustomizationSpec `json:"kustomizations,omitempty"`
	KustomizationSpec
}

// UnmarshalJSON reads an app: its own fields, and those of its first
// Kustomization.
func (a *AppSpec) UnmarshalJSON(b []byte) error {
	var own struct {
		Namespace      string                       `json:"namespace"`
		Bootstrap      bool                         `json:"bootstrap"`
		Helm           json.RawMessage              `json:"helm,omitempty"`
		Kustomizations map[string]KustomizationSpec `json:"kustomizations,omitempty"`
	}
	if err := json.Unmarshal(b, &own); err != nil {
		return err
	}
	a.Namespace, a.Bootstrap, a.Helm, a.Kustomizations = own.Namespace, own.Bootstrap, own.Helm, own.Kustomizations
	return a.KustomizationSpec.UnmarshalJSON(b)
}

// KustomizationSpec is a Kustomization as the description writes it
// (#KustomizationBody); Policy holds its #KustomizationPolicy fields.
type KustomizationSpec struct {
	Name            string                        `json:"name,omitempty"`
	DependsOn       []string                      `json:"dependsOn,omitempty"`
	Chart           *Chart                        `json:"chart,omitempty"`
	Values          json.RawMessage               `json:"values,omitempty"`
	Provides        []string                      `json:"provides,omitempty"`
	Releases        map[string]ReleaseSpec        `json:"releases,omitempty"`
	Manifests       map[string]json.RawMessage    `json:"manifests,omitempty"`
	Secrets         map[string]map[string]string  `json:"secrets,omitempty"`
	ConfigMaps      map[string]ConfigMapSpec      `json:"configMaps,omitempty"`
	Components      []string                      `json:"components,omitempty"`
	Substitute      map[string]string             `json:"substitute,omitempty"`
	SubstituteFrom  []SubstituteRef               `json:"substituteFrom,omitempty"`
	Substitution    bool                          `json:"substitution"`
	HealthChecks    []HealthCheck                 `json:"healthChecks,omitempty"`
	TargetNamespace json.RawMessage               `json:"targetNamespace,omitempty"`
	SecretStores    map[string]SecretStoreSpec    `json:"secretStores,omitempty"`
	ExternalSecrets map[string]ExternalSecretSpec `json:"externalSecrets,omitempty"`
	Policy          json.RawMessage               `json:"-"`
}

// kustomizationPolicyKeys are the #KustomizationPolicy fields.
var kustomizationPolicyKeys = []string{"interval", "timeout", "retryInterval", "wait", "prune", "force", "suspend",
	"deletionPolicy", "serviceAccountName", "patches", "healthCheckExprs", "commonMetadata"}

// UnmarshalJSON reads the content fields, and the policy fields as one
// object.
func (k *KustomizationSpec) UnmarshalJSON(b []byte) error {
	type content KustomizationSpec
	var c content
	if err := json.Unmarshal(b, &c); err != nil {
		return err
	}
	policy, err := pick(b, func(key string) bool { return slices.Contains(kustomizationPolicyKeys, key) })
	if err != nil {
		return err
	}
	*k = KustomizationSpec(c)
	k.Policy = policy
	return nil
}

// ReleaseSpec is a release as the description writes it (#Release);
// Policy holds its #HelmReleasePolicy fields.
type ReleaseSpec struct {
	Chart        Chart           `json:"chart"`
	Values       json.RawMessage `json:"values,omitempty"`
	DependsOn    []string        `json:"dependsOn,omitempty"`
	Provides     []string        `json:"provides,omitempty"`
	Substitution bool            `json:"substitution"`
	Policy       json.RawMessage `json:"-"`
}

var releaseContentKeys = []string{"chart", "values", "dependsOn", "provides", "substitution"}

// UnmarshalJSON reads the content fields, and every other as policy.
func (r *ReleaseSpec) UnmarshalJSON(b []byte) error {
	type content ReleaseSpec
	var c content
	if err := json.Unmarshal(b, &c); err != nil {
		return err
	}
	policy, err := pick(b, func(key string) bool { return !slices.Contains(releaseContentKeys, key) })
	if err != nil {
		return err
	}
	*r = ReleaseSpec(c)
	r.Policy = policy
	return nil
}

// ConfigMapSpec is a ConfigMap as the description writes it.
type ConfigMapSpec struct {
	Data         map[string]string `json:"data,omitempty"`
	Files        map[string]string `json:"files,omitempty"`
	Labels       map[string]string `json:"labels,omitempty"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	Substitution bool              `json:"substitution"`
	HashSuffix   bool              `json:"hashSuffix"`
}

// ComponentSpec is a Component as the description writes it.
type ComponentSpec struct {
	Manifests  map[string]json.RawMessage `json:"manifests,omitempty"`
	ConfigMaps map[string]ConfigMapSpec   `json:"configMaps,omitempty"`
	Patches    json.RawMessage            `json:"patches,omitempty"`
}

// NamespaceSpec is a namespace as the description writes it.
type NamespaceSpec struct {
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Components  []string          `json:"components,omitempty"`
}

// pick returns the fields of the JSON object b whose keys keep accepts, as
// an object; nil when there are none.
func pick(b []byte, keep func(string) bool) (json.RawMessage, error) {
	var all map[string]json.RawMessage
	if err := json.Unmarshal(b, &all); err != nil {
		return nil, err
	}
	out := map[string]json.RawMessage{}
	for k, v := range all {
		if keep(k) {
			out[k] = v
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	return json.Marshal(out)
}

// NewComponents turns the description's components into Components,
// sorted by name.
func NewComponents(specs map[string]ComponentSpec) []Component {
	var out []Component
	for _, name := range SortedKeys(specs) {
		s := specs[name]
		p := "components." + name
		out = append(out, Component{
			Name:       name,
			Manifests:  newManifests(p, s.Manifests),
			ConfigMaps: newConfigMaps(p, s.ConfigMaps),
			Patches:    yamlPatches(s.Patches),
			Path:       p,
		})
	}
	return out
}

// NewNamespaces turns the description's namespaces into Namespaces.
func NewNamespaces(specs map[string]NamespaceSpec) []Namespace {
	var out []Namespace
	for _, name := range SortedKeys(specs) {
		s := specs[name]
		out = append(out, Namespace{Name: name, Labels: s.Labels, Annotations: s.Annotations, Components: s.Components, Path: "namespaces." + name})
	}
	return out
}

func newManifests(prefix string, specs map[string]json.RawMessage) []Manifest {
	var out []Manifest
	for _, stem := range SortedKeys(specs) {
		obj := specs[stem]
		var head struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
			Metadata   struct {
				Name        string            `json:"name"`
				Namespace   string            `json:"namespace"`
				Annotations map[string]string `json:"annotations"`
			} `json:"metadata"`
		}
		_ = json.Unmarshal(obj, &head) // the schema made it an object with these fields
		out = append(out, Manifest{
			File: stem, Object: obj, APIVersion: head.APIVersion, Kind: head.Kind,
			Name: head.Metadata.Name, Namespace: head.Metadata.Namespace,
			Substitution: head.Metadata.Annotations[SubstituteAnnotation] != "disabled",
			Path:         prefix + ".manifests." + stem,
		})
	}
	return out
}

// SubstituteAnnotation switches Flux's postBuild substitution off for one
// object ("disabled").
const SubstituteAnnotation = "kustomize.toolkit.fluxcd.io/substitute"

func newConfigMaps(prefix string, specs map[string]ConfigMapSpec) []ConfigMap {
	var out []ConfigMap
	for _, name := range SortedKeys(specs) {
		s := specs[name]
		cm := ConfigMap{Name: name, Labels: s.Labels, Annotations: s.Annotations, Substitution: s.Substitution,
			HashSuffix: s.HashSuffix, Path: prefix + ".configMaps." + name}
		for _, k := range SortedKeys(s.Data) {
			cm.Entries = append(cm.Entries, ConfigEntry{Key: k, Data: s.Data[k]})
		}
		for _, k := range SortedKeys(s.Files) {
			cm.Entries = append(cm.Entries, ConfigEntry{Key: k, File: s.Files[k]})
		}
		slices.SortStableFunc(cm.Entries, func(a, b ConfigEntry) int { return strings.Compare(a.Key, b.Key) })
		out = append(out, cm)
	}
	return out
}

// yamlPatches writes each patch given as an object or a list (a strategic
// merge or JSON6902 patch) as the YAML string Flux and kustomize take.
func yamlPatches(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 || string(raw) == "null" {
		return raw
	}
	var patches []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &patches); err != nil {
		return raw
	}
	for _, p := range patches {
		if body := p["patch"]; len(body) > 0 && body[0] != '"' {
			y, err := yaml.JSONToYAML(body)
			if err != nil {
				continue
			}
			p["patch"], _ = json.Marshal(string(y))
		}
	}
	out, err := json.Marshal(patches)
	if err != nil {
		return raw
	}
	return out
}
