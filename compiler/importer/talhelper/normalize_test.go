package talhelper

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// A machine config, normalised for comparison: its documents by identity
// ("v1alpha1" for the main one, else kind/name), with the network written
// either way (v1alpha1 machine.network, or Talos 1.12's LinkConfig,
// BondConfig, LinkAliasConfig, ResolverConfig and HostnameConfig
// documents) turned into one form: machine.network = {hostname,
// nameservers, disableSearchDomain, links: {link: {addresses, routes,
// mtu, bond}}}. Lists whose order carries no meaning are sorted.
type config map[string]map[string]any

func parseConfig(b []byte) (config, error) {
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	out := config{}
	for {
		var doc map[string]any
		if err := dec.Decode(&doc); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return nil, err
		}
		if doc == nil {
			continue
		}
		id := "v1alpha1"
		if k, ok := doc["kind"].(string); ok {
			id = k
			if n, ok := doc["name"].(string); ok {
				id += "/" + n
			}
		}
		out[id] = doc
	}
	return out, normaliseNetwork(out)
}

// link is a network link in the normalised form.
type link struct {
	Addresses []string `yaml:"addresses"`
	Routes    []string `yaml:"routes"`
	MTU       int      `yaml:"mtu"`
	BondMode  string   `yaml:"bondMode,omitempty"`
	Members   []string `yaml:"members,omitempty"`
}

func normaliseNetwork(c config) error {
	main := c["v1alpha1"]
	machine, _ := main["machine"].(map[string]any)
	if machine == nil {
		return fmt.Errorf("no machine section")
	}
	net := map[string]any{}
	links := map[string]*link{}
	v1, _ := machine["network"].(map[string]any)
	for k, v := range v1 {
		switch k {
		case "interfaces":
			for _, d := range v.([]any) {
				v1alpha1Link(d.(map[string]any), links)
			}
		case "hostname", "nameservers", "disableSearchDomain":
			net[k] = v
		default:
			net[k] = v
		}
	}
	aliases := map[string]string{}
	for id, doc := range c {
		if strings.HasPrefix(id, "LinkAliasConfig/") {
			aliases[doc["name"].(string)] = celSelector(doc["selector"].(map[string]any)["match"].(string))
			delete(c, id)
		}
	}
	for id, doc := range c {
		kind, _, _ := strings.Cut(id, "/")
		switch kind {
		case "HostnameConfig":
			net["hostname"] = doc["hostname"]
		case "ResolverConfig":
			var ns []any
			for _, n := range doc["nameservers"].([]any) {
				ns = append(ns, n.(map[string]any)["address"])
			}
			net["nameservers"] = ns
			if sd, ok := doc["searchDomains"].(map[string]any); ok && sd["disableDefault"] == true {
				net["disableSearchDomain"] = true
			}
		case "LinkConfig", "BondConfig":
			docLink(doc, aliases, links)
		default:
			continue
		}
		delete(c, id)
	}
	out := map[string]any{}
	for k, l := range links {
		slices.Sort(l.Addresses)
		slices.Sort(l.Routes)
		slices.Sort(l.Members)
		if l.MTU == 0 {
			l.MTU = 1500 // Talos' default for a link without one
		}
		out[k] = *l
	}
	if len(out) > 0 {
		net["links"] = out
	}
	machine["network"] = net
	return nil
}

func linkFor(links map[string]*link, key string) *link {
	if links[key] == nil {
		links[key] = &link{}
	}
	return links[key]
}

func v1alpha1Link(d map[string]any, links map[string]*link) {
	key, _ := d["interface"].(string)
	if sel, ok := d["deviceSelector"].(map[string]any); ok {
		key = selectorKey(sel)
	}
	l := linkFor(links, key)
	for _, a := range list(d["addresses"]) {
		l.Addresses = append(l.Addresses, a.(string))
	}
	for _, r := range list(d["routes"]) {
		m := r.(map[string]any)
		l.Routes = append(l.Routes, route(str(m["network"]), str(m["gateway"])))
	}
	if m, ok := d["mtu"].(int); ok {
		l.MTU = m
	}
	if b, ok := d["bond"].(map[string]any); ok {
		l.BondMode = str(b["mode"])
		for _, s := range list(b["deviceSelectors"]) {
			l.Members = append(l.Members, selectorKey(s.(map[string]any)))
		}
	}
}

func docLink(doc map[string]any, aliases map[string]string, links map[string]*link) {
	name := doc["name"].(string)
	key := name
	if sel, ok := aliases[name]; ok {
		key = sel
	}
	l := linkFor(links, key)
	for _, a := range list(doc["addresses"]) {
		l.Addresses = append(l.Addresses, str(a.(map[string]any)["address"]))
	}
	for _, r := range list(doc["routes"]) {
		m := r.(map[string]any)
		l.Routes = append(l.Routes, route(str(m["destination"]), str(m["gateway"])))
	}
	if m, ok := doc["mtu"].(int); ok {
		l.MTU = m
	}
	if mode, ok := doc["bondMode"].(string); ok {
		l.BondMode = mode
		for _, m := range list(doc["links"]) {
			l.Members = append(l.Members, aliases[m.(string)])
		}
	}
}

// route is "destination via gateway"; an empty destination is the default
// route of the gateway's family, as Talos reads it.
func route(dest, gw string) string {
	if dest == "" {
		dest = "0.0.0.0/0"
		if a, err := netip.ParseAddr(gw); err == nil && a.Is6() {
			dest = "::/0"
		}
	}
	return dest + " via " + gw
}

// selectorKey names a v1alpha1 device selector by its fields.
func selectorKey(sel map[string]any) string {
	var parts []string
	for _, k := range []string{"hardwareAddr", "driver", "busPath", "permanentAddr"} {
		if v, ok := sel[k]; ok {
			parts = append(parts, k+"="+str(v))
		}
	}
	return "selector(" + strings.Join(parts, ",") + ")"
}

const celSubject = `(mac\(link\.hardware_addr\)|link\.driver|link\.bus_path|mac\(link\.permanent_addr\))`

// celTerm is one term of a LinkAliasConfig's match, in either spelling:
// talhelper's glob("value", subject), or hogen's subject == "value" for a
// value without a wildcard.
var celTerm = regexp.MustCompile(`glob\("([^"]*)", ` + celSubject + `\)|` + celSubject + ` == "([^"]*)"`)

// celSelector turns the CEL match of a LinkAliasConfig back into the
// device selector it came from.
func celSelector(match string) string {
	field := map[string]string{"mac(link.hardware_addr)": "hardwareAddr", "link.driver": "driver", "link.bus_path": "busPath", "mac(link.permanent_addr)": "permanentAddr"}
	sel := map[string]any{}
	for _, m := range celTerm.FindAllStringSubmatch(match, -1) {
		if m[2] != "" {
			sel[field[m[2]]] = m[1]
		} else {
			sel[field[m[3]]] = m[4]
		}
	}
	return selectorKey(sel)
}

func list(v any) []any { l, _ := v.([]any); return l }

func str(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

// at walks doc along keys; nil when absent.
func at(doc map[string]any, keys ...string) any {
	var v any = doc
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// del removes the value at keys, reporting whether it was there.
func del(doc map[string]any, keys ...string) bool {
	parent, ok := at(doc, keys[:len(keys)-1]...).(map[string]any)
	if !ok {
		return false
	}
	_, had := parent[keys[len(keys)-1]]
	delete(parent, keys[len(keys)-1])
	return had
}
