package flux

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"
	"sync"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resmap"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/hogen-dev/hogen/compiler/importer"
)

// built is what kustomize builds from FS directory dir, whose
// kustomization file uses fields hogen has no form for (un): every object
// is kept as a manifest, and the fields are warned about where they are.
func (rd *reader) built(dir string, un errUnmapped) (*content, error) {
	docs, err := rd.r.parse(un.file)
	if err != nil {
		return nil, err
	}
	k, err := importer.DocObj(docs[0])
	if err != nil {
		return nil, err
	}
	k.At(rd.at)
	for _, key := range un.keys {
		k.Warn(key, "hogen has no form for it: the directory %s is kept as kustomize builds it, each object a manifest (check them, or rewrite them as hogen fields)", rd.r.rel(dir))
	}
	k.Drop()
	out, err := rd.r.kustomize(dir)
	if err != nil {
		return nil, err
	}
	built, err := importer.ParseDocs(fmt.Sprintf("%s (as kustomize builds it)", rd.r.name(dir)), out, rd.r.ws)
	if err != nil {
		return nil, err
	}
	c := &content{}
	for i, d := range built {
		o := &object{doc: d, node: d.Root, file: dir, rel: strings.TrimPrefix(strings.TrimPrefix(dir, rd.base), "/"), multi: len(built) > 1}
		if err := d.Root.Decode(&o.head); err != nil {
			return nil, fmt.Errorf("%s: object %d: %v", d.File, i, err)
		}
		c.objects = append(c.objects, o)
	}
	return c, nil
}

// kustomize builds FS directory dir as Flux does (no load restrictions,
// no plugins), over an in-memory copy of the kubernetes/ tree.
func (r *repo) kustomize(dir string) ([]byte, error) {
	if r.mem == nil {
		mem := filesys.MakeFsInMemory()
		err := fs.WalkDir(r.fsys, r.k8s, func(p string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return err
			}
			b, err := fs.ReadFile(r.fsys, p)
			if err != nil {
				return err
			}
			return mem.WriteFile(path.Join("/", p), b)
		})
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", r.display, err)
		}
		r.mem = mem
	}
	opts := krusty.MakeDefaultOptions()
	opts.LoadRestrictions = types.LoadRestrictionsNone
	opts.PluginConfig = types.DisabledPluginConfig()
	var res resmap.ResMap
	err := quietStderr(func() (err error) {
		res, err = krusty.MakeKustomizer(opts).Run(r.mem, path.Join("/", dir))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("building %s with kustomize: %w", r.name(dir), err)
	}
	return res.AsYaml()
}

var stderrMu sync.Mutex

// quietStderr runs f with os.Stderr discarded: kustomize prints its notes
// on deprecated fields there, a banner in hogen's output (the import warns
// about the fields hogen cannot carry itself, with their positions).
func quietStderr(f func() error) error {
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return f()
	}
	defer null.Close()
	stderrMu.Lock()
	defer stderrMu.Unlock()
	saved := os.Stderr
	os.Stderr = null
	defer func() { os.Stderr = saved }()
	return f()
}
