package check

import (
	"fmt"
	"strings"

	"github.com/hogen-dev/hogen/compiler/model"
)

// manifests checks each extra object against where Flux will put it, and
// each Kustomization's generated ConfigMaps and secrets.
func (c *checker) manifests() {
	for _, a := range c.d.Apps {
		for _, k := range a.Kustomizations {
			for _, m := range k.Manifests {
				c.manifest(m, k.TargetNamespace)
			}
			c.configMaps(k.ConfigMaps)
			if len(k.Secrets) > 0 && c.d.Cluster.Flux.Layout == model.LayoutNamespaced {
				c.Warnf(k.Path+".secrets", fmt.Sprintf("hogen bootstrap puts the age key in namespace %s as Secret sops-age on a new cluster; on a running one, add it there (it is never written to Git), or use cluster.flux.layout \"flux-system\"", k.Namespace),
					"Flux decrypts these secrets with the Secret sops-age of namespace %s, where this Kustomization lives", k.Namespace)
			}
		}
	}
	for _, comp := range c.d.Components {
		for _, m := range comp.Manifests {
			c.manifest(m, "")
		}
		c.configMaps(comp.ConfigMaps)
	}
}

// manifest checks one object: no Secret in plaintext, no namespace on a
// cluster-scoped kind, and none that targetNamespace would override.
func (c *checker) manifest(m model.Manifest, target string) {
	group := apiGroup(m.APIVersion)
	switch {
	case group == "" && m.Kind == "Secret":
		c.Errorf(m.Path, "list it under secrets, with its values in secrets.sops.yaml", "manifest %s is a Secret and would be written in plaintext", m.File)
	case m.Namespace == "" || strings.Contains(m.Namespace, "${"):
	case clusterScoped(group, m.Kind):
		c.Errorf(m.Path+".metadata.namespace", fmt.Sprintf("leave metadata.namespace out: a %s lives outside namespaces", m.Kind),
			"%s is cluster-scoped, so it has no namespace", m.Kind)
	case target != "" && m.Namespace != target:
		c.Errorf(m.Path+".metadata.namespace", fmt.Sprintf("move it to an app of namespace %s, or set targetNamespace: null on its Kustomization", m.Namespace),
			"Flux puts every object of this Kustomization in namespace %s (targetNamespace), not %s", target, m.Namespace)
	}
}

// configMaps checks that no key is written twice: each becomes the file
// resources/<key> of the Kustomization's directory.
func (c *checker) configMaps(cms []model.ConfigMap) {
	seen := map[string]string{}
	for _, cm := range cms {
		for _, e := range cm.Entries {
			p := cm.Path + ".data." + e.Key
			if e.File != "" {
				p = cm.Path + ".files." + e.Key
			}
			if prev, dup := seen[e.Key]; dup {
				c.Errorf(p, "rename one of the keys", "key %q is also in %s: both would be the file resources/%s", e.Key, prev, e.Key)
				continue
			}
			seen[e.Key] = p
		}
	}
}

// components checks that every Component named exists, and that
// namespaces use Components only where they can apply them.
func (c *checker) components() {
	known := map[string]bool{}
	for _, comp := range c.d.Components {
		known[comp.Name] = true
	}
	unknown := func(path, name string) {
		if !known[name] {
			c.Errorf(path, fmt.Sprintf("define it under components: %q: {...}, or remove it", name), "component %q is not defined", name)
		}
	}
	for _, a := range c.d.Apps {
		for _, k := range a.Kustomizations {
			for i, name := range k.Components {
				unknown(fmt.Sprintf("%s.components.%d", k.Path, i), name)
			}
		}
	}
	for _, ns := range c.d.NamespaceSettings {
		for i, name := range ns.Components {
			unknown(fmt.Sprintf("%s.components.%d", ns.Path, i), name)
		}
		if len(ns.Components) > 0 && c.d.Cluster.Flux.Layout != model.LayoutNamespaced {
			c.Errorf(ns.Path+".components", `set cluster.flux.layout: "namespaced", or add the components to the namespace's apps`,
				"a namespace applies Components only in the layout \"namespaced\", where its kustomization.yaml sets namespace: %s", ns.Name)
		}
	}
}

// apiGroup is the group of an apiVersion: "" for the core group.
func apiGroup(apiVersion string) string {
	g, _, found := strings.Cut(apiVersion, "/")
	if !found {
		return ""
	}
	return g
}

// clusterScoped tells whether a kind is known to have no namespace:
// Kubernetes' own, and those of charts people commonly install.
func clusterScoped(group, kind string) bool {
	if builtinGroups[group] {
		return builtinClusterKinds[kind]
	}
	return clusterCRDs[group+"/"+kind]
}

var builtinClusterKinds = map[string]bool{
	"Namespace": true, "Node": true, "PersistentVolume": true, "ClusterRole": true, "ClusterRoleBinding": true,
	"CustomResourceDefinition": true, "StorageClass": true, "CSIDriver": true, "CSINode": true, "VolumeAttachment": true,
	"PriorityClass": true, "RuntimeClass": true, "IngressClass": true, "MutatingWebhookConfiguration": true,
	"ValidatingWebhookConfiguration": true, "ValidatingAdmissionPolicy": true, "ValidatingAdmissionPolicyBinding": true,
	"MutatingAdmissionPolicy": true, "MutatingAdmissionPolicyBinding": true, "APIService": true,
	"CertificateSigningRequest": true, "FlowSchema": true, "PriorityLevelConfiguration": true, "DeviceClass": true,
	"IPAddress": true, "ServiceCIDR": true,
}

var clusterCRDs = map[string]bool{
	"snapshot.storage.k8s.io/VolumeSnapshotClass": true, "snapshot.storage.k8s.io/VolumeSnapshotContent": true,
	"groupsnapshot.storage.k8s.io/VolumeGroupSnapshotClass": true, "gateway.networking.k8s.io/GatewayClass": true,
	"cert-manager.io/ClusterIssuer": true, "external-secrets.io/ClusterSecretStore": true,
	"external-secrets.io/ClusterExternalSecret": true, "cilium.io/CiliumLoadBalancerIPPool": true,
	"cilium.io/CiliumBGPClusterConfig": true, "cilium.io/CiliumBGPPeerConfig": true, "cilium.io/CiliumBGPAdvertisement": true,
	"cilium.io/CiliumBGPPeeringPolicy": true, "cilium.io/CiliumClusterwideNetworkPolicy": true, "cilium.io/CiliumL2AnnouncementPolicy": true,
	"cilium.io/CiliumNode": true, "cilium.io/CiliumIdentity": true, "openebs.io/StoragePool": true,
	"tuppr.home-operations.com/TalosUpgrade": true, "tuppr.home-operations.com/KubernetesUpgrade": true,
	"kopiur.home-operations.com/ClusterRepository": true,
}
