package secrets

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"filippo.io/age"
	"github.com/getsops/sops/v3/stores"
	"gopkg.in/yaml.v3"
)

// FormatError is a SOPS file that is not whole, at the line and column
// where it goes wrong.
type FormatError struct {
	Line, Col int
	Msg       string
	// Entry is set when one entry of an InputFile is wrong (a value in
	// clear, a bad name), not the file as a whole.
	Entry bool
}

func (e *FormatError) Error() string { return fmt.Sprintf("%d:%d: %s", e.Line, e.Col, e.Msg) }

// yamlLine is the line yaml.v3 puts in a syntax error.
var yamlLine = regexp.MustCompile(`^yaml: line ([0-9]+): (.*)$`)

// CheckFormat checks, without a key, that data is a whole SOPS-encrypted
// YAML file: one YAML mapping whose sops metadata has a MAC, a time, a
// version and recipients, and no encrypted value cut short. A truncated or
// hand-broken file fails at its line. With flat, data is an InputFile, and
// each of its entries must be a name and one encrypted string.
func CheckFormat(data []byte, flat bool) error {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return &FormatError{Line: 1, Col: 1, Msg: "the file is empty"}
		}
		if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
			line, _ := strconv.Atoi(m[1])
			return &FormatError{Line: line, Col: 1, Msg: "not valid YAML: " + m[2]}
		}
		return &FormatError{Line: 1, Col: 1, Msg: "not valid YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	var second yaml.Node
	if err := dec.Decode(&second); !errors.Is(err, io.EOF) {
		return &FormatError{Line: second.Line, Col: second.Column, Msg: "holds more than one YAML document"}
	}
	if len(doc.Content) == 0 {
		return &FormatError{Line: 1, Col: 1, Msg: "the file is empty"}
	}
	top := doc.Content[0]
	if top.Kind != yaml.MappingNode {
		return &FormatError{Line: top.Line, Col: top.Column, Msg: "is not a YAML mapping"}
	}
	var meta *yaml.Node
	for i := 0; i+1 < len(top.Content); i += 2 {
		k, v := top.Content[i], top.Content[i+1]
		switch {
		case k.Value == stores.SopsMetadataKey:
			meta = v
		case flat:
			val := any(v)
			if v.Kind == yaml.ScalarNode && v.Tag == "!!str" {
				val = v.Value
			}
			if err := checkEntry(k.Value, val); err != nil {
				return &FormatError{Line: k.Line, Col: k.Column, Msg: err.Error(), Entry: true}
			}
		}
		if err := checkCut(v); err != nil {
			return err
		}
	}
	if meta == nil {
		end := lastLine(top)
		return &FormatError{Line: end, Col: 1, Msg: fmt.Sprintf("has no %q metadata: the file is cut short, or is not SOPS-encrypted", stores.SopsMetadataKey)}
	}
	return checkMetadata(meta)
}

// checkMetadata checks the sops metadata that opening the file needs.
func checkMetadata(meta *yaml.Node) error {
	if meta.Kind != yaml.MappingNode {
		return &FormatError{Line: meta.Line, Col: meta.Column, Msg: "sops: is not a mapping"}
	}
	fields := map[string]*yaml.Node{}
	for i := 0; i+1 < len(meta.Content); i += 2 {
		fields[meta.Content[i].Value] = meta.Content[i+1]
	}
	missing := func(f string) error {
		return &FormatError{Line: lastLine(meta), Col: 1, Msg: fmt.Sprintf("sops.%s is missing: the file is cut short, or was edited by hand", f)}
	}
	for _, f := range []string{"mac", "lastmodified", "version"} {
		if v := fields[f]; v == nil || v.Kind != yaml.ScalarNode || v.Value == "" {
			return missing(f)
		}
	}
	if v := fields["lastmodified"]; !validTime(v.Value) {
		return &FormatError{Line: v.Line, Col: v.Column, Msg: fmt.Sprintf("sops.lastmodified %q is not a time like 2006-01-02T15:04:05Z", clip(v.Value))}
	}
	keys := fields["age"]
	if keys == nil || keys.Kind != yaml.SequenceNode || len(keys.Content) == 0 {
		if hasOtherKeys(fields) {
			return nil // not age: sops itself will say whether it opens
		}
		return missing("age")
	}
	for _, r := range keys.Content {
		enc, rcpt := field(r, "enc"), field(r, "recipient")
		if rcpt == nil || enc == nil || !strings.Contains(enc.Value, "-----END AGE ENCRYPTED FILE-----") {
			return &FormatError{Line: r.Line, Col: r.Column, Msg: "sops.age: a recipient's encrypted data key is incomplete: the file is cut short, or was edited by hand"}
		}
		if _, err := age.ParseRecipients(strings.NewReader(rcpt.Value)); err != nil {
			return &FormatError{Line: rcpt.Line, Col: rcpt.Column, Msg: fmt.Sprintf("sops.age: recipient %q is not an age recipient: the file is cut short, or was edited by hand", clip(rcpt.Value))}
		}
	}
	return nil
}

func validTime(s string) bool {
	_, err := time.Parse(time.RFC3339, s)
	return err == nil
}

// hasOtherKeys tells whether metadata names a key other than age.
func hasOtherKeys(fields map[string]*yaml.Node) bool {
	for _, f := range []string{"pgp", "kms", "gcp_kms", "azure_kv", "hc_vault", "key_groups"} {
		if v := fields[f]; v != nil && v.Kind == yaml.SequenceNode && len(v.Content) > 0 {
			return true
		}
	}
	return false
}

func field(n *yaml.Node, name string) *yaml.Node {
	for i := 0; n.Kind == yaml.MappingNode && i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == name {
			return n.Content[i+1]
		}
	}
	return nil
}

// checkCut finds an encrypted value cut short under n.
func checkCut(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode && strings.HasPrefix(n.Value, "ENC[") && !strings.HasSuffix(n.Value, "]") {
		return &FormatError{Line: n.Line, Col: n.Column, Msg: "an encrypted value is cut short: the file is truncated, or was edited by hand"}
	}
	for _, c := range n.Content {
		if err := checkCut(c); err != nil {
			return err
		}
	}
	return nil
}

func lastLine(n *yaml.Node) int {
	line := n.Line
	for _, c := range n.Content {
		line = max(line, lastLine(c))
	}
	return line
}

// clip shortens a value for a message.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}
