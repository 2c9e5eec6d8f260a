package flux

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/hogen-dev/hogen/compiler/importer"
)

// repo is the input: a home-ops repository or its kubernetes/ tree, read
// through an fs.FS. Flux paths are relative to the repository root
// ("./kubernetes/apps/default/echo/app"); fsPath turns them into paths of
// the FS.
type repo struct {
	fsys fs.FS
	// display is the input directory as the user gave it, for messages.
	display string
	// k8s is the kubernetes/ tree's directory in the FS: "kubernetes" or ".".
	k8s string
	// tree is the kubernetes/ tree's path in the repository.
	tree string
	ws   *importer.Warnings
	docs map[string][]*importer.Doc
	// mem is an in-memory copy of the tree for kustomize, made when needed.
	mem filesys.FileSystem
}

// openRepo finds the kubernetes/ tree in fsys: fsys itself (apps/ and
// flux/ at its root) or its kubernetes/ directory.
func openRepo(fsys fs.FS, display string, ws *importer.Warnings) (*repo, error) {
	r := &repo{fsys: fsys, display: display, ws: ws, docs: map[string][]*importer.Doc{}, tree: "kubernetes"}
	switch {
	case isDir(fsys, "kubernetes/apps"):
		r.k8s = "kubernetes"
	case isDir(fsys, "apps"):
		r.k8s = "."
	default:
		return nil, fmt.Errorf("%s holds neither kubernetes/apps nor apps/: give the root of a home-ops repository or its kubernetes/ directory", display)
	}
	return r, nil
}

func isDir(fsys fs.FS, p string) bool {
	st, err := fs.Stat(fsys, p)
	return err == nil && st.IsDir()
}

// at is the FS path of p, a path under the kubernetes/ tree ("apps/x").
func (r *repo) at(p string) string { return path.Join(r.k8s, p) }

// rel is the path of FS path p under the kubernetes/ tree.
func (r *repo) rel(p string) string {
	if r.k8s == "." {
		return p
	}
	return strings.TrimPrefix(strings.TrimPrefix(p, r.k8s), "/")
}

// fsPath is the FS path of a Flux path (relative to the repository root),
// or false when it is outside the kubernetes/ tree.
func (r *repo) fsPath(fluxPath string) (string, bool) {
	p := path.Clean(strings.TrimPrefix(fluxPath, "./"))
	if p == r.tree {
		return r.k8s, true
	}
	rest, ok := strings.CutPrefix(p, r.tree+"/")
	if !ok {
		return "", false
	}
	return r.at(rest), true
}

// name is FS path p as the user knows it, for messages.
func (r *repo) name(p string) string { return path.Join(r.display, p) }

// read returns the file at FS path p; false when there is none.
func (r *repo) read(p string) ([]byte, bool, error) {
	b, err := fs.ReadFile(r.fsys, p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("reading %s: %w", r.name(p), err)
	}
	return b, true, nil
}

// parse returns the YAML documents of the file at FS path p, parsed once.
func (r *repo) parse(p string) ([]*importer.Doc, error) {
	if d, ok := r.docs[p]; ok {
		return d, nil
	}
	b, ok, err := r.read(p)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("%s: no such file", r.name(p))
	}
	docs, err := importer.ParseDocs(r.name(p), b, r.ws)
	if err != nil {
		return nil, err
	}
	r.docs[p] = docs
	return docs, nil
}

// kustomizationFile is the kustomization file of FS directory dir, or ""
// when it has none (kustomize's three names, in kustomize's order).
func (r *repo) kustomizationFile(dir string) string {
	for _, n := range []string{"kustomization.yaml", "kustomization.yml", "Kustomization"} {
		if st, err := fs.Stat(r.fsys, path.Join(dir, n)); err == nil && !st.IsDir() {
			return path.Join(dir, n)
		}
	}
	return ""
}
