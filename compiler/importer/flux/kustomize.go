package flux

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
	"sigs.k8s.io/kustomize/api/types"

	"github.com/hogen-dev/hogen/compiler/importer"
)

// object is one Kubernetes object of the tree.
type object struct {
	doc  *importer.Doc
	node *yaml.Node
	// file is the FS path of its file; rel that path relative to the
	// directory whose content it is, for the manifest's name.
	file, rel string
	// multi is set when its file holds several objects.
	multi bool
	head  objectHead
}

// objectHead is what identifies an object.
type objectHead struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name        string            `yaml:"name"`
		Namespace   string            `yaml:"namespace"`
		Labels      map[string]string `yaml:"labels"`
		Annotations map[string]string `yaml:"annotations"`
	} `yaml:"metadata"`
	SOPS *yaml.Node `yaml:"sops"`
}

func (o *object) group() string {
	if g, _, ok := strings.Cut(o.head.APIVersion, "/"); ok {
		return g
	}
	return ""
}

func (o *object) is(group, kind string) bool { return o.group() == group && o.head.Kind == kind }

// where is the object's position, for warnings.
func (o *object) where() string {
	line, col := o.doc.Pos(o.node)
	return fmt.Sprintf("%s:%d:%d", o.doc.File, line, col)
}

// content is what a kustomize directory applies, with the directories it
// lists flattened into it: objects, ConfigMap generators, Components,
// patches.
type content struct {
	objects    []*object
	generators []*generator
	// components are FS paths, in order.
	components []string
	patches    []patchAt
	// namespace is the top kustomization's namespace field.
	namespace string
}

// patchAt is a kustomize patch as written, with where it was.
type patchAt struct {
	doc  *importer.Doc
	node *yaml.Node
}

// generator is a configMapGenerator entry, its options merged with the
// kustomization's generatorOptions as kustomize merges them.
type generator struct {
	doc     *importer.Doc
	node    *yaml.Node
	dir     string
	args    types.ConfigMapArgs
	options *types.GeneratorOptions
}

// reader reads kustomize directories for one Flux Kustomization or
// Component; at is where its TODO comments go.
type reader struct {
	r  *repo
	at string
	// base is the directory the content is named relative to.
	base string
	// overridden is set when a targetNamespace replaces every namespace
	// the directories set.
	overridden bool
	seen       map[string]bool
}

// keys of a kustomization file the reader maps; nested directories take
// only the first group.
var (
	nestedKeys = []string{"apiVersion", "kind", "resources", "configMapGenerator", "generatorOptions"}
	topKeys    = []string{"components", "patches", "namespace"}
)

// read returns what FS directory dir applies: its kustomization file's,
// or, without one, every YAML file under it as Flux generates it.
func (rd *reader) read(dir string, top bool) (*content, error) {
	if rd.seen[dir] {
		return nil, fmt.Errorf("%s is listed twice (or lists itself)", rd.r.name(dir))
	}
	rd.seen[dir] = true
	kfile := rd.r.kustomizationFile(dir)
	if kfile == "" {
		return rd.generated(dir)
	}
	docs, err := rd.r.parse(kfile)
	if err != nil {
		return nil, err
	}
	if len(docs) != 1 {
		return nil, fmt.Errorf("%s: want one kustomization document, have %d", rd.r.name(kfile), len(docs))
	}
	k, err := importer.DocObj(docs[0])
	if err != nil {
		return nil, err
	}
	k.At(rd.at)
	if unmapped := unmappedKeys(k, top, rd.overridden); len(unmapped) > 0 {
		return nil, errUnmapped{file: kfile, keys: unmapped}
	}
	c := &content{}
	if err := rd.resources(c, k, dir); err != nil {
		return nil, err
	}
	if err := rd.generatorsOf(c, k, dir); err != nil {
		return nil, err
	}
	if top {
		if err := rd.topFields(c, k, dir); err != nil {
			return nil, err
		}
	} else {
		k.Raw("namespace") // replaced by the targetNamespace (unmappedKeys made sure)
	}
	k.Raw("apiVersion")
	k.Raw("kind")
	k.Done()
	return c, nil
}

// errUnmapped is a kustomization file that uses what hogen has no form
// for: its directory is kept as kustomize builds it.
type errUnmapped struct {
	file string
	keys []string
}

func (e errUnmapped) Error() string {
	return fmt.Sprintf("%s uses %s", e.file, strings.Join(e.keys, ", "))
}

// unmappedKeys are the keys of kustomization k the reader cannot flatten.
func unmappedKeys(k *importer.Obj, top, overridden bool) []string {
	var out []string
	for _, key := range k.Keys() {
		switch {
		case slices.Contains(nestedKeys, key):
		case top && slices.Contains(topKeys, key):
		case key == "namespace" && overridden:
		default:
			out = append(out, key)
		}
	}
	return out
}

