package importer

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"slices"

	"cuelang.org/go/cue/parser"

	"github.com/hogen-dev/hogen/compiler"
	"github.com/hogen-dev/hogen/compiler/load"
)

// Existing is what an import that adds files to a description needs of
// it.
type Existing struct {
	// Package is the CUE package of its files.
	Package string
	// AgeRecipients are its cluster.sops.ageRecipients, when the files
	// other than the import's load (nil otherwise: vet then reports why).
	AgeRecipients []string
}

// ReadExisting reads the description in dir but the files the import
// replaces (own, base names). A directory with no other .cue file is no
// description to add to.
func ReadExisting(ctx context.Context, dir string, own []string) (*Existing, error) {
	files, err := load.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	for _, n := range own {
		delete(files, n)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s holds no description to add to", dir)
	}
	first := slices.Sorted(maps.Keys(files))[0]
	f, err := parser.ParseFile(filepath.Join(dir, first), files[first], parser.PackageClauseOnly)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", filepath.Join(dir, first), err)
	}
	ex := &Existing{Package: f.PackageName()}
	if d, _, err := compiler.LoadFiles(ctx, compiler.Options{Dir: dir, AnySecret: true}, files); err == nil {
		ex.AgeRecipients = d.Cluster.SOPS.AgeRecipients
	}
	return ex, nil
}
