package flux

import (
	"flag"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hogen-dev/hogen/compiler/importer"
	"github.com/hogen-dev/hogen/compiler/importer/importertest"
	"github.com/hogen-dev/hogen/compiler/internal/testdesc"
)

var update = flag.Bool("update", false, "rewrite testdata/*/want")

// homeopsDir is a small home-ops tree written for these tests, so they
// run on a clone without shared/: what onedr0p's tree has (OCI and Helm
// repositories, Components, generated ConfigMaps, SOPS Secrets) and what
// it lacks: cluster-meta's cluster-settings and cluster-secrets, a
// HelmRepository shared from flux/meta, a GitRepository chart, a Secret no
// key here opens, and fields hogen has no form for (namePrefix,
// commonLabels, a release's kubeConfig), which must be warned about.
var homeopsDir = filepath.Join("testdata", "homeops")

// homeopsEnv gives the tests' test-only age key, which opens the tree's
// SOPS files but one, and no key of the user's (their default key file is
// elsewhere), so warnings are the same on every machine.
func homeopsEnv(k string) string {
	switch k {
	case "SOPS_AGE_KEY":
		return testdesc.TestKey
	case "HOME", "XDG_CONFIG_HOME":
		return "/nonexistent"
	}
	return ""
}

// TestHomeops imports the small tree: the files and warnings are
// testdata/homeops/want's (rerun with -update), the description vets
// (importInto) and builds, and importing the built tree gives back the
// same description.
func TestHomeops(t *testing.T) {
	opts := importer.Options{Getenv: homeopsEnv}
	repo := os.DirFS(filepath.Join(homeopsDir, "repo"))
	r, err := Import(Input{Dir: "repo", FS: repo}, opts)
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	importertest.Golden(t, homeopsDir, r, *update)
	// The decrypted values are searched for in the files written.
	for _, v := range []string{"test-only-echo-token-3f9a1c", "hidden-test-only.example.org"} {
		if !slices.Contains(slices.Collect(maps.Values(r.Secrets)), v) {
			t.Errorf("the leak guard is not given the decrypted value %q", v)
		}
	}
	cluster := filepath.Join(homeopsDir, "cluster.cue")
	dir := importInto(t, repo, "repo", cluster, opts)
	built := buildTree(t, dir, homeopsEnv)
	again := importInto(t, built, "built", cluster, opts)
	if diff := cmp.Diff(descriptionOf(t, dir), descriptionOf(t, again)); diff != "" {
		t.Errorf("importing the built tree gives another description (-first +second):\n%s", diff)
	}
}
