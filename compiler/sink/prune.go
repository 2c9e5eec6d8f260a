package sink

import (
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hogen-dev/hogen/compiler/diag"
)

// stale plans the pruning of files the manifest lists that are no longer
// generated. The manifest is only a claim: a listed file is pruned when it
// lies under the output roots, is no input, is reached through no link and
// still holds the bytes recorded for it. Any other is refused, with its
// place in the manifest, and nothing at all is pruned.
func (p *Plan) stale(t *tree, own owned, items []item) error {
	now := map[string]bool{}
	for _, it := range items {
		now[it.f.Path] = true
	}
	name := filepath.Join(t.dir, ManifestName)
	var refused diag.Diagnostics
	refuse := func(path, why, fix string) {
		refused = append(refused, diag.Diagnostic{Pos: offsetPos(name, p.oldManifest, entryOffset(p.oldManifest, path)),
			Path: "files", Msg: fmt.Sprintf("not pruning %s: %s", path, why), Fix: fix})
	}
	for _, path := range slices.Sorted(maps.Keys(own.hashes)) {
		if now[path] {
			continue
		}
		old, _, err := t.read(path)
		switch {
		case errors.Is(err, errSymlink):
			refuse(path, err.Error(), "replace the link with the directory it stands for, or remove the entry from "+ManifestName)
			continue
		case err != nil:
			refuse(path, err.Error(), "move it away, or remove the entry from "+ManifestName)
			continue
		case old == nil:
			continue // gone already: nothing to prune, and it leaves the manifest
		}
		why, fix := p.pruneRefusal(path, old, own.hashes[path])
		if why != "" {
			refuse(path, why, fix)
			continue
		}
		p.Prunes = append(p.Prunes, Change{Path: path, Old: old, Secret: strings.HasSuffix(path, ".sops.yaml") || Sealed(old)})
	}
	if len(refused) > 0 {
		return refused
	}
	return nil
}

// keepFix is the way out for a listed file that must not be pruned.
const keepFix = "if it should go, delete it yourself; to keep it, remove its entry from " + ManifestName +
	" (if the manifest was edited or merged by hand, restore it from Git)"

// pruneRefusal says why the listed file path, holding old, must stay.
func (p *Plan) pruneRefusal(path string, old []byte, recorded string) (why, fix string) {
	switch {
	case p.scope.protected(path, old) != "":
		return "it " + p.scope.protected(path, old) + ", and hogen never deletes one",
			"remove its entry from " + ManifestName + ", or restore the manifest from Git"
	case !p.scope.inRoots(path):
		return "it is outside every emitter's output roots (" + strings.Join(p.scope.Roots, ", ") + ")", keepFix
	case recorded == "":
		return "the manifest records no hash of it, so hogen cannot tell that it holds what hogen wrote", keepFix
	case recorded != fileHash(old):
		return "it changed since hogen wrote it", keepFix
	}
	return "", ""
}
