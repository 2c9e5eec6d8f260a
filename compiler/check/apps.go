package check

import (
	"fmt"

	"github.com/hogen-dev/hogen/compiler/model"
	"slices"
	"strings"
)

// apps checks dependsOn: every name exists, and there is no cycle. A cycle
// is reported once, in full, starting from its smallest name.
func (c *checker) apps() {
	deps := map[string][]string{}
	for _, a := range c.d.Apps {
		deps[a.Name] = a.DependsOn
	}
	for _, a := range c.d.Apps {
		for i, dep := range a.DependsOn {
			p := fmt.Sprintf("apps.%s.dependsOn.%d", a.Name, i)
			if _, ok := deps[dep]; !ok {
				c.Errorf(p, appFix(c.d, dep), "app %s depends on %q, which is not an app", a.Name, dep)
			}
		}
	}
	for _, cyc := range cycles(deps) {
		c.Errorf(fmt.Sprintf("apps.%s.dependsOn", cyc[0]), "remove one dependsOn entry of the cycle",
			"dependency cycle: %s", strings.Join(cyc, " -> "))
	}
}

// cycles finds dependency cycles by depth-first search in name order; each
// is returned rotated to start at its smallest name, closed (a, b, a).
func cycles(deps map[string][]string) [][]string {
	const (
		unseen = iota
		onPath
		done
	)
	state := map[string]int{}
	var stack []string
	var found [][]string
	seen := map[string]bool{}
	var visit func(n string)
	visit = func(n string) {
		state[n] = onPath
		stack = append(stack, n)
		for _, m := range deps[n] {
			if _, ok := deps[m]; !ok {
				continue
			}
			switch state[m] {
			case unseen:
				visit(m)
			case onPath:
				cyc := rotate(stack[slices.Index(stack, m):])
				if key := strings.Join(cyc, " "); !seen[key] {
					seen[key] = true
					found = append(found, append(cyc, cyc[0]))
				}
			}
		}
		stack = stack[:len(stack)-1]
		state[n] = done
	}
	for _, n := range model.SortedKeys(deps) {
		if state[n] == unseen {
			visit(n)
		}
	}
	return found
}

func rotate(cyc []string) []string {
	i := slices.Index(cyc, slices.Min(cyc))
	return append(slices.Clone(cyc[i:]), cyc[:i]...)
}

// secretRefs checks that every referenced secret is one secrets.sops.yaml
// holds.
func (c *checker) secretRefs() {
	ForEachSecretRef(c.d, func(path, name string) {
		if !slices.Contains(c.d.Inputs.SecretNames, name) {
			c.Errorf(path, fmt.Sprintf("add it: echo -n VALUE | hogen secrets set %s", name), "secret %q is not in secrets.sops.yaml", name)
		}
	})
}

// ForEachSecretRef calls fn with the path and name of every reference to a
// value in secrets.sops.yaml, in a stable order.
func ForEachSecretRef(d *model.Description, fn func(path, name string)) {
	for _, k := range model.SortedKeys(d.Cluster.Substitutions.Secrets) {
		fn("cluster.substitutions.secrets."+k, d.Cluster.Substitutions.Secrets[k])
	}
	for _, a := range d.Apps {
		for _, s := range model.SortedKeys(a.Secrets) {
			for _, k := range model.SortedKeys(a.Secrets[s]) {
				fn(fmt.Sprintf("apps.%s.secrets.%s.%s", a.Name, s, k), a.Secrets[s][k])
			}
		}
	}
}
