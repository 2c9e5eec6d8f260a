package check

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/hogen-dev/hogen/compiler/load"
	"github.com/hogen-dev/hogen/compiler/model"
)

// What emitters/flux names and writes (its SourceName, ClusterApps,
// ClusterMeta, Namespace and SecretsName): this package cannot import it,
// as the Flux emitter's tests import the compiler.
const (
	fluxNamespace  = "flux-system"
	clusterSecrets = "cluster-secrets"
)

// reservedApps are the names of the Flux Kustomizations in flux-system
// beside the apps' own, which are named after the apps.
var reservedApps = []string{"flux-system", "cluster-apps", "cluster-meta", "cluster-webhook"}

// appFiles are the stems of the files the Flux emitter writes in every
// app's directory (kubernetes/apps/<ns>/<app>/app/), where manifests go
// as <name>.yaml.
var appFiles = []string{"kustomization", "helmrelease", "ocirepository", "helmrepository", "gitrepository"}

// reservedNames reports app names Flux's own objects have, and manifests
// that would land on a file hogen writes itself.
func (c *checker) reservedNames() {
	for _, a := range c.d.Apps {
		p := "apps." + a.Name
		if slices.Contains(reservedApps, a.Name) {
			c.Errorf(p, "rename the app", "app name %q is reserved: hogen names a Flux Kustomization of its own %q in %s", a.Name, a.Name, fluxNamespace)
		}
		for _, k := range a.Kustomizations {
			for _, m := range k.Manifests {
				if slices.Contains(appFiles, m.File) || slices.Contains(externalSecretsFiles(k), m.File) {
					c.Errorf(m.Path, fmt.Sprintf("rename it, e.g. %q", a.Name+"-"+m.File),
						"manifest %q would be written to %s.yaml, which hogen writes itself for every app", m.File, m.File)
				}
			}
		}
	}
}

// secretsOnce reports a Secret (namespace and name) that two places
// define, where one would silently replace the other, and data keys
// Kubernetes rejects.
func (c *checker) secretsOnce() {
	first := map[string]string{} // namespace/name -> path of its first definition
	define := func(ns, name, path string) {
		key := ns + "/" + name
		if prev, ok := first[key]; ok {
			c.Errorf(path, "rename one of them, or define the Secret once", "Secret %s in namespace %s is also defined at %s (%s)", name, ns, prev, c.Pos.Of(prev))
			return
		}
		first[key] = path
	}
	if len(c.d.Cluster.Substitutions.Secrets) > 0 {
		first[fluxNamespace+"/"+clusterSecrets] = "cluster.substitutions.secrets"
	}
	for _, a := range c.d.Apps {
		for _, k := range a.Kustomizations {
			ns := cmp.Or(k.TargetNamespace, a.Namespace)
			for _, s := range model.SortedKeys(k.Secrets) {
				p := k.Path + ".secrets." + s
				define(ns, s, p)
				for _, key := range model.SortedKeys(k.Secrets[s]) {
					if len(validation.IsConfigMapKey(key)) > 0 {
						c.Errorf(p+"."+key, `use letters, digits, '-', '_' and '.', at most 253, not "." or "..": e.g. "`+keyLike(key)+`"`,
							"%q is not a Secret data key Kubernetes accepts", clipKey(key))
					}
				}
			}
			for _, es := range k.ExternalSecrets {
				define(ns, es.Target, es.Path)
			}
			for _, m := range k.Manifests {
				if m.Kind == "Secret" && apiGroup(m.APIVersion) == "" && m.Name != "" {
					define(cmp.Or(m.Namespace, ns), m.Name, m.Path)
				}
			}
		}
	}
}

// keyLike is k with what Kubernetes rejects in a data key replaced.
func keyLike(k string) string {
	k = strings.Trim(badKeyChars.ReplaceAllString(k, "_"), ".")
	if k == "" {
		return "key"
	}
	return clipKey(k)
}

var badKeyChars = regexp.MustCompile(`[^-._a-zA-Z0-9]+`)

func clipKey(k string) string {
	if len(k) > 60 {
		return k[:60] + "..."
	}
	return k
}

// appFix is the fix for a dependsOn entry that names no app: the app it
// most likely means, when one is close.
func appFix(d *model.Description, dep string) string {
	var names []string
	for _, a := range d.Apps {
		names = append(names, a.Name)
		for _, k := range a.Kustomizations {
			names = append(names, k.Name)
		}
	}
	if best := load.Closest(dep, names); best != "" {
		return fmt.Sprintf("did you mean %q?", best)
	}
	return "name an app or a Flux Kustomization defined under apps, or remove it"
}

// externalSecretsFiles are the stems of the files the Flux emitter writes
// for a Kustomization's secret stores and ExternalSecrets.
func externalSecretsFiles(k model.Kustomization) []string {
	var out []string
	if len(k.ExternalSecrets) > 0 {
		out = append(out, "externalsecret")
	}
	for _, s := range k.SecretStores {
		out = append(out, strings.ToLower(s.Kind))
	}
	return out
}