func (rd *reader) resources(c *content, k *importer.Obj, dir string) error {
	n := k.Raw("resources")
	if n == nil {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		return fmt.Errorf("%s: resources: want a list", k.File())
	}
	for _, e := range n.Content {
		res := e.Value
		if strings.Contains(res, "://") || strings.HasPrefix(res, "github.com/") || strings.HasPrefix(res, "git@") {
			k.Doc().Warn(e, "resources", rd.at, "%s is a remote resource: not imported, hogen applies only what the description holds; add its objects as manifests, or a chart", res)
			continue
		}
		p := path.Join(dir, res)
		if isDir(rd.r.fsys, p) {
			sub, err := rd.nested(p)
			if err != nil {
				return err
			}
			c.merge(sub)
			continue
		}
		objs, err := rd.objects(p)
		if err != nil {
			return err
		}
		c.objects = append(c.objects, objs...)
	}
	return nil
}

// nested reads a directory a kustomization lists. One that uses what
// hogen has no form for is kept as kustomize builds it: its objects,
// each a manifest, with a warning.
func (rd *reader) nested(dir string) (*content, error) {
	c, err := rd.read(dir, false)
	var un errUnmapped
	if !errors.As(err, &un) {
		return c, err
	}
	return rd.built(dir, un)
}

func (c *content) merge(o *content) {
	c.objects = append(c.objects, o.objects...)
	c.generators = append(c.generators, o.generators...)
}

// objects are the objects of the file at FS path p.
func (rd *reader) objects(p string) ([]*object, error) {
	docs, err := rd.r.parse(p)
	if err != nil {
		return nil, err
	}
	var out []*object
	for _, d := range docs {
		if d.Root.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("%s:%d: want a Kubernetes object", d.File, d.Root.Line)
		}
		o := &object{doc: d, node: d.Root, file: p, rel: strings.TrimPrefix(strings.TrimPrefix(p, rd.base), "/"), multi: len(docs) > 1}
		if err := d.Root.Decode(&o.head); err != nil {
			return nil, fmt.Errorf("%s:%d: %v", d.File, d.Root.Line, err)
		}
		if o.head.Kind == "" || o.head.APIVersion == "" {
			return nil, fmt.Errorf("%s:%d: an object needs apiVersion and kind", d.File, d.Root.Line)
		}
		out = append(out, o)
	}
	return out, nil
}

// generated is what Flux applies from a directory without a kustomization
// file: every .yaml and .yml file under it, and each directory below that
// has one.
func (rd *reader) generated(dir string) (*content, error) {
	c := &content{}
	entries, err := fs.ReadDir(rd.r.fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", rd.r.name(dir), err)
	}
	for _, e := range entries {
		p := path.Join(dir, e.Name())
		switch {
		case e.IsDir():
			sub, err := rd.nested(p)
			if err != nil {
				return nil, err
			}
			c.merge(sub)
		case strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml"):
			objs, err := rd.objects(p)
			if err != nil {
				return nil, err
			}
			c.objects = append(c.objects, objs...)
		}
	}
	return c, nil
}

func (rd *reader) generatorsOf(c *content, k *importer.Obj, dir string) error {
	var global *types.GeneratorOptions
	if n := k.Raw("generatorOptions"); n != nil {
		global = &types.GeneratorOptions{}
		if err := n.Decode(global); err != nil {
			return fmt.Errorf("%s: generatorOptions: %v", k.File(), err)
		}
	}
	n := k.Raw("configMapGenerator")
	if n == nil {
		return nil
	}
	for _, e := range n.Content {
		g := &generator{doc: k.Doc(), node: e, dir: dir}
		if err := e.Decode(&g.args); err != nil {
			return fmt.Errorf("%s:%d: configMapGenerator: %v", k.File(), e.Line, err)
		}
		g.options = types.MergeGlobalOptionsIntoLocal(g.args.Options, global)
		c.generators = append(c.generators, g)
	}
	return nil
}

func (rd *reader) topFields(c *content, k *importer.Obj, dir string) error {
	if n := k.Raw("components"); n != nil {
		for _, e := range n.Content {
			c.components = append(c.components, path.Join(dir, e.Value))
		}
	}
	if n := k.Raw("patches"); n != nil {
		for _, e := range n.Content {
			c.patches = append(c.patches, patchAt{doc: k.Doc(), node: e})
		}
	}
	if n := k.Raw("namespace"); n != nil {
		c.namespace = n.Value
	}
	return nil
}
