package flux

import (
	"errors"
	"fmt"

	"github.com/hogen-dev/hogen/compiler/importer"
)

// metaDir holds the cluster-wide substitution objects (cluster-settings,
// cluster-secrets) and, in cluster-template's trees, shared chart sources.
const metaDir = "flux/meta"

// The substitution objects every app's Kustomization reads.
const (
	clusterSettings = "cluster-settings"
	clusterSecrets  = "cluster-secrets"
)

// readMeta reads the meta tree once: cluster-settings becomes
// cluster.substitutions.settings, cluster-secrets' values move to
// secrets.sops.yaml under cluster.substitutions.secrets, chart sources
// are kept for the releases that name them; anything else is warned
// about.
func (im *imp) readMeta(dir string) error {
	if im.metaRead {
		return nil
	}
	im.metaRead = true
	rd := &reader{r: im.r, at: "cluster.substitutions", base: dir, seen: map[string]bool{}}
	c, err := rd.read(dir, false)
	var un errUnmapped
	if errors.As(err, &un) {
		c, err = rd.built(dir, un)
	}
	if err != nil {
		return err
	}
	for _, o := range c.objects {
		switch {
		case o.head.APIVersion == "v1" && o.head.Kind == "ConfigMap" && o.head.Metadata.Name == clusterSettings:
			var cm struct{ Data map[string]string }
			if err := o.node.Decode(&cm); err != nil {
				return importerError(o.doc.File, o.node.Line, o.node.Column, "data", err)
			}
			im.d.settings = cm.Data
		case o.head.APIVersion == "v1" && o.head.Kind == "Secret" && o.head.Metadata.Name == clusterSecrets:
			if err := im.clusterSecrets(o); err != nil {
				return err
			}
		case o.group() == "source.toolkit.fluxcd.io":
			ns := o.head.Metadata.Namespace
			if ns == "" {
				ns = fluxNamespace
			}
			im.shared[o.head.Kind+"/"+ns+"/"+o.head.Metadata.Name] = o
		default:
			line, col := o.doc.Pos(o.node)
			im.ws.Add(importer.Warning{File: o.doc.File, Line: line, Col: col, At: "cluster",
				Msg: fmt.Sprintf("%s %s is not imported: hogen's meta tree holds cluster-settings and cluster-secrets only; move it into an app", o.head.Kind, o.head.Metadata.Name)})
		}
	}
	return nil
}

// clusterSecrets maps cluster-secrets as an app's Secret is mapped, its
// keys becoming the variables of cluster.substitutions.secrets.
func (im *imp) clusterSecrets(o *object) error {
	k := &kustomization{at: "cluster.substitutions"}
	if err := im.secret(k, o); err != nil {
		return err
	}
	im.d.secretVars = k.secrets[clusterSecrets]
	return nil
}

// isClusterSubstitution tells whether a substituteFrom entry names one
// of the cluster-wide objects, which hogen adds itself.
func (im *imp) isClusterSubstitution(ref any) bool {
	m, _ := ref.(map[string]any)
	switch {
	case m["kind"] == "ConfigMap" && m["name"] == clusterSettings:
		return len(im.d.settings) > 0
	case m["kind"] == "Secret" && m["name"] == clusterSecrets:
		return len(im.d.secretVars) > 0
	}
	return false
}
