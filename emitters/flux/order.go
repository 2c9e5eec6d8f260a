package flux

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hogen-dev/hogen/compiler/model"
)

// Order returns the apps so that every app comes after the apps it depends
// on (through any of its Kustomizations); among apps free to go, names
// decide, so the order is stable. The compiler rejects unknown
// dependencies and cycles with positions; Order checks again so no caller
// can loop or silently drop an app.
func Order(apps []model.App) ([]model.App, error) {
	byName := make(map[string]int, len(apps))
	for i, a := range apps {
		if _, dup := byName[a.Name]; dup {
			return nil, fmt.Errorf("app %q is defined twice: app names must be unique", a.Name)
		}
		byName[a.Name] = i
	}
	waiting := make([]int, len(apps))      // unmet dependencies per app
	dependents := make([][]int, len(apps)) // who waits on each app
	for i, a := range apps {
		for _, k := range a.Kustomizations {
			for _, dep := range k.DependsOn {
				if !dep.Found() {
					return nil, fmt.Errorf("app %q depends on unknown app %q: add the app or remove it from dependsOn", a.Name, dep.Name)
				}
				if dep.Name == k.Name {
					return nil, fmt.Errorf("apps depend on each other in a cycle: %s -> %s; break it by removing one dependsOn", k.Name, k.Name)
				}
			}
		}
		for _, dep := range a.DependsOnApps() {
			j, ok := byName[dep]
			if !ok {
				return nil, fmt.Errorf("app %q depends on unknown app %q: add the app or remove it from dependsOn", a.Name, dep)
			}
			waiting[i]++
			dependents[j] = append(dependents[j], i)
		}
	}
	var ready []int
	for i := range apps {
		if waiting[i] == 0 {
			ready = append(ready, i)
		}
	}
	out := make([]model.App, 0, len(apps))
	for len(ready) > 0 {
		slices.SortFunc(ready, func(x, y int) int { return strings.Compare(apps[x].Name, apps[y].Name) })
		i := ready[0]
		ready = ready[1:]
		out = append(out, apps[i])
		for _, k := range dependents[i] {
			if waiting[k]--; waiting[k] == 0 {
				ready = append(ready, k)
			}
		}
	}
	if len(out) < len(apps) {
		return nil, fmt.Errorf("apps depend on each other in a cycle: %s; break it by removing one dependsOn", cycle(apps, byName, waiting))
	}
	return out, nil
}

// cycle names one dependency cycle among the apps left waiting, as
// "a -> b -> a", for the error message.
func cycle(apps []model.App, byName map[string]int, waiting []int) string {
	start := -1
	for i := range apps {
		if waiting[i] > 0 && (start < 0 || apps[i].Name < apps[start].Name) {
			start = i
		}
	}
	seen := map[int]int{}
	var path []string
	for i := start; ; {
		if at, ok := seen[i]; ok {
			return strings.Join(append(path[at:], apps[i].Name), " -> ")
		}
		seen[i] = len(path)
		path = append(path, apps[i].Name)
		next := -1
		for _, dep := range apps[i].DependsOnApps() {
			if j := byName[dep]; waiting[j] > 0 {
				next = j
				break
			}
		}
		i = next
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
