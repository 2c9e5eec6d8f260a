// Package schema embeds hogen's CUE schema: the definitions a cluster
// description is unified with before anything else looks at it.
package schema

import (
	"embed"
	"io/fs"
	"sort"
)

// Files holds the schema sources. They form one CUE package, "hogen", whose
// root definition is #Description.
//
//go:embed *.cue
var Files embed.FS

// Root is the definition a whole description is unified with.
const Root = "#Description"

// Sources returns the schema files in a fixed order, name first, so that
// `hogen schema` and the compiler see the same bytes every time.
func Sources() ([]Source, error) {
	names, err := fs.Glob(Files, "*.cue")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	out := make([]Source, 0, len(names))
	for _, n := range names {
		b, err := Files.ReadFile(n)
		if err != nil {
			return nil, err
		}
		out = append(out, Source{Name: n, Data: b})
	}
	return out, nil
}

// Source is one schema file.
type Source struct {
	Name string
	Data []byte
}
