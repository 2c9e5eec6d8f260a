package clustertemplate

import (
	"fmt"
	"strings"

	"github.com/hogen-dev/hogen/compiler/importer"
)

// defaultMTU is the MTU the template gives a node without mtu: (its
// nodes.sample.yaml: "DEFAULT: 1500").
const defaultMTU = 1500

// readNodes reads nodes.yaml. MTU and TPM disk encryption are cluster-wide
// in hogen: they are imported when every node agrees, and warned about
// otherwise. A node without mtu: has the template's default, so it agrees
// with one that sets 1500.
func readNodes(root *importer.Obj, c *importer.Cluster) ([]importer.Node, error) {
	list, err := root.Objs("nodes")
	if err != nil {
		return nil, err
	}
	root.Done()
	if len(list) == 0 {
		return nil, fmt.Errorf("%s lists no nodes: add them under nodes:", root.File())
	}
	var nodes []importer.Node
	mtus := map[int]bool{}
	encrypted := 0
	for _, o := range list {
		n, mtu, encrypt, err := readNode(o)
		if err != nil {
			return nil, err
		}
		if mtu == 0 {
			mtu = defaultMTU
		}
		mtus[mtu] = true
		if encrypt {
			encrypted++
		}
		nodes = append(nodes, n)
	}
	if len(mtus) == 1 {
		for m := range mtus {
			c.MTU = m
		}
	} else {
		root.Warn("nodes", "nodes have different MTUs: hogen keeps one for the node network (left at 1500); set others with node patches")
	}
	switch encrypted {
	case 0:
	case len(nodes):
		c.DiskEncryptionTPM = true
	default:
		root.Warn("nodes", "encrypt_disk is set on some nodes only: hogen encrypts all nodes or none; not imported")
	}
	return nodes, nil
}

func readNode(o *importer.Obj) (n importer.Node, mtu int, encrypt bool, err error) {
	str := strReader(o)
	n.Name = str("name")
	if n.Name == "" {
		return n, 0, false, fmt.Errorf("%s:%d: %s: name is missing", o.File(), o.Line(), o.Path())
	}
	o.At("nodes." + n.Name)
	n.Address = str("address")
	ctrl, err := o.Bool("controller")
	if err != nil {
		return n, 0, false, err
	}
	n.Role = "worker"
	if ctrl {
		n.Role = "controlplane"
	}
	// disk is a device path or a serial number.
	if disk := str("disk"); strings.HasPrefix(disk, "/") {
		n.DiskPath = disk
	} else if disk != "" {
		n.DiskSelector = [][2]string{{"serial", disk}}
	}
	n.MAC = strings.ToLower(str("mac_addr"))
	if id := str("schematic_id"); id != "" {
		o.Warn("schematic_id", "hogen builds the schematic from cluster.talos.schematic.extensions: list the extensions of schematic %s there (see https://factory.talos.dev)", id)
	}
	if mtu, err = o.Int("mtu"); err != nil {
		return n, 0, false, err
	}
	if encrypt, err = o.Bool("encrypt_disk"); err != nil {
		return n, 0, false, err
	}
	if secure, err := o.Bool("secureboot"); err != nil {
		return n, 0, false, err
	} else if secure {
		o.Warn("secureboot", "not imported: hogen does not build SecureBoot installer images yet")
	}
	if mods := strs(o, "kernel_modules"); len(mods) > 0 {
		n.Patches = append(n.Patches, importer.KernelModulesPatch(mods))
	}
	o.Done()
	return n, mtu, encrypt, nil
}
