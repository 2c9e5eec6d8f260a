package load

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hogen-dev/hogen/compiler/model"
)

// TestReadConfigFiles: a ConfigMap's files are read into the model; one
// that is missing is an error at the line naming it.
func TestReadConfigFiles(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "files"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "files", "config.yml"), []byte("port: 3000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	d := &model.Description{
		Pos: model.Positions{"apps.wiki.configMaps.wiki.files.missing.yml": {File: "apps.cue", Line: 7, Col: 20}},
		Apps: []model.App{{Name: "wiki", Kustomizations: []model.Kustomization{{ConfigMaps: []model.ConfigMap{{
			Name: "wiki", Path: "apps.wiki.configMaps.wiki",
			Entries: []model.ConfigEntry{{Key: "config.yml", File: "files/config.yml"}, {Key: "missing.yml", File: "files/missing.yml"}, {Key: "inline", Data: "x"}},
		}}}}}},
	}
	diags := ReadConfigFiles(d, dir)
	entries := d.Apps[0].Kustomizations[0].ConfigMaps[0].Entries
	if entries[0].Data != "port: 3000\n" || entries[2].Data != "x" {
		t.Errorf("entries = %+v, want config.yml read and inline kept", entries)
	}
	if len(diags) != 1 || diags[0].Pos.String() != "apps.cue:7:20" || !strings.Contains(diags[0].Msg, "missing.yml") {
		t.Errorf("diags = %v, want one error at apps.cue:7:20 naming missing.yml", diags)
	}
}
