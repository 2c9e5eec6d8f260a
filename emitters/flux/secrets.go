package flux

import (
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/hogen-dev/hogen/compiler/model"
)

// emitAppSecrets writes a Kustomization's Secrets to one SOPS file at p,
// one document per Secret in name order, in namespace ns if not "".
func emitAppSecrets(t *tree, d *model.Description, k *model.Kustomization, p, ns string) error {
	names := model.SortedKeys(k.Secrets)
	objs := make([]any, 0, len(names))
	for _, n := range names {
		data, err := secretValues(d, k.Secrets[n])
		if err != nil {
			return fmt.Errorf("Secret %q: %w", n, err)
		}
		s := secret(n, data)
		s.Namespace = ns
		objs = append(objs, s)
	}
	return t.addSecret(p, d.Inputs.Secrets != nil, objs...)
}

// secretValues resolves key -> value name into key -> value. Without a key
// (Inputs.Secrets nil) the values are unknown: they come back empty, for
// kustomize to build against, after checking the names exist.
func secretValues(d *model.Description, refs map[string]string) (map[string]string, error) {
	known := d.Inputs.Secrets != nil
	out := make(map[string]string, len(refs))
	for key, ref := range refs {
		if !known {
			if d.Inputs.SecretNames != nil && !slices.Contains(d.Inputs.SecretNames, ref) {
				return nil, fmt.Errorf("key %q: %q is not in secrets.sops.yaml: add it there (sops edit secrets.sops.yaml)", key, ref)
			}
			out[key] = ""
			continue
		}
		v, ok := d.Inputs.Secrets[ref]
		switch {
		case !ok:
			return nil, fmt.Errorf("key %q: %q is not in secrets.sops.yaml: add it there (sops edit secrets.sops.yaml)", key, ref)
		case v == "":
			return nil, fmt.Errorf("key %q: %q is empty in secrets.sops.yaml: give it a value", key, ref)
		}
		out[key] = v
	}
	return out, nil
}

// secret is a Secret with string data; its namespace comes from the Flux
// Kustomization's targetNamespace. Flux's postBuild substitution would
// rewrite a value holding "${", such as a generated password: such a
// Secret opts out of it.
func secret(name string, data map[string]string) *corev1.Secret {
	s := &corev1.Secret{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{Name: name},
		StringData: data,
	}
	for _, v := range data {
		if strings.Contains(v, "${") {
			s.Annotations = map[string]string{substituteAnnotation: "disabled"}
			break
		}
	}
	return s
}

// substituteAnnotation switches Flux's postBuild substitution off for one
// object.
const substituteAnnotation = model.SubstituteAnnotation

// emitMeta writes the cluster-wide substitution objects under MetaDir, for
// cluster-meta to apply in flux-system before any app: cluster-settings
// (a ConfigMap, plain) and cluster-secrets (a Secret, SOPS).
func emitMeta(t *tree, d *model.Description) error {
	subs := d.Cluster.Substitutions
	var resources []string
	if len(subs.Settings) > 0 {
		cm := &corev1.ConfigMap{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
			ObjectMeta: metav1.ObjectMeta{Name: SettingsName},
			Data:       subs.Settings,
		}
		if err := t.add(MetaDir+"/settings/cluster-settings.yaml", cm); err != nil {
			return err
		}
		resources = append(resources, "./settings/cluster-settings.yaml")
	}
	if len(subs.Secrets) > 0 {
		data, err := secretValues(d, subs.Secrets)
		if err != nil {
			return fmt.Errorf("cluster.substitutions.secrets: %w", err)
		}
		if err := t.addSecret(MetaDir+"/settings/cluster-secrets.sops.yaml", d.Inputs.Secrets != nil, secret(SecretsName, data)); err != nil {
			return err
		}
		resources = append(resources, "./settings/cluster-secrets.sops.yaml")
	}
	if resources == nil {
		return nil
	}
	t.builds = append(t.builds, plainBuild(MetaDir))
	return t.add(MetaDir+"/kustomization.yaml", kustomization(resources))
}
