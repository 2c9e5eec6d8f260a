package talhelper

import (
	"fmt"
	"regexp"
	"strings"

	"cuelang.org/go/cue/ast"
	"gopkg.in/yaml.v3"

	"github.com/hogen-dev/hogen/compiler/importer"
)

// credential matches file contents and environment entries that look like
// they hold a credential. Such a value is never written to a .cue file: a
// false match only costs a TODO, a missed one a secret in Git.
var credential = regexp.MustCompile(`(?i)(passw|passphrase|\bpass\b|secret|token|auth_?key|api[_-]?key|private[_-]?key|credential|bearer)`)

// documents maps node fields that talhelper turns into Talos config
// documents (userVolumes, volumes, ingressFirewall, extensionServices):
// each becomes the same document, as a patch of the node.
func (im *imp) documents(n *node) error {
	for _, f := range []struct{ key, kind string }{{"userVolumes", "UserVolumeConfig"}, {"volumes", "VolumeConfig"}} {
		if err := im.volumes(n, f.key, f.kind); err != nil {
			return err
		}
	}
	if err := im.firewall(n); err != nil {
		return err
	}
	return im.extensions(n)
}

// document is a Talos config document of kind with fields.
func document(kind string, fields func(*importer.Struct)) ast.Expr {
	var s importer.Struct
	s.Set("apiVersion", ast.NewString("v1alpha1"))
	s.Set("kind", ast.NewString(kind))
	fields(&s)
	return s.Expr()
}

