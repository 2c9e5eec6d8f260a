package flux

import (
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/hogen-dev/hogen/compiler/model"
)

// name is a DNS-1123 label, as the schema's #Name. Checked again here
// because app, namespace and manifest names become paths: this is what
// keeps them inside the output directory whoever built the model.
var name = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

// reservedApps are names of Flux objects hogen or Flux itself put in
// flux-system beside the apps' Kustomizations.
var reservedApps = map[string]bool{SourceName: true, ClusterApps: true, ClusterMeta: true, ClusterWebhook: true}

// reservedStems are the files every app directory may already hold.
var reservedStems = map[string]bool{"kustomization": true, "helmrelease": true, "ocirepository": true, "helmrepository": true, "gitrepository": true}

// checkNames rejects any name that would make a bad path or clash with a
// file or object hogen writes itself.
func checkNames(d *model.Description) error {
	if err := checkDir(d.Cluster.Flux.Source.Path); err != nil {
		return fmt.Errorf("cluster.flux.source.path: %w", err)
	}
	for _, a := range d.Apps {
		if !validName(a.Name) || len(a.Name) > 63 {
			return fmt.Errorf("app name %q is not a DNS-1123 label (lower-case letters, digits and '-', at most 63)", a.Name)
		}
		if reservedApps[a.Name] {
			return fmt.Errorf("app name %q is reserved for Flux's own Kustomizations: rename the app", a.Name)
		}
		if !validName(a.Namespace) || len(a.Namespace) > 63 {
			return fmt.Errorf("app %q: namespace %q is not a DNS-1123 label", a.Name, a.Namespace)
		}
		for _, k := range a.Kustomizations {
			if err := checkKustomizationNames(k); err != nil {
				return fmt.Errorf("app %q: %w", a.Name, err)
			}
		}
	}
	for _, c := range d.Components {
		if err := checkDir(c.Name); err != nil || !componentName.MatchString(c.Name) {
			return fmt.Errorf("component name %q is not a slash path of DNS-1123 labels", c.Name)
		}
		if err := checkManifestNames(c.Manifests); err != nil {
			return fmt.Errorf("component %q: %w", c.Name, err)
		}
	}
	return nil
}

var componentName = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(/[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)

// checkKustomizationNames checks the names that become paths under a
// Kustomization's directory.
func checkKustomizationNames(k model.Kustomization) error {
	if !validName(k.Dir) || !validName(k.Name) {
		return fmt.Errorf("Kustomization %q (directory %q): names must be DNS-1123 labels", k.Name, k.Dir)
	}
	if err := checkManifestNames(k.Manifests); err != nil {
		return err
	}
	for s := range k.Secrets {
		if !validName(s) {
			return fmt.Errorf("Secret name %q is not a DNS-1123 label", s)
		}
	}
	for _, cm := range k.ConfigMaps {
		for _, e := range cm.Entries {
			if e.Key == "" || e.Key == "." || e.Key == ".." || strings.ContainsAny(e.Key, `/\`) {
				return fmt.Errorf("ConfigMap %q: key %q cannot be a file name", cm.Name, e.Key)
			}
		}
	}
	return nil
}

func checkManifestNames(ms []model.Manifest) error {
	for _, m := range ms {
		if !validName(m.File) {
			return fmt.Errorf("manifest name %q is not a DNS-1123 label", m.File)
		}
		if reservedStems[m.File] {
			return fmt.Errorf("manifest name %q clashes with a file hogen writes (%s.yaml): rename it", m.File, m.File)
		}
		if m.Kind == "Secret" && !strings.Contains(m.APIVersion, "/") {
			return fmt.Errorf("manifest %q is a Secret and would be written in plaintext: list it under secrets instead", m.File)
		}
	}
	return nil
}

func validName(s string) bool { return name.MatchString(s) }

// checkDir accepts a clean relative slash path that stays inside the
// output directory.
func checkDir(p string) error {
	switch {
	case p == "":
		return fmt.Errorf("empty path")
	case strings.HasPrefix(p, "/") || strings.Contains(p, `\`):
		return fmt.Errorf("%q must be relative, with forward slashes", p)
	case path.Clean(p) != p:
		return fmt.Errorf("%q is not clean: write it as %q", p, path.Clean(p))
	case p == ".." || strings.HasPrefix(p, "../"):
		return fmt.Errorf("%q leaves the repository", p)
	}
	return nil
}
