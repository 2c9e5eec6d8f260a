package talos

import (
	"fmt"
	"strings"

	"github.com/siderolabs/talos/pkg/machinery/config"

	"github.com/hogen-dev/hogen/compiler/model"
	"github.com/hogen-dev/hogen/emitters"
)

// legacyField is a machine config field that newer Talos versions moved to
// a document of its own.
type legacyField struct {
	path []string // in the machine config
	// moved tells whether the contract has the document.
	moved func(*config.VersionContract) bool
	doc   string
	// note, when set, says more in the message.
	note string
	// conflicts tells whether hogen writes the document itself for d, so
	// that the legacy field would be ignored or clash: then an error.
	conflicts func(d *model.Description) bool
}

func always(*model.Description) bool { return true }

func never(*model.Description) bool { return false }

var legacyFields = []legacyField{
	// Talos still reads legacy interfaces beside link documents, so only a
	// warning.
	{[]string{"machine", "network", "interfaces"}, multidoc,
		"LinkConfig, BondConfig, VLANConfig, Layer2VIPConfig or DHCPv4Config documents (or the node's links)",
		"; hogen writes its own links as documents, so a link set here too is set twice", never},
	{[]string{"machine", "network", "hostname"}, multidoc, "a HostnameConfig document", "", always},
	{[]string{"machine", "network", "nameservers"}, multidoc, "a ResolverConfig document (or the node's nameservers)", "", writesResolver},
	{[]string{"machine", "network", "searchDomains"}, multidoc, "a ResolverConfig document", "", writesResolver},
	{[]string{"machine", "network", "disableSearchDomain"}, multidoc, "a ResolverConfig document", "", writesResolver},
	{[]string{"machine", "network", "extraHostEntries"}, multidoc, "a StaticHostConfig document", "", never},
	{[]string{"machine", "time"}, multidoc, "a TimeSyncConfig document", "", func(d *model.Description) bool {
		return len(d.Cluster.Network.Node.NTPServers) > 0
	}},
	{[]string{"machine", "network", "kubespan"}, (*config.VersionContract).KubeSpanMultidocConfig, "a KubeSpanConfig document", "", never},
	{[]string{"machine", "systemDiskEncryption"}, (*config.VersionContract).VolumeConfigEncryptionSupported,
		"VolumeConfig documents for STATE and EPHEMERAL with encryption (or cluster.diskEncryption)", "", func(d *model.Description) bool {
			return d.Cluster.DiskEncryption != nil
		}},
}

func multidoc(c *config.VersionContract) bool { return c.MultidocNetworkConfigSupported() }

// newDocument is a document kind a Talos release added: machinery, which
// knows every release's, validates it on any contract, but a node running
// an older Talos rejects the whole config for it.
type newDocument struct {
	since  string
	has    func(*config.VersionContract) bool
	legacy string // what the older releases take instead
}

var (
	linkDocument = newDocument{"v1.12", multidoc, "the node's links (hogen writes them in the version's form), or machine.network.interfaces"}
	newDocuments = map[string]newDocument{
		"LinkConfig": linkDocument, "LinkAliasConfig": linkDocument, "BondConfig": linkDocument,
		"BridgeConfig": linkDocument, "VLANConfig": linkDocument, "DHCPv4Config": linkDocument,
		"DHCPv6Config": linkDocument, "Layer2VIPConfig": linkDocument,
		"HostnameConfig":   {"v1.12", multidoc, "machine.network.hostname"},
		"ResolverConfig":   {"v1.12", multidoc, "the node's nameservers, or machine.network.nameservers"},
		"TimeSyncConfig":   {"v1.12", multidoc, "machine.time"},
		"StaticHostConfig": {"v1.12", multidoc, "machine.network.extraHostEntries"},
		"KubeSpanConfig":   {"v1.13", (*config.VersionContract).KubeSpanMultidocConfig, "machine.network.kubespan"},
	}
)

// newDocumentProblem reports a patch adding a document the contract's
// Talos does not know.
func newDocumentProblem(at string, v any, c *config.VersionContract, version string) (emitters.Problem, bool) {
	m, _ := v.(map[string]any)
	kind, _ := m["kind"].(string)
	doc, ok := newDocuments[kind]
	if !ok || doc.has(c) {
		return emitters.Problem{}, false
	}
	return emitters.Problem{
		Path: at + ".kind",
		Msg:  fmt.Sprintf("%s is a document of Talos %s and later: Talos %s does not know it and rejects the config", kind, doc.since, version),
		Fix:  fmt.Sprintf("write %s instead, or set cluster.talos.version to %s or later", doc.legacy, doc.since),
	}, true
}

func writesResolver(d *model.Description) bool {
	if len(d.Cluster.Network.Node.Nameservers) > 0 {
		return true
	}
	for _, n := range d.Nodes {
		if len(n.Nameservers) > 0 {
			return true
		}
	}
	return false
}

// legacyPatchProblems finds patches that set a field the contract moved to
// a document: an error where hogen writes that document itself (the field
// would clash with it or be ignored), a warning where the field still
// works but is deprecated; and patches adding a document the contract's
// Talos does not know yet.
func legacyPatchProblems(d *model.Description, c *config.VersionContract) emitters.Problems {
	var ps emitters.Problems
	for _, set := range patchSets(d) {
		for i, p := range set.patches {
			at := fmt.Sprintf("%s.%d", set.at, i)
			v, err := decodePatch(p)
			if err != nil {
				continue
			}
			if pr, ok := newDocumentProblem(at, v, c, d.Cluster.Talos.Version); ok {
				ps = append(ps, pr)
			}
			for _, f := range legacyFields {
				if !f.moved(c) {
					continue
				}
				for _, where := range fieldSetAt(at, v, f.path) {
					pr := emitters.Problem{Path: where, Fix: "write " + f.doc + " instead"}
					field := strings.Join(f.path, ".")
					if f.conflicts(d) {
						pr.Msg = fmt.Sprintf("%s is the legacy form: for Talos %s hogen writes this as %s, which the legacy field would clash with or be ignored by", field, d.Cluster.Talos.Version, f.doc)
					} else {
						pr.Msg, pr.Warning = fmt.Sprintf("%s is the legacy form, deprecated in Talos %s for %s%s", field, d.Cluster.Talos.Version, f.doc, f.note), true
					}
					ps = append(ps, pr)
				}
			}
		}
	}
	return ps
}

// fieldSetAt returns where patch v (written at at) sets the field at path:
// the field itself in a strategic merge patch, each operation whose path
// reaches it in a JSON6902 one.
func fieldSetAt(at string, v any, path []string) []string {
	if ops, ok := v.([]any); ok {
		var out []string
		pointer := "/" + strings.Join(path, "/")
		for i, op := range ops {
			m, _ := op.(map[string]any)
			p, _ := m["path"].(string)
			switch {
			case p == pointer || strings.HasPrefix(p, pointer+"/"):
				out = append(out, fmt.Sprintf("%s.%d.path", at, i))
			case strings.HasPrefix(pointer, p+"/"):
				// An operation on an ancestor: the field is in its value.
				rest := strings.Split(strings.TrimPrefix(pointer, p+"/"), "/")
				out = append(out, fieldSetAt(fmt.Sprintf("%s.%d.value", at, i), m["value"], rest)...)
			}
		}
		return out
	}
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		if v, ok = m[k]; !ok {
			return nil
		}
		at += "." + k
	}
	return []string{at}
}