// rest sets every key of o not in skip, as written.
func rest(s *importer.Struct, o *importer.Obj, skip ...string) error {
	for _, k := range o.Keys() {
		if contains(skip, k) {
			continue
		}
		e, err := o.Expr(k)
		if err != nil {
			return err
		}
		if e != nil {
			s.Set(k, e)
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, l := range list {
		if l == s {
			return true
		}
	}
	return false
}

// volumes maps userVolumes or volumes. A static passphrase key slot is a
// secret: its passphrase moves to secrets.sops.yaml, or, with no age
// recipient to encrypt it to, the slot is left out with a warning, the
// other slots kept.
func (im *imp) volumes(n *node, key, kind string) error {
	o, fromRole := n.src(key)
	list, err := o.Objs(key)
	if err != nil {
		return err
	}
	for _, v := range list {
		if len(im.c.AgeRecipients) == 0 {
			dropStaticKeys(v)
		}
		e := document(kind, func(s *importer.Struct) { err = rest(s, v) })
		if err != nil {
			return err
		}
		n.add(e, fromRole)
	}
	return nil
}

func dropStaticKeys(v *importer.Obj) {
	enc := v.Node()
	for _, k := range []string{"encryption", "keys"} {
		enc = child(enc, k)
	}
	if enc == nil || enc.Kind != yaml.SequenceNode {
		return
	}
	kept := enc.Content[:0]
	for i, slot := range enc.Content {
		if child(slot, "static") != nil {
			v.Doc().Warn(slot, fmt.Sprintf("%s.encryption.keys[%d]", v.Path(), i), v.Out(),
				"a static passphrase key slot: hogen never writes a passphrase in clear and has no age recipient to encrypt it to in secrets.sops.yaml (pass --age-recipient); not imported (the volume keeps its other key slots), add it by hand outside Git")
			continue
		}
		kept = append(kept, slot)
	}
	enc.Content = kept
}

// child is the value of key in mapping n, or nil.
func child(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// firewall maps ingressFirewall as talhelper does: a
// NetworkDefaultActionConfig and a NetworkRuleConfig per rule.
func (im *imp) firewall(n *node) error {
	o, fromRole := n.src("ingressFirewall")
	fw, err := o.Obj("ingressFirewall")
	if err != nil || fw == nil {
		return err
	}
	action, err := fw.String("defaultAction")
	if err != nil {
		return err
	}
	if action == "" {
		action = "block"
	}
	n.add(document("NetworkDefaultActionConfig", func(s *importer.Struct) { s.Set("ingress", ast.NewString(action)) }), fromRole)
	rules, err := fw.Objs("rules")
	if err != nil {
		return err
	}
	for _, r := range rules {
		e := document("NetworkRuleConfig", func(s *importer.Struct) { err = rest(s, r) })
		if err != nil {
			return err
		}
		r.Drop()
		n.add(e, fromRole)
	}
	fw.Done()
	return nil
}

// extensions maps extensionServices to ExtensionServiceConfig documents.
// A config file or environment entry that looks like a credential is left
// out, with a warning.
func (im *imp) extensions(n *node) error {
	o, fromRole := n.src("extensionServices")
	list, err := o.Objs("extensionServices")
	if err != nil {
		return err
	}
	for _, es := range list {
		files, nfiles, err := im.configFiles(es)
		if err != nil {
			return err
		}
		envs, nenvs, err := environment(es)
		if err != nil {
			return err
		}
		if len(files) == 0 && len(envs) == 0 && nfiles+nenvs > 0 {
			es.Warn("", "not imported: nothing of the extension's configuration is left, and Talos needs a config file or an environment entry")
			continue
		}
		e := document("ExtensionServiceConfig", func(s *importer.Struct) {
			err = rest(s, es, "configFiles", "environment")
			if len(files) > 0 {
				s.Set("configFiles", importer.List(files...))
			}
			if len(envs) > 0 {
				s.Set("environment", importer.List(envs...))
			}
		})
		if err != nil {
			return err
		}
		n.add(e, fromRole)
	}
	return nil
}

// configFiles maps an extension's config files; n is how many it had.
func (im *imp) configFiles(es *importer.Obj) (out []ast.Expr, n int, err error) {
	cfs, err := es.Objs("configFiles")
	if err != nil {
		return nil, 0, err
	}
	for _, cf := range cfs {
		if e, err := im.fileEntry(cf); err != nil {
			return nil, 0, err
		} else if e != nil {
			out = append(out, e)
		}
	}
	return out, len(cfs), nil
}

// environment maps an extension's environment; n is how many entries it had.
func environment(es *importer.Obj) (out []ast.Expr, n int, err error) {
	entries, err := es.Strings("environment")
	if err != nil {
		return nil, 0, err
	}
	for i, entry := range entries {
		if credential.MatchString(entry) {
			es.Warn("environment", "entry %d %s", i, importer.Note{SecretFile: true}.Reason())
			continue
		}
		out = append(out, ast.NewString(entry))
	}
	return out, len(entries), nil
}

// files maps machineFiles to machine.files.
func (im *imp) files(n *node) error {
	o, fromRole := n.src("machineFiles")
	list, err := o.Objs("machineFiles")
	if err != nil || len(list) == 0 {
		return err
	}
	var out []ast.Expr
	for _, f := range list {
		if e, err := im.fileEntry(f); err != nil {
			return err
		} else if e != nil {
			out = append(out, e)
		}
	}
	if len(out) > 0 {
		n.add(nest(importer.List(out...), "machine", "files"), fromRole)
	}
	return nil
}

// fileEntry maps a file entry (a machine file or an extension's config file):
// its content, or "@file" read beside talconfig.yaml and substituted as
// talhelper does, and its other keys as written. A content that may not be
// written leaves the whole entry out (nil), with a warning.
func (im *imp) fileEntry(f *importer.Obj) (ast.Expr, error) {
	content, ok := im.content(f)
	if !ok {
		f.Drop()
		return nil, nil
	}
	var s importer.Struct
	for _, k := range f.Keys() {
		if k == "content" {
			s.Set(k, content)
			continue
		}
		e, err := f.Expr(k)
		if err != nil {
			return nil, err
		}
		if e != nil {
			s.Set(k, e)
		}
	}
	return s.Expr(), nil
}

func (im *imp) content(f *importer.Obj) (ast.Expr, bool) {
	v := f.Raw("content")
	if v == nil {
		return nil, true
	}
	if len(f.Doc().Notes[v].Secret) > 0 {
		if e := f.Doc().Ref(v, f.Field("content"), f.Out()); e != nil {
			return e, true
		}
	}
	if !f.Doc().Usable(v, f.Field("content"), f.Out()) {
		return nil, false
	}
	s := v.Value
	if name, isFile := strings.CutPrefix(s, "@"); isFile {
		b, file, err := im.readBeside(name)
		if err != nil {
			f.Warn("content", "%s not imported: %v", name, err)
			return nil, false
		}
		if importer.IsSOPS(b) {
			f.Warn("content", "%s is SOPS-encrypted: hogen never writes its content in clear; not imported", file)
			return nil, false
		}
		out, note := im.env.subst(string(b))
		if note.Blocks() && len(note.Unresolved) == 0 {
			if e := im.moveContent(f, out, file+" holds "+strings.Join(note.Secret, ", ")+" from an encrypted talenv file"); e != nil {
				return e, true
			}
		}
		if note.Blocks() {
			f.Warn("content", "%s %s", file, note.Reason())
			return nil, false
		}
		s = out
	}
	if credential.MatchString(s) {
		if e := im.moveContent(f, s, "it looks like a credential"); e != nil {
			return e, true
		}
		f.Warn("content", "%s", importer.Note{SecretFile: true}.Reason())
		return nil, false
	}
	return ast.NewString(s), true
}
