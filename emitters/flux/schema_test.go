package flux

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/fluxcd/pkg/envsubst"
	"github.com/yannh/kubeconform/pkg/validator"

	"github.com/hogen-dev/hogen/compiler"
	"github.com/hogen-dev/hogen/compiler/model"
	"github.com/hogen-dev/hogen/internal/testschemas"
)

// moduleRoot is found from go.mod, so tests do not depend on the package's
// depth.
func moduleRoot(t *testing.T) string { return testschemas.ModuleRoot(t) }

// newValidator checks strictly against the Flux CRDs and Kubernetes
// v1.33.13, with the schemas in the repository's testdata/schemas.
func newValidator(t *testing.T) validator.Validator { return testschemas.NewValidator(t) }

// validate checks one file; it returns how many objects passed and what is
// wrong with the others.
//
// A Component's objects are checked as Flux applies them: with an app's
// variables substituted (APP, and defaults for the rest).
func validate(v validator.Validator, p, data string) (int, []string) {
	if strings.HasPrefix(p, ComponentsDir+"/") {
		out, err := envsubst.Eval(data, func(name string) (string, bool) {
			if name == "APP" {
				return "example", true
			}
			return "", true
		})
		if err != nil {
			return 0, []string{p + ": " + err.Error()}
		}
		data = out
	}
	return testschemas.Validate(v, p, data)
}

// TestSchemas validates every object of every golden case. Secret files are
// checked in plaintext, which is what Emit returns.
func TestSchemas(t *testing.T) {
	v := newValidator(t)
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			checked := 0
			for p, data := range emitTree(t, tc.model(t)) {
				if strings.HasPrefix(p, "bootstrap/") || strings.Contains(p, "/resources/") {
					continue // helmfile's format, ConfigMap contents: not Kubernetes objects
				}
				n, problems := validate(v, p, data)
				checked += n
				for _, pr := range problems {
					t.Error(pr)
				}
			}
			if checked < 10 {
				t.Errorf("validated %d objects; every case has more", checked)
			}
		})
	}
}

// TestExampleSchemas validates what the flux and namespaces emitters make
// of every example, loaded by the compiler as `hogen build` does.
func TestExampleSchemas(t *testing.T) {
	v := newValidator(t)
	dirs, _ := filepath.Glob(filepath.Join(moduleRoot(t), "examples", "*", "cluster.cue"))
	if len(dirs) < 2 {
		t.Fatalf("found %d examples, want homelab and home-ops", len(dirs))
	}
	for _, c := range dirs {
		dir := filepath.Dir(c)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			d, _, err := compiler.Load(t.Context(), compiler.Options{Dir: dir})
			if err != nil {
				t.Fatalf("loading %s: %v", dir, err)
			}
			checked := 0
			for p, data := range emitTree(t, d) {
				if strings.HasPrefix(p, "bootstrap/") || strings.Contains(p, "/resources/") {
					continue
				}
				n, problems := validate(v, p, withSettings(t, d, p, data))
				checked += n
				for _, pr := range problems {
					t.Error(pr)
				}
			}
			if checked < len(d.Apps)*3 {
				t.Errorf("validated %d objects for %d apps; want at least 3 each", checked, len(d.Apps))
			}
		})
	}
}

// withSettings is data as Flux applies it: the cluster settings
// substituted (a Gateway's hostname "*.${DOMAIN}" is checked as
// "*.example.com"), a Component's variables left to validate.
func withSettings(t *testing.T, d *model.Description, p, data string) string {
	t.Helper()
	if strings.HasPrefix(p, ComponentsDir+"/") {
		return data // validate fills a Component's variables
	}
	out, err := envsubst.Eval(data, func(name string) (string, bool) {
		if v, ok := d.Cluster.Substitutions.Settings[name]; ok {
			return v, true
		}
		return "${" + name + "}", true // the app's own: kept as written
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestSchemasCatch makes sure the validation above can fail: strict mode
// rejects unknown fields, and Flux or core kinds need a schema.
func TestSchemasCatch(t *testing.T) {
	v := newValidator(t)
	tests := []struct {
		name, data, want string
	}{
		{"unknown HelmRelease field", "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: x}\nspec: {interval: 1h, bogus: 1}\n", "bogus"},
		{"unknown Secret field", "apiVersion: v1\nkind: Secret\nmetadata: {name: x}\nstringdata: {a: b}\n", "stringdata"},
		{"Flux kind without schema", "apiVersion: helm.toolkit.fluxcd.io/v9\nkind: HelmRelease\nmetadata: {name: x}\n", "could not find schema"},
		{"core kind without schema", "apiVersion: v1\nkind: Bogus\nmetadata: {name: x}\n", "could not find schema"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, problems := validate(v, "x.yaml", tc.data)
			if !strings.Contains(strings.Join(problems, "\n"), tc.want) {
				t.Errorf("problems = %q, want one mentioning %q", problems, tc.want)
			}
		})
	}
	if n, problems := validate(v, "x.yaml", "apiVersion: cilium.io/v2alpha1\nkind: CiliumLoadBalancerIPPool\nmetadata: {name: x}\n"); n != 0 || len(problems) != 0 {
		t.Errorf("a Cilium kind without schema: %d valid, problems %q; want it ignored", n, problems)
	}
}
