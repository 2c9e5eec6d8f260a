package cli

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// TestReleaseStampsVersion checks that the -X flag the release workflow
// and Taskfile link with names this package's version variable, and that
// the variable is what `hogen version` prints. (A stamped build itself is
// too slow for the suite: see the README's release notes.)
func TestReleaseStampsVersion(t *testing.T) {
	pkg := reflect.TypeFor[Env]().PkgPath()
	x := regexp.MustCompile(`-X ([^ "=]+)\.([A-Za-z_]+)=`)
	for _, f := range []string{"../../../../.github/workflows/release.yaml", "../../../../Taskfile.yml"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m := x.FindStringSubmatch(string(b))
		if m == nil {
			t.Errorf("%s: no -X flag stamps the version", f)
			continue
		}
		if m[1] != pkg || m[2] != "version" {
			t.Errorf("%s stamps %s.%s, want %s.version", f, m[1], m[2], pkg)
		}
	}
	old := version
	t.Cleanup(func() { version = old })
	version = "v1.2.3"
	code, out := runEnv(t, nil, "version")
	if code != ExitOK || !strings.HasPrefix(out, "hogen v1.2.3 (go") {
		t.Errorf("hogen version = %d %q, want it to print the stamped v1.2.3", code, out)
	}
}
