// Package testschemas lets tests check generated manifests with an
// independent validator: kubeconform, strict, against the JSON schemas kept in
// the repository's testdata/schemas (Flux and External Secrets CRDs,
// Kubernetes v1.33.13). They ship in the repository so that a clone alone
// passes its tests; testdata/schemas/README.md says where each comes from.
package testschemas

import (
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/yannh/kubeconform/pkg/validator"

	"github.com/hogen-dev/hogen/compiler/check"
)

// KubernetesVersion is the version of the core schemas.
const KubernetesVersion = "1.33.13"

// CRDDir is where, under Dir, the schemas made from CRDs are.
const CRDDir = "crds"

// Dir is testdata/schemas at the module root.
func Dir(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(ModuleRoot(t), "testdata", "schemas")
	if _, err := os.Stat(filepath.Join(dir, CRDDir, "helmrelease-helm-v2.json")); err != nil {
		t.Fatalf("schemas for validating output are missing: %v", err)
	}
	return dir
}

// ModuleRoot is the directory of go.mod above the test's working
// directory, so tests do not depend on their package's depth.
func ModuleRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}

// NewValidator checks strictly against the CRD schemas and Kubernetes
// v1.33.13. kustomize's own kustomization.yaml is not a Kubernetes object.
func NewValidator(t testing.TB) validator.Validator {
	t.Helper()
	dir := Dir(t)
	v, err := validator.New([]string{
		dir,
		filepath.Join(dir, CRDDir, "{{.ResourceKind}}{{.KindSuffix}}.json"),
	}, validator.Opts{
		Strict:            true,
		KubernetesVersion: KubernetesVersion,
		SkipKinds: map[string]struct{}{
			"kustomize.config.k8s.io/v1beta1/Kustomization": {},
			"kustomize.config.k8s.io/v1alpha1/Component":    {},
		},
	})
	if err != nil {
		t.Fatalf("kubeconform: %v", err)
	}
	return v
}

// checkedGroups are the API groups whose kinds must have a schema here,
// beside Kubernetes' own: a missing schema for them is a failure, never
// ignored.
var checkedGroups = []string{".toolkit.fluxcd.io", "external-secrets.io", "gateway.networking.k8s.io"}

// MayLackSchema tells whether a kind may have no schema here: only kinds
// that are neither Kubernetes', Flux's, External Secrets' nor Gateway
// API's (Cilium,
// cert-manager, the Flux Operator's FluxInstance, ...).
func MayLackSchema(apiVersion string) bool {
	group, _, found := strings.Cut(apiVersion, "/")
	if !found || check.BuiltinGroup(group) {
		return false // core, apps, batch, rbac.authorization.k8s.io, ...
	}
	return !slices.ContainsFunc(checkedGroups, func(g string) bool { return strings.HasSuffix(group, g) })
}

// Validate checks one file; it returns how many objects passed and what is
// wrong with the others.
func Validate(v validator.Validator, p, data string) (int, []string) {
	n := 0
	var problems []string
	for _, r := range v.Validate(p, io.NopCloser(strings.NewReader(data))) {
		sig, _ := r.Resource.Signature()
		what := p
		if sig != nil {
			what = p + ": " + sig.Kind + " " + sig.Name
		}
		switch r.Status {
		case validator.Valid:
			n++
		case validator.Skipped, validator.Empty:
		case validator.Invalid:
			for _, e := range r.ValidationErrors {
				problems = append(problems, what+": "+e.Path+": "+e.Msg)
			}
		default:
			if sig != nil && MayLackSchema(sig.Version) && strings.Contains(r.Err.Error(), "could not find schema") {
				continue
			}
			problems = append(problems, what+": "+r.Err.Error())
		}
	}
	return n, problems
}

// ValidateDir validates every .yaml file under dir but SOPS-encrypted ones
// (their top-level sops: key is no Kubernetes field; check them decrypted)
// and those skip names (slash paths relative to dir, or their directory).
// It returns how many objects passed and every problem.
func ValidateDir(t testing.TB, v validator.Validator, dir string, skip ...string) (int, []string) {
	t.Helper()
	n := 0
	var problems []string
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if slices.Contains(skip, rel) {
			if e.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if e.IsDir() || !strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".sops.yaml") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		ok, ps := Validate(v, rel, string(b))
		n += ok
		problems = append(problems, ps...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n, problems
}

// SharedDir finds shared/ (the seeds, fixtures and upstream sources) beside
// the checkout: beside the module root, or, in a Git worktree, beside the
// main working tree. It returns "" when there is none.
func SharedDir(t testing.TB) string {
	t.Helper()
	root := ModuleRoot(t)
	candidates := []string{filepath.Join(root, "..", "shared")}
	if out, err := exec.Command("git", "-C", root, "rev-parse", "--path-format=absolute", "--git-common-dir").Output(); err == nil {
		common := strings.TrimSpace(string(out))
		candidates = append(candidates, filepath.Join(filepath.Dir(common), "..", "shared"))
	}
	for _, c := range candidates {
		if fi, err := os.Stat(c); err == nil && fi.IsDir() {
			return c
		}
	}
	return ""
}
