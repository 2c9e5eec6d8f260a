package flux

import (
	"encoding/json"
	"fmt"
	"path"

	kustomizev1 "github.com/fluxcd/kustomize-controller/api/v1"
	sourcev1 "github.com/fluxcd/source-controller/api/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/kustomize/api/types"

	"github.com/hogen-dev/hogen/compiler/model"
)

// The webhook Receiver: its own Flux Kustomization over its own tree, so
// it decrypts its token and waits for what exposes it (a gateway, a
// secret store) without holding back cluster-apps.
const (
	ClusterWebhook = "cluster-webhook"
	WebhookDir     = "kubernetes/flux/webhook"
	// receiverService is the Service notification-controller serves
	// Receivers on, in flux-system, port 80.
	receiverService = "webhook-receiver"
	// receiverPath is where every Receiver's URL starts:
	// /hook/<sha256 of token, name and namespace>.
	receiverPath = "/hook/"
)

// defaultEvents are the events a Receiver acts on, by type, when the
// description names none: a push (and GitHub's ping, so adding the hook
// shows green at once).
var defaultEvents = map[string][]string{
	"github": {"ping", "push"},
	"gitlab": {"Push Hook", "Tag Push Hook"},
}

// receiverObject is a notification.toolkit.fluxcd.io/v1 Receiver; there is
// no Go module for it among hogen's, so it is plain, and checked against
// the CRD's strict schema in the tests.
type receiverObject struct {
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	Metadata   metav1.ObjectMeta `json:"metadata"`
	Spec       receiverSpec      `json:"spec"`
}

type receiverSpec struct {
	Type      string              `json:"type"`
	Events    []string            `json:"events,omitempty"`
	SecretRef map[string]string   `json:"secretRef"`
	Resources []map[string]string `json:"resources"`
}

// tokenSecret is the name of the Secret holding a Receiver's token.
func tokenSecret(r *model.Receiver) string { return r.Name + "-token" }

// emitReceiver writes the webhook tree and returns the Kustomization that
// applies it; nil without a Receiver.
func emitReceiver(t *tree, d *model.Description) (*kustomizev1.Kustomization, error) {
	r := d.Cluster.Flux.Receiver
	if r == nil {
		return nil, nil
	}
	events := r.Events
	if events == nil {
		events = defaultEvents[r.Type]
	}
	obj := receiverObject{
		APIVersion: "notification.toolkit.fluxcd.io/v1", Kind: "Receiver",
		Metadata: metav1.ObjectMeta{Name: r.Name},
		Spec: receiverSpec{Type: r.Type, Events: events, SecretRef: map[string]string{"name": tokenSecret(r)},
			Resources: []map[string]string{
				{"apiVersion": sourcev1.GroupVersion.String(), "kind": sourcev1.GitRepositoryKind, "name": SourceName},
				{"apiVersion": kustomizev1.GroupVersion.String(), "kind": kustomizev1.KustomizationKind, "name": SourceName},
			}},
	}
	kust := kustomization([]string{"./receiver.yaml"})
	if err := t.add(path.Join(WebhookDir, "receiver.yaml"), obj); err != nil {
		return nil, err
	}
	decrypt, err := emitReceiverToken(t, d, r, &kust)
	if err != nil {
		return nil, err
	}
	if err := emitReceiverExpose(t, r, &kust); err != nil {
		return nil, err
	}
	if err := t.add(path.Join(WebhookDir, "kustomization.yaml"), kust); err != nil {
		return nil, err
	}
	t.builds = append(t.builds, plainBuild(WebhookDir))
	ks := rootKustomization(d.Inputs.RepoPath, ClusterWebhook, WebhookDir, nil, decrypt)
	ks.Spec.TargetNamespace = Namespace
	ks.Spec.DependsOn = dependencies(r.DependsOn, Namespace)
	return ks, nil
}

