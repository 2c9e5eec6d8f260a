package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestImportCommands(t *testing.T) {
	ct := "../../../../compiler/importer/clustertemplate/testdata/homelab/"
	th := "../../../../compiler/importer/talhelper/testdata/homelab/"
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{name: "talhelper", args: []string{"import", "talhelper", th + "talconfig.yaml", "--package", "homelab"}, wantStdout: "wrote ", wantStderr: "hogen: warning: "},
		{name: "cluster-template", args: []string{"import", "cluster-template", ct + "cluster.yaml", ct + "nodes.yaml"}, wantStdout: "nodes.cue", wantStderr: "cloudflare_token: a secret"},
		{name: "missing argument", args: []string{"import", "cluster-template", ct + "cluster.yaml"}, wantCode: ExitUsage, wantStderr: "accepts 2 arg"},
		// A file that cannot be read is named as given, with the input it was meant to be.
		{name: "missing talconfig", args: []string{"import", "talhelper", "nope.yaml"}, wantCode: ExitBadInput,
			wantStderr: "hogen: reading nope.yaml (the talconfig): no such file: give the path of talhelper's talconfig.yaml\n"},
		{name: "talconfig is a directory", args: []string{"import", "talhelper", th}, wantCode: ExitBadInput,
			wantStderr: "hogen: reading " + th + " (the talconfig): is a directory\n"},
		{name: "missing cluster file", args: []string{"import", "cluster-template", "missing.yaml", ct + "nodes.yaml"}, wantCode: ExitBadInput,
			wantStderr: "hogen: reading missing.yaml (the cluster file): no such file: give the path of cluster-template's cluster.yaml\n"},
		{name: "missing nodes file", args: []string{"import", "cluster-template", ct + "cluster.yaml", "missing.yaml"}, wantCode: ExitBadInput,
			wantStderr: "hogen: reading missing.yaml (the nodes file): no such file: give the path of cluster-template's nodes.yaml\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := t.TempDir()
			var stdout, stderr bytes.Buffer
			code := Main(append(tt.args, "-o", out), nil, &stdout, &stderr)
			if code != tt.wantCode || !strings.Contains(stdout.String(), tt.wantStdout) || !strings.Contains(stderr.String(), tt.wantStderr) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit %d, stdout with %q, stderr with %q",
					code, stdout.String(), stderr.String(), tt.wantCode, tt.wantStdout, tt.wantStderr)
			}
			if code != 0 {
				return
			}
			for _, name := range []string{"cluster.cue", "nodes.cue"} {
				if _, err := os.Stat(filepath.Join(out, name)); err != nil {
					t.Errorf("%s not written: %v", name, err)
				}
			}
			// A second run must not overwrite without --force.
			code = Main(append(tt.args, "-o", out), nil, &stdout, &stderr)
			if code != ExitBadInput || !strings.Contains(stderr.String(), "pass --force") {
				t.Errorf("second run: exit %d, stderr %q; want a refusal to overwrite", code, stderr.String())
			}
		})
	}
}
