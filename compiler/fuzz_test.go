package compiler

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/hogen-dev/hogen/compiler/check"
)

// FuzzLoad feeds arbitrary bytes as nodes.cue beside a valid cluster.cue:
// the loader must never panic, and whatever it accepts must have only
// names that are safe as paths.
func FuzzLoad(f *testing.F) {
	base, err := txtar.ParseFile(filepath.Join("..", "testdata", "bad", "base.txtar"))
	if err != nil {
		f.Fatal(err)
	}
	files := map[string][]byte{}
	for _, file := range base.Files {
		files[file.Name] = file.Data
		f.Add(file.Data)
	}
	cases, _ := filepath.Glob(filepath.Join("..", "testdata", "bad", "*.txtar"))
	for _, c := range cases {
		if ar, err := txtar.ParseFile(c); err == nil {
			for _, file := range ar.Files {
				f.Add(file.Data)
			}
		}
	}
	if b, err := os.ReadFile(filepath.Join("..", "examples", "homelab", "nodes.cue")); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		in := map[string][]byte{"cluster.cue": files["cluster.cue"], "apps.cue": files["apps.cue"], "nodes.cue": src}
		d, _, err := LoadFiles(context.Background(), Options{Dir: "."}, in)
		if err != nil {
			return
		}
		for _, n := range d.Nodes {
			if !check.DNS1123.MatchString(n.Name) || len(n.Name) > 63 {
				t.Fatalf("accepted node name %q", n.Name)
			}
		}
	})
}
