package compiler

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/hogen-dev/hogen/emitters/builtin"
	"github.com/hogen-dev/hogen/emitters/talos"
)

// TestInputChangedMidBuildPrunesNothing: a secret input that changes while
// a build evaluates (`hogen secrets set` in another shell, a checkout)
// makes the build record no trace and no units, but the units it keeps
// from the last build are still the tree's: their files must not be pruned
// as if no emitter made them.
func TestInputChangedMidBuildPrunesNothing(t *testing.T) {
	dir, key := syntheticDir(t, 3, 3)
	first := buildTree(t, dir, key, true)
	edit(t, filepath.Join(dir, "apps.cue"), `version: "1.2.0"`, `version: "1.2.1"`)
	// Unlock asks for the key after the first read of the inputs'
	// ciphertexts and before the last: the input changes right then.
	input := filepath.Join(dir, filepath.FromSlash(talos.SecretsFile))
	touched := false
	getenv := func(k string) string {
		if !touched {
			touched = true
			f, err := os.OpenFile(input, os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.WriteString("# changed while hogen builds\n"); err != nil {
				t.Fatal(err)
			}
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
		}
		return keyEnv(key)(k)
	}
	res, err := Generate(context.Background(), Options{Dir: dir, Getenv: getenv}, builtin.All())
	if err != nil {
		t.Fatal(err)
	}
	if !touched {
		t.Fatal("the build never asked for the key: the input did not change mid-build")
	}
	p, err := res.Plan(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Prunes) > 0 {
		var paths []string
		for _, c := range p.Prunes {
			paths = append(paths, c.Path)
		}
		t.Errorf("the build prunes %d of the %d files the last one made, which it kept: %v", len(p.Prunes), len(first.res.Files), paths)
	}
}