// emitReceiverToken writes the token Secret: SOPS-encrypted from
// secrets.sops.yaml, or an ExternalSecret from a store. It tells whether
// the Kustomization must decrypt.
func emitReceiverToken(t *tree, d *model.Description, r *model.Receiver, kust *types.Kustomization) (bool, error) {
	if r.TokenFrom == nil {
		data, err := secretValues(d, map[string]string{"token": r.Token})
		if err != nil {
			return false, fmt.Errorf("%s.token: %w", model.ReceiverPath, err)
		}
		if err := t.addSecret(path.Join(WebhookDir, "secret.sops.yaml"), d.Inputs.Secrets != nil, secret(tokenSecret(r), data)); err != nil {
			return false, err
		}
		kust.Resources = append(kust.Resources, "./secret.sops.yaml")
		return true, nil
	}
	ref := map[string]string{"key": r.TokenFrom.Key}
	if r.TokenFrom.Property != "" {
		ref["property"] = r.TokenFrom.Property
	}
	remote, _ := json.Marshal(ref)
	spec, _ := json.Marshal(map[string]any{
		"target": map[string]string{"name": tokenSecret(r)},
		"data":   []map[string]json.RawMessage{{"secretKey": json.RawMessage(`"token"`), "remoteRef": remote}},
	})
	es := model.ExternalSecret{Name: tokenSecret(r), Store: r.TokenFrom.Store, Target: tokenSecret(r), Spec: spec}
	obj, err := externalSecret(es, t.secretStores(d), "")
	if err != nil {
		return false, fmt.Errorf("%s.tokenFrom: %w", model.ReceiverPath, err)
	}
	if err := t.add(path.Join(WebhookDir, externalSecretsStem+".yaml"), obj); err != nil {
		return false, err
	}
	kust.Resources = append(kust.Resources, "./"+externalSecretsStem+".yaml")
	return false, nil
}

// emitReceiverExpose writes the HTTPRoute and the Ingress that publish
// the Receiver's service at /hook/.
func emitReceiverExpose(t *tree, r *model.Receiver, kust *types.Kustomization) error {
	if h := r.Expose.HTTPRoute; h != nil {
		if err := t.add(path.Join(WebhookDir, "httproute.yaml"), httpRoute(r.Name, h)); err != nil {
			return err
		}
		kust.Resources = append(kust.Resources, "./httproute.yaml")
	}
	if in := r.Expose.Ingress; in != nil {
		if err := t.add(path.Join(WebhookDir, "ingress.yaml"), ingress(r.Name, in)); err != nil {
			return err
		}
		kust.Resources = append(kust.Resources, "./ingress.yaml")
	}
	return nil
}

// httpRoute is a Gateway API HTTPRoute to the Receiver's service. Gateway
// API's Go module is not among hogen's; the object is plain.
func httpRoute(name string, h *model.ReceiverHTTPRoute) map[string]any {
	var parents []map[string]string
	for _, p := range h.ParentRefs {
		ref := map[string]string{"name": p.Name}
		setNonEmptyString(ref, "namespace", p.Namespace)
		setNonEmptyString(ref, "sectionName", p.SectionName)
		parents = append(parents, ref)
	}
	meta := map[string]any{"name": name}
	if len(h.Annotations) > 0 {
		meta["annotations"] = h.Annotations
	}
	return map[string]any{
		"apiVersion": "gateway.networking.k8s.io/v1",
		"kind":       "HTTPRoute",
		"metadata":   meta,
		"spec": map[string]any{
			"hostnames":  h.Hostnames,
			"parentRefs": parents,
			"rules": []map[string]any{{
				"matches":     []map[string]any{{"path": map[string]string{"type": "PathPrefix", "value": receiverPath}}},
				"backendRefs": []map[string]any{{"name": receiverService, "namespace": Namespace, "port": 80}},
			}},
		},
	}
}

// ingress is a networking.k8s.io/v1 Ingress to the Receiver's service.
func ingress(name string, in *model.ReceiverIngress) *networkingv1.Ingress {
	prefix := networkingv1.PathTypePrefix
	ing := &networkingv1.Ingress{
		TypeMeta:   metav1.TypeMeta{APIVersion: networkingv1.SchemeGroupVersion.String(), Kind: "Ingress"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Annotations: in.Annotations},
		Spec: networkingv1.IngressSpec{Rules: []networkingv1.IngressRule{{
			Host: in.Host,
			IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{Paths: []networkingv1.HTTPIngressPath{{
				Path: receiverPath, PathType: &prefix,
				Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
					Name: receiverService, Port: networkingv1.ServiceBackendPort{Number: 80}}},
			}}}},
		}}},
	}
	if in.ClassName != "" {
		ing.Spec.IngressClassName = &in.ClassName
	}
	if in.TLSSecretName != "" {
		ing.Spec.TLS = []networkingv1.IngressTLS{{Hosts: []string{in.Host}, SecretName: in.TLSSecretName}}
	}
	return ing
}

func setNonEmptyString(m map[string]string, key, v string) {
	if v != "" {
		m[key] = v
	}
}
