package load

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/hogen-dev/hogen/compiler/diag"
	"github.com/hogen-dev/hogen/compiler/model"
)

// ReadConfigFiles reads the files generated ConfigMaps take their keys
// from (configMaps: <name>: files: <key>: "<path>", relative to dir) into
// the model, so each app carries its contents like any other input. A file
// that cannot be read is reported at the line naming it.
func ReadConfigFiles(d *model.Description, dir string) diag.Diagnostics {
	c := diag.Collector{Pos: d.Pos}
	ForEachConfigFile(d, func(cm *model.ConfigMap, e *model.ConfigEntry) {
		data, err := readConfigFile(filepath.Join(dir, filepath.FromSlash(e.File)))
		if err != nil {
			c.Errorf(cm.Path+".files."+e.Key, "name a file of the description directory, relative to it", "%v", err)
			return
		}
		e.Data = string(data)
	})
	return c.Diags.Sorted()
}

// ForEachConfigFile calls fn with every ConfigMap entry of d read from a
// file: what ReadConfigFiles reads, and a build's trace records.
func ForEachConfigFile(d *model.Description, fn func(cm *model.ConfigMap, e *model.ConfigEntry)) {
	each := func(cms []model.ConfigMap) {
		for i := range cms {
			for j := range cms[i].Entries {
				if cms[i].Entries[j].File != "" {
					fn(&cms[i], &cms[i].Entries[j])
				}
			}
		}
	}
	for ai := range d.Apps {
		for ki := range d.Apps[ai].Kustomizations {
			each(d.Apps[ai].Kustomizations[ki].ConfigMaps)
		}
	}
	for ci := range d.Components {
		each(d.Components[ci].ConfigMaps)
	}
}

func readConfigFile(p string) ([]byte, error) {
	info, err := os.Stat(p)
	switch {
	case err != nil:
		return nil, fmt.Errorf("cannot read %s: %w", p, err)
	case !info.Mode().IsRegular():
		return nil, fmt.Errorf("%s is not a regular file", p)
	case info.Size() > maxFileSize:
		return nil, fmt.Errorf("%s is %d bytes, more than the %d a ConfigMap file may have", p, info.Size(), maxFileSize)
	}
	return os.ReadFile(p)
}

// ReadConfigFile reads the ConfigMap file rel (a slash path relative to
// dir) as ReadConfigFiles does.
func ReadConfigFile(dir, rel string) ([]byte, error) {
	return readConfigFile(filepath.Join(dir, filepath.FromSlash(rel)))
}
