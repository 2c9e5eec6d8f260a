package sink

import (
	"errors"
	"path"
	"slices"
	"strings"
)

// leftovers finds hogen's own temp files that a killed build left: names
// of the temp pattern beside a file under the roots (or beside hogen's
// manifest and journal). Only a build holding the lock may remove them:
// then no other build is writing its own. They are never listed.
func leftovers(t *tree, scope Scope) ([]string, error) {
	var found []string
	walked := map[string]bool{} // directories walked deep
	var walk func(dir string, deep bool) error
	walk = func(dir string, deep bool) error {
		if walked[dir] {
			return nil
		}
		if deep {
			walked[dir] = true
		}
		entries, err := t.list(dir)
		if err != nil {
			return err
		}
		for _, e := range entries {
			rel := path.Join(dir, e.Name())
			switch {
			case e.IsDir() && deep && !strings.EqualFold(e.Name(), ".git"):
				if err := walk(rel, true); err != nil {
					return err
				}
			case e.Type().IsRegular():
				m := tempPattern.FindStringSubmatch(e.Name())
				if m == nil {
					continue
				}
				if target := path.Join(dir, m[1]); scope.inRoots(target) || target == ManifestName || target == JournalName {
					found = append(found, rel)
				}
			}
		}
		return nil
	}
	if err := walk(".", slices.Contains(scope.Roots, ".")); err != nil {
		return nil, err
	}
	for _, r := range scope.Roots {
		e, err := t.lstat(r)
		switch {
		case errors.Is(err, errSymlink) || err == nil && !e.exists:
			continue
		case err != nil:
			return nil, err
		case e.mode.IsDir():
			err = walk(r, true)
		default:
			err = walk(path.Dir(r), false)
		}
		if err != nil && !errors.Is(err, errSymlink) {
			return nil, err
		}
	}
	slices.Sort(found)
	return slices.Compact(found), nil
}
