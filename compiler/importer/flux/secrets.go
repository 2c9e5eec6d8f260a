package flux

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/hogen-dev/hogen/compiler/importer"
	"github.com/hogen-dev/hogen/compiler/secrets"
)

// secretBody is the part of a Secret hogen's secrets keep.
type secretBody struct {
	Type       string            `yaml:"type"`
	Data       map[string]string `yaml:"data"`
	StringData map[string]string `yaml:"stringData"`
}

// secret maps a Secret. Its values move into secrets.sops.yaml, which the
// Kustomization's secrets name, when they can be read: in clear, or
// SOPS-encrypted to a key the user holds. Otherwise the Secret is left
// out with a TODO naming its keys (SOPS keeps them in clear): a value is
// never written to a .cue file.
func (im *imp) secret(k *kustomization, o *object) error {
	name := o.head.Metadata.Name
	line, col := o.doc.Pos(o.node)
	warn := func(format string, args ...any) {
		im.ws.Add(importer.Warning{File: o.doc.File, Line: line, Col: col, At: k.at + ".secrets", Field: "Secret " + name, Msg: fmt.Sprintf(format, args...)})
	}
	var enc secretBody
	if err := o.node.Decode(&enc); err != nil {
		return importerError(o.doc.File, line, col, "", err)
	}
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range enc.Data {
			yield(k)
		}
		for k := range enc.StringData {
			yield(k)
		}
	})
	body, why := im.secretValues(o, &enc)
	if why != "" {
		warn("not imported: %s; set each value with `hogen secrets set %s-<key>` and name them under secrets: %q: {%s}", why, name, name, keyRefs(name, keys))
		return nil
	}
	if body.Type != "" && body.Type != "Opaque" {
		warn("hogen writes Opaque Secrets: its type %s is not kept", body.Type)
	}
	if len(o.head.Metadata.Labels)+len(o.head.Metadata.Annotations) > 0 {
		warn("hogen's Secrets have no labels or annotations: not kept")
	}
	values := map[string]string{}
	for key, v := range body.Data {
		b, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			return importerError(o.doc.File, line, col, "data."+key, fmt.Errorf("not base64"))
		}
		values[key] = string(b)
	}
	for key, v := range body.StringData {
		values[key] = v
	}
	if len(im.d.recipients) == 0 {
		warn("not imported: hogen keeps secret values encrypted in secrets.sops.yaml and no age recipient is known: pass --age-recipient")
		return nil
	}
	if k.secrets == nil {
		k.secrets = map[string]map[string]string{}
	}
	k.secrets[name] = map[string]string{}
	for _, key := range slices.Sorted(func(yield func(string) bool) {
		for k := range values {
			yield(k)
		}
	}) {
		ref := im.secretRef(name + "-" + key)
		k.secrets[name][key] = ref
		im.d.secrets[ref] = values[key]
		im.secretSeen(values[key])
	}
	return nil
}

// secretValues is the Secret in clear, or why it cannot be had.
func (im *imp) secretValues(o *object, enc *secretBody) (*secretBody, string) {
	if o.head.SOPS == nil {
		return enc, ""
	}
	b, _, err := im.r.read(o.file)
	if err != nil {
		return nil, err.Error()
	}
	if len(im.opts.AgeRecipients) == 0 && len(im.d.recipients) == 0 {
		im.d.recipients, _ = secrets.Recipients(b)
	}
	plain, err := im.keys.Open(o.doc.File, b)
	if err != nil {
		return nil, fmt.Sprintf("it is SOPS-encrypted and no age key here opens it (%v)", err)
	}
	var out secretBody
	dec := yaml.NewDecoder(strings.NewReader(string(plain)))
	for {
		var doc struct {
			Kind       string
			Metadata   struct{ Name string }
			secretBody `yaml:",inline"`
		}
		if dec.Decode(&doc) != nil {
			break
		}
		if doc.Kind == "Secret" && doc.Metadata.Name == o.head.Metadata.Name {
			out = doc.secretBody
			return &out, ""
		}
	}
	return nil, "its decrypted file holds no Secret of that name"
}

// secretSeen records a decrypted value, so the written files are searched
// for it before anything reaches disk.
func (im *imp) secretSeen(v string) {
	if v != "" {
		im.guard[fmt.Sprintf("secret %d", len(im.guard))] = v
	}
}

var refChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// secretRef is a new name in secrets.sops.yaml made from s.
func (im *imp) secretRef(s string) string {
	base := strings.Trim(refChars.ReplaceAllString(s, "-"), "-._")
	ref := base
	for i := 2; im.d.secrets[ref] != "" || secrets.ValidName(ref) != nil; i++ {
		ref = fmt.Sprintf("%s-%d", base, i)
	}
	return ref
}

func keyRefs(name string, keys []string) string {
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%q: %q", k, name+"-"+k))
	}
	return strings.Join(parts, ", ")
}
