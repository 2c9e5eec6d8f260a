package main

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/hogen-dev/hogen/cmd/hogen/internal/cli"
	"github.com/hogen-dev/hogen/internal/exampletest"
)

var update = flag.Bool("update", false, "rewrite the golden sections of testdata/script/*.txtar")

// TestMain maps the hogen command onto this test binary, so scripts run
// the real CLI without building it separately.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"hogen": func() { os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) },
	})
}

// TestScripts runs testdata/script/*.txtar. With -update, failing cmp
// comparisons rewrite the expected files inside the archives.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:           "testdata/script",
		UpdateScripts: *update,
		Setup: func(env *testscript.Env) error {
			// No developer's age key may leak into a test.
			env.Setenv("HOME", env.WorkDir)
			env.Setenv("XDG_CONFIG_HOME", env.WorkDir+"/.config")
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){"homeops": copyHomeops, "untrace": untrace},
	})
}

// copyHomeops is the script command `homeops DIR`: it copies the flux
// importer's small home-ops tree (its repo/ and the import's golden) to DIR,
// so scripts import the tree the importer's golden test reads.
func copyHomeops(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: homeops DIR")
	}
	src := filepath.Join("..", "..", "compiler", "importer", "flux", "testdata", "homeops")
	err := os.CopyFS(ts.MkAbs(args[0]), os.DirFS(src))
	ts.Check(err)
}

// untrace is the script command `untrace MANIFEST OUT`: the manifest
// without its units and build trace (last in the file), whose keys and
// hogen identity change with every build of hogen, for a golden comparison
// of the rest.
func untrace(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: untrace MANIFEST OUT")
	}
	s := ts.ReadFile(args[0])
	i := strings.Index(s, ",\n  \"build\": {")
	if i < 0 {
		ts.Fatalf("%s has no build trace", args[0])
	}
	if u := strings.Index(s, ",\n  \"units\": {"); u >= 0 {
		i = u
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), []byte(s[:i]+"\n}\n"), 0o644))
}

// TestExamplesAreCurrent keeps the committed output of every example in
// step with its description: `hogen build --check` must find nothing, both
// with the example's test-only key (every secret file decrypted and
// compared) and with no key at all (secret files kept, the rest checked).
func TestExamplesAreCurrent(t *testing.T) {
	dirs, _ := filepath.Glob("../../examples/*/cluster.cue")
	if len(dirs) == 0 {
		t.Fatal("no examples found under examples/")
	}
	for _, c := range dirs {
		dir := filepath.Dir(c)
		key, _ := filepath.Abs(exampletest.KeyFile(dir))
		for _, mode := range []struct{ name, keyFile, wantStderr, wantStdout string }{
			{"with key", key, "", "up to date ("},
			// The Talos configs are checked by digest; the app secrets not.
			{"without key", "", "unverified: kept", "secret files checked by digest only, their secret values not; "},
		} {
			t.Run(filepath.Base(dir)+"/"+mode.name, func(t *testing.T) {
				t.Setenv("HOME", t.TempDir())
				t.Setenv("XDG_CONFIG_HOME", "")
				t.Setenv("SOPS_AGE_KEY", "")
				t.Setenv("SOPS_AGE_KEY_FILE", mode.keyFile)
				var stdout, stderr strings.Builder
				code := cli.Main([]string{"build", "--check", dir}, nil, &stdout, &stderr)
				if code != 0 {
					t.Fatalf("hogen build --check %s: exit %d\n%s%s\nrun: SOPS_AGE_KEY_FILE=%s go run ./cmd/hogen build %s", dir, code, stdout.String(), stderr.String(), key, dir)
				}
				if mode.wantStderr == "" && stderr.Len() > 0 || !strings.Contains(stderr.String(), mode.wantStderr) {
					t.Errorf("stderr = %q, want %q", stderr.String(), mode.wantStderr)
				}
				if !strings.Contains(stdout.String(), mode.wantStdout) {
					t.Errorf("stdout = %q, want %q", stdout.String(), mode.wantStdout)
				}
			})
		}
	}
}
