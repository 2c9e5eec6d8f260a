package flux

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/hogen-dev/hogen/compiler/importer"
)

// bootstrapDir holds a home-ops repository's bootstrap: helmfiles that
// install the first apps (and, apart, the CRDs of charts) before Flux.
const bootstrapDir = "bootstrap"

// helmfile is the part of a helmfile hogen reads.
type helmfile struct {
	HelmDefaults struct {
		Args []string `yaml:"args"`
	} `yaml:"helmDefaults"`
	Releases []struct {
		Name      string `yaml:"name"`
		Namespace string `yaml:"namespace"`
	} `yaml:"releases"`
}

// readBootstrap reads the helmfiles under bootstrap/ (a repository root
// only): the apps whose releases they install become bootstrap: true; a
// helmfile that installs only CRDs (home-ops' crds.yaml, or
// --include-crds) names releases whose CRDs come before Flux
// (bootstrap.crds). The rest of a helmfile (hooks, order, defaults) is
// hogen's to write, and warned about.
func (im *imp) readBootstrap() error {
	if im.r.k8s == "." || !isDir(im.r.fsys, bootstrapDir) {
		return nil
	}
	return fs.WalkDir(im.r.fsys, bootstrapDir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() || !(strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
			return err
		}
		b, _, err := im.r.read(p)
		if err != nil {
			return err
		}
		var hf helmfile
		if yamlUnmarshal(b, &hf) != nil || len(hf.Releases) == 0 {
			return nil
		}
		crds := path.Base(p) == "crds.yaml" || slices.Contains(hf.HelmDefaults.Args, "--include-crds")
		for _, rel := range hf.Releases {
			im.bootstrapRelease(p, rel.Name, rel.Namespace, crds)
		}
		what := "hogen's bootstrap/helmfile.yaml holds the apps marked bootstrap: true, from their HelmReleases"
		if crds {
			what = "its releases as bootstrap.crds, and hogen writes their CRDs to bootstrap/crds.yaml"
		}
		im.ws.Add(importer.Warning{File: im.r.name(p), At: "bootstrap",
			Msg: fmt.Sprintf("read for the releases it installs; its hooks, order and defaults are not imported: %s", what)})
		return nil
	})
}

// bootstrapRelease marks the app holding release name in namespace ns.
func (im *imp) bootstrapRelease(file, name, ns string, crds bool) {
	for _, a := range im.d.apps {
		for _, k := range a.kustomizations {
			for _, r := range k.releases {
				if r.name != name || ns != "" && k.releaseNamespace() != ns {
					continue
				}
				if crds {
					if !slices.Contains(im.d.bootstrapCRDs, name) {
						im.d.bootstrapCRDs = append(im.d.bootstrapCRDs, name)
					}
				} else {
					a.bootstrap = true
				}
				return
			}
		}
	}
	im.ws.Add(importer.Warning{File: im.r.name(file), At: "bootstrap",
		Msg: fmt.Sprintf("release %s/%s is no HelmRelease of the import: not imported", ns, name)})
}

func yamlUnmarshal(b []byte, v any) error { return yaml.Unmarshal(b, v) }
