package check

import (
	"cmp"
	"encoding/json"
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
var reservedApps = []string{"flux-system", "cluster-apps", "cluster-meta"}

// appFiles are the stems of the files the Flux emitter writes in every
// app's directory (kubernetes/apps/<ns>/<app>/app/), where manifests go
// as <name>.yaml.
var appFiles = []string{"kustomization", "helmrelease", "ocirepository", "helmrepository"}

// reservedNames reports app names Flux's own objects have, and manifests
// that would land on a file hogen writes itself.
func (c *checker) reservedNames() {
	for _, a := range c.d.Apps {
		p := "apps." + a.Name
		if slices.Contains(reservedApps, a.Name) {
			c.Errorf(p, "rename the app", "app name %q is reserved: hogen names a Flux Kustomization of its own %q in %s", a.Name, a.Name, fluxNamespace)
		}
		for _, stem := range model.SortedKeys(a.Manifests) {
			if slices.Contains(appFiles, stem) {
				c.Errorf(p+".manifests."+stem, fmt.Sprintf("rename it, e.g. %q", a.Name+"-"+stem),
					"manifest %q would be written to %s.yaml, which hogen writes itself for every app", stem, stem)
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
		for _, s := range model.SortedKeys(a.Secrets) {
			p := "apps." + a.Name + ".secrets." + s
			define(a.Namespace, s, p)
			for _, k := range model.SortedKeys(a.Secrets[s]) {
				if len(validation.IsConfigMapKey(k)) > 0 {
					c.Errorf(p+"."+k, `use letters, digits, '-', '_' and '.', at most 253, not "." or "..": e.g. "`+keyLike(k)+`"`,
						"%q is not a Secret data key Kubernetes accepts", clipKey(k))
				}
			}
		}
		for _, m := range model.SortedKeys(a.Manifests) {
			var obj struct {
				Kind     string `json:"kind"`
				Metadata struct {
					Name      string `json:"name"`
					Namespace string `json:"namespace"`
				} `json:"metadata"`
			}
			if json.Unmarshal(a.Manifests[m], &obj) != nil || obj.Kind != "Secret" || obj.Metadata.Name == "" {
				continue
			}
			ns := cmp.Or(obj.Metadata.Namespace, a.Namespace)
			define(ns, obj.Metadata.Name, "apps."+a.Name+".manifests."+m)
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
	names := make([]string, 0, len(d.Apps))
	for _, a := range d.Apps {
		names = append(names, a.Name)
	}
	if best := load.Closest(dep, names); best != "" {
		return fmt.Sprintf("did you mean %q?", best)
	}
	return "name an app defined under apps, or remove it"
}
