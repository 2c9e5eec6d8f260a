package flux

import (
	"strings"
	"time"

	sourcev1 "github.com/fluxcd/source-controller/api/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/hogen-dev/hogen/compiler/model"
)

// chartSource is the source a release's chart comes from, named after the
// release so sources never clash, and the file it is written to: an
// OCIRepository (oci:// charts, at <repo>/<chart>, tagged with the
// version), a GitRepository (Git charts) or a HelmRepository.
func chartSource(r *model.Release, ns string) (any, string) {
	c := r.Chart
	meta := metav1.ObjectMeta{Name: sourceName(r), Namespace: ns}
	interval := sourceInterval(c.Interval)
	switch {
	case c.IsOCI():
		return &sourcev1.OCIRepository{
			TypeMeta:   metav1.TypeMeta{APIVersion: sourcev1.GroupVersion.String(), Kind: sourcev1.OCIRepositoryKind},
			ObjectMeta: meta,
			Spec: sourcev1.OCIRepositorySpec{
				URL:       strings.TrimRight(c.Repo, "/") + "/" + c.Name,
				Reference: &sourcev1.OCIRepositoryRef{Tag: c.Version},
				// A Helm chart is one layer of this type; copy it as is.
				LayerSelector: &sourcev1.OCILayerSelector{MediaType: "application/vnd.cncf.helm.chart.content.v1.tar+gzip", Operation: sourcev1.OCILayerCopy},
				Interval:      interval,
			},
		}, "ocirepository.yaml"
	case c.IsGit():
		return &sourcev1.GitRepository{
			TypeMeta:   metav1.TypeMeta{APIVersion: sourcev1.GroupVersion.String(), Kind: sourcev1.GitRepositoryKind},
			ObjectMeta: meta,
			Spec: sourcev1.GitRepositorySpec{
				URL:       c.Git,
				Reference: &sourcev1.GitRepositoryRef{Tag: c.Ref.Tag, Branch: c.Ref.Branch, Commit: c.Ref.Commit, SemVer: c.Ref.SemVer},
				Interval:  interval,
			},
		}, "gitrepository.yaml"
	}
	return &sourcev1.HelmRepository{
		TypeMeta:   metav1.TypeMeta{APIVersion: sourcev1.GroupVersion.String(), Kind: sourcev1.HelmRepositoryKind},
		ObjectMeta: meta,
		Spec:       sourcev1.HelmRepositorySpec{URL: strings.TrimRight(c.Repo, "/"), Interval: interval},
	}, "helmrepository.yaml"
}

// sourceName is the name of the release's chart source.
func sourceName(r *model.Release) string {
	if r.Chart.Source != "" {
		return r.Chart.Source
	}
	return r.Name
}

// sourceInterval parses the model's interval; the schema checked it, and
// an hour is the default it would have had.
func sourceInterval(s string) metav1.Duration {
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		d = time.Hour
	}
	return metav1.Duration{Duration: d}
}
