package compiler

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hogen-dev/hogen/compiler/internal/testdesc"
	"github.com/hogen-dev/hogen/compiler/secrets"
	"github.com/hogen-dev/hogen/compiler/sink"
	"github.com/hogen-dev/hogen/emitters/builtin"
	"github.com/hogen-dev/hogen/emitters/talos"
)

// built is what one build of a directory did.
type builtPlan struct {
	plan *sink.Plan
	res  *Result
}

// buildTree builds dir as `hogen build` does, with the age key in keyFile
// ("" for none): generate, plan against the tree, record the trace, write.
func buildTree(tb testing.TB, dir, keyFile string, write bool) builtPlan {
	tb.Helper()
	res, err := Generate(context.Background(), Options{Dir: dir, Getenv: keyEnv(keyFile)}, builtin.All())
	if err != nil {
		tb.Fatalf("building %s: %v", dir, err)
	}
	var sealer sink.Sealer
	if rs := res.Description.Cluster.SOPS.AgeRecipients; len(rs) > 0 {
		s, err := secrets.NewSealer(rs, res.Unlocked.Identities)
		if err != nil {
			tb.Fatal(err)
		}
		sealer = s
	}
	p, err := res.Plan(dir, sealer)
	if err != nil {
		tb.Fatalf("planning %s: %v", dir, err)
	}
	if write {
		l, err := sink.Acquire(dir, res.Scope)
		if err != nil {
			tb.Fatal(err)
		}
		defer l.Unlock()
		if err := p.Apply(context.Background()); err != nil {
			tb.Fatalf("writing %s: %v", dir, err)
		}
	}
	return builtPlan{plan: p, res: res}
}

// fresh is Fresh for a build of dir with the built-in emitters.
func fresh(dir string) bool {
	_, _, ok := Fresh(Options{Dir: dir}, builtin.All(), false)
	return ok
}

// copyTree copies the regular files under src to dst.
func copyTree(tb testing.TB, src, dst string) {
	tb.Helper()
	err := filepath.WalkDir(src, func(p string, e fs.DirEntry, err error) error {
		if err != nil || !e.Type().IsRegular() {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dst, rel)), 0o755); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		tb.Fatal(err)
	}
}

// readTree reads every regular file under dir, keyed by slash path.
func readTree(tb testing.TB, dir string) map[string][]byte {
	tb.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || !e.Type().IsRegular() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		b, err := os.ReadFile(p)
		out[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// exampleDirs are the committed examples, each with its test-only key.
func exampleDirs(tb testing.TB) []string {
	dirs, _ := filepath.Glob("../examples/*/cluster.cue")
	if len(dirs) == 0 {
		tb.Fatal("no examples found under examples/")
	}
	for i := range dirs {
		dirs[i] = filepath.Dir(dirs[i])
	}
	return dirs
}

// syntheticDir writes testdesc.Synthetic(nodes, apps) to a new directory
// with the test key's recipient, a Talos secrets bundle and client
// certificate, as `hogen secrets init` and `hogen talos init` leave it,
// and returns it with the key file.
func syntheticDir(tb testing.TB, nodes, apps int) (dir, keyFile string) {
	tb.Helper()
	dir = tb.TempDir()
	ids, err := secrets.ParseIdentities("test", testdesc.TestKey)
	if err != nil {
		tb.Fatal(err)
	}
	rs := ids.Recipients()
	for name, b := range testdesc.Synthetic(nodes, apps) {
		if name == "cluster.cue" {
			b = []byte(strings.Replace(string(b), "cluster: {", "cluster: {\n\tsops: ageRecipients: [\""+rs[0]+"\"]", 1))
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	bundle, err := talos.NewSecrets("v1.10.5")
	if err != nil {
		tb.Fatal(err)
	}
	client, err := talos.NewClientCert(bundle)
	if err != nil {
		tb.Fatal(err)
	}
	for name, plain := range map[string][]byte{talos.SecretsFile: bundle, talos.ClientFile: client} {
		enc, err := secrets.Encrypt(plain, rs, "")
		if err != nil {
			tb.Fatal(err)
		}
		os.MkdirAll(filepath.Join(dir, "talos"), 0o755)
		if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(name)), enc, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	keyFile = filepath.Join(dir, "test-only.agekey")
	if err := os.WriteFile(keyFile, []byte(testdesc.TestKey+"\n"), 0o600); err != nil {
		tb.Fatal(err)
	}
	return dir, keyFile
}

// keyEnv is an environment with only the age key file set.
func keyEnv(keyFile string) func(string) string {
	return func(k string) string {
		if k == "SOPS_AGE_KEY_FILE" {
			return keyFile
		}
		return ""
	}
}
