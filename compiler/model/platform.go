package model

import (
	"encoding/json"
	"strconv"
)

// FluxInstance is cluster.flux.instance: the Flux Operator's FluxInstance
// spec as the description writes it, in the CRD's field names.
// Kustomize.Patches hold YAML strings, as the CRD takes them.
type FluxInstance struct {
	Distribution   FluxDistribution `json:"distribution"`
	Components     []string         `json:"components"`
	Cluster        FluxCluster      `json:"cluster"`
	Kustomize      FluxKustomize    `json:"kustomize"`
	Sync           FluxSync         `json:"sync"`
	CommonMetadata json.RawMessage  `json:"commonMetadata,omitempty"`
	Storage        json.RawMessage  `json:"storage,omitempty"`
}

// FluxDistribution is where the Flux controllers' images come from; the
// version is cluster.flux.version.
type FluxDistribution struct {
	Registry           string `json:"registry"`
	Artifact           string `json:"artifact,omitempty"`
	ArtifactPullSecret string `json:"artifactPullSecret,omitempty"`
	ImagePullSecret    string `json:"imagePullSecret,omitempty"`
	Variant            string `json:"variant,omitempty"`
}

// FluxCluster is the FluxInstance's cluster section.
type FluxCluster struct {
	Type                        string `json:"type"`
	NetworkPolicy               bool   `json:"networkPolicy"`
	Multitenant                 bool   `json:"multitenant"`
	TenantDefaultServiceAccount string `json:"tenantDefaultServiceAccount,omitempty"`
	Size                        string `json:"size,omitempty"`
}

// FluxKustomize holds the patches the operator applies to Flux's own
// manifests.
type FluxKustomize struct {
	Patches json.RawMessage `json:"patches,omitempty"`
}

// FluxSync is what the FluxInstance's sync section takes beyond
// cluster.flux.source.
type FluxSync struct {
	Interval   string `json:"interval,omitempty"`
	PullSecret string `json:"pullSecret,omitempty"`
	Provider   string `json:"provider,omitempty"`
}

// Receiver is cluster.flux.receiver: a webhook that makes Flux sync the
// flux-system source on a push.
type Receiver struct {
	Name   string   `json:"name"`
	Type   string   `json:"type"`
	Events []string `json:"events,omitempty"`
	// Token names a value in secrets.sops.yaml; TokenFrom a value in a
	// secret store. One of them is set, if the description is valid.
	Token     string         `json:"token,omitempty"`
	TokenFrom *TokenFrom     `json:"tokenFrom,omitempty"`
	Expose    ReceiverExpose `json:"expose"`
	DependsOn []Dependency   `json:"-"`
	Needs     []string       `json:"dependsOn,omitempty"`
}

// TokenFrom is a webhook token read from a secret store.
type TokenFrom struct {
	Store    string `json:"store"`
	Key      string `json:"key"`
	Property string `json:"property,omitempty"`
}

// ReceiverExpose is how the Receiver is reached from outside.
type ReceiverExpose struct {
	HTTPRoute *ReceiverHTTPRoute `json:"httpRoute,omitempty"`
	Ingress   *ReceiverIngress   `json:"ingress,omitempty"`
}

// ReceiverHTTPRoute is a Gateway API HTTPRoute to the Receiver.
type ReceiverHTTPRoute struct {
	Hostnames   []string          `json:"hostnames"`
	ParentRefs  []ParentRef       `json:"parentRefs"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// ParentRef is a Gateway an HTTPRoute attaches to.
type ParentRef struct {
	Name        string `json:"name"`
	Namespace   string `json:"namespace,omitempty"`
	SectionName string `json:"sectionName,omitempty"`
}

// ReceiverIngress is an Ingress to the Receiver.
type ReceiverIngress struct {
	Host          string            `json:"host"`
	ClassName     string            `json:"className,omitempty"`
	Annotations   map[string]string `json:"annotations,omitempty"`
	TLSSecretName string            `json:"tlsSecretName,omitempty"`
}

// Bootstrap is how the cluster comes up before Flux (the description's
// bootstrap section).
type Bootstrap struct {
	// Order is the helmfile's order of the bootstrap apps; empty: their
	// dependsOn.
	Order []string `json:"order,omitempty"`
	// PostSync maps a bootstrap app to its Kustomizations (by directory)
	// applied right after its chart.
	PostSync map[string][]string `json:"postsync,omitempty"`
	// CRDs are releases whose charts' CRDs are applied first.
	CRDs []string `json:"crds,omitempty"`
	// Secrets are namespace -> Secret -> key -> the name of a value in
	// secrets.sops.yaml.
	Secrets map[string]map[string]map[string]string `json:"secrets,omitempty"`
}

// ReceiverPath is the description path of cluster.flux.receiver.
const ReceiverPath = "cluster.flux.receiver"

// resolveReceiver turns the Receiver's dependsOn into Flux objects, as an
// app's are.
func resolveReceiver(r *Receiver, apps []App) {
	if r == nil {
		return
	}
	r.DependsOn = nil
	for i, name := range r.Needs {
		path := ReceiverPath + ".dependsOn." + strconv.Itoa(i)
		found := false
		for _, a := range apps {
			for _, k := range a.Kustomizations {
				if k.Name == name {
					r.DependsOn = append(r.DependsOn, Dependency{Name: k.Name, Namespace: k.Namespace, App: a.Name, Path: path})
					found = true
				}
			}
		}
		if found {
			continue
		}
		for _, a := range apps {
			if a.Name == name {
				for _, k := range a.Kustomizations {
					r.DependsOn = append(r.DependsOn, Dependency{Name: k.Name, Namespace: k.Namespace, App: a.Name, Path: path})
					found = true
				}
			}
		}
		if !found {
			r.DependsOn = append(r.DependsOn, Dependency{Name: name, Path: path})
		}
	}
}
