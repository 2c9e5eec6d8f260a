package jsonnet

import (
	"fmt"
	"path"
	"strings"

	gojsonnet "github.com/google/go-jsonnet"
)

// importer serves Jsonnet files from the map the compiler read, so emitters
// never touch the disk. Paths are slash paths relative to the description
// directory; an import is relative to the importing file and may not leave
// that directory.
type importer struct {
	files map[string]gojsonnet.Contents
	raw   map[string][]byte
}

func newImporter(src map[string][]byte) *importer {
	imp := &importer{files: make(map[string]gojsonnet.Contents, len(src)), raw: src}
	for p, b := range src {
		// One Contents per file: go-jsonnet requires the same buffer for
		// the same path on every import.
		imp.files[p] = gojsonnet.MakeContentsRaw(b)
	}
	return imp
}

// Import implements gojsonnet.Importer.
func (imp *importer) Import(importedFrom, importedPath string) (gojsonnet.Contents, string, error) {
	if strings.HasPrefix(importedPath, "/") || strings.Contains(importedPath, `\`) {
		return gojsonnet.Contents{}, "", fmt.Errorf("import %q: imports are relative slash paths inside the description directory", importedPath)
	}
	p := path.Clean(importedPath)
	if importedFrom != "" {
		p = path.Join(path.Dir(importedFrom), importedPath)
	}
	if p == ".." || strings.HasPrefix(p, "../") {
		return gojsonnet.Contents{}, "", fmt.Errorf("import %q from %s leaves the description directory", importedPath, importedFrom)
	}
	c, ok := imp.files[p]
	if !ok {
		return gojsonnet.Contents{}, "", fmt.Errorf("import %q: no file %s in the description directory (hogen reads the .jsonnet and .libsonnet files there)", importedPath, p)
	}
	if err := utf8Error(p, imp.raw[p]); err != nil {
		return gojsonnet.Contents{}, "", err
	}
	return c, p, nil
}
