package flux

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hogen-dev/hogen/compiler/model"
)

// Order returns the apps so that each comes after what its Kustomizations
// depend on: the Kustomizations are ordered first (among those free to
// go, names decide, so the order is stable), and each app takes the place
// of its first. Two apps whose Kustomizations wait on each other's
// (rook-ceph's operator, then ceph-csi-drivers, then rook-ceph's cluster)
// are no cycle; Kustomizations that wait on each other are. The compiler
// rejects unknown dependencies and cycles with positions; Order checks
// again so no caller can loop or silently drop an app.
func Order(apps []model.App) ([]model.App, error) {
	byName := make(map[string]int, len(apps))
	for i, a := range apps {
		if _, dup := byName[a.Name]; dup {
			return nil, fmt.Errorf("app %q is defined twice: app names must be unique", a.Name)
		}
		byName[a.Name] = i
	}
	app := map[string]int{} // Kustomization -> its app
	deps := map[string][]string{}
	var names []string
	for i, a := range apps {
		for _, k := range a.Kustomizations {
			app[k.Name] = i
			names = append(names, k.Name)
			for _, dep := range k.DependsOn {
				if !dep.Found() {
					return nil, fmt.Errorf("app %q depends on unknown app %q: add the app or remove it from dependsOn", a.Name, dep.Name)
				}
				if dep.Name == k.Name {
					return nil, fmt.Errorf("apps depend on each other in a cycle: %s -> %s; break it by removing one dependsOn", k.Name, k.Name)
				}
				deps[k.Name] = append(deps[k.Name], dep.Name)
			}
		}
	}
	waiting := map[string]int{}
	dependents := map[string][]string{}
	for _, n := range names {
		for _, dep := range uniq(deps[n]) {
			if _, ok := app[dep]; !ok {
				return nil, fmt.Errorf("app %q depends on unknown app %q: add the app or remove it from dependsOn", apps[app[n]].Name, dep)
			}
			waiting[n]++
			dependents[dep] = append(dependents[dep], n)
		}
	}
	var ready []string
	for _, n := range names {
		if waiting[n] == 0 {
			ready = append(ready, n)
		}
	}
	out := make([]model.App, 0, len(apps))
	placed := map[int]bool{}
	done := 0
	for len(ready) > 0 {
		slices.Sort(ready)
		n := ready[0]
		ready = ready[1:]
		done++
		if i := app[n]; !placed[i] {
			placed[i] = true
			out = append(out, apps[i])
		}
		for _, d := range dependents[n] {
			if waiting[d]--; waiting[d] == 0 {
				ready = append(ready, d)
			}
		}
	}
	if done < len(names) {
		return nil, fmt.Errorf("apps depend on each other in a cycle: %s; break it by removing one dependsOn", cycle(deps, waiting))
	}
	for i, a := range apps {
		if !placed[i] {
			out = append(out, a) // an app without Kustomizations
		}
	}
	return out, nil
}

// cycle names one dependency cycle among the Kustomizations left waiting,
// as "a -> b -> a", for the error message.
func cycle(deps map[string][]string, waiting map[string]int) string {
	start := ""
	for n, w := range waiting {
		if w > 0 && (start == "" || n < start) {
			start = n
		}
	}
	seen := map[string]int{}
	var path []string
	for n := start; ; {
		if at, ok := seen[n]; ok {
			return strings.Join(append(path[at:], n), " -> ")
		}
		seen[n] = len(path)
		path = append(path, n)
		next := ""
		for _, dep := range sortedUniq(deps[n]) {
			if waiting[dep] > 0 {
				next = dep
				break
			}
		}
		n = next
	}
}

// uniq drops repeated names, keeping the first of each.
func uniq(names []string) []string {
	seen := make(map[string]bool, len(names))
	out := names[:0:0]
	for _, n := range names {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}

// sortedUniq is uniq in name order: what dependsOn lists become in output.
func sortedUniq(names []string) []string {
	out := uniq(names)
	slices.Sort(out)
	return out
}
