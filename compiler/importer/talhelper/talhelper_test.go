package talhelper

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hogen-dev/hogen/compiler/importer"
	"github.com/hogen-dev/hogen/compiler/importer/importertest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func TestImportGolden(t *testing.T) {
	tests := []struct {
		name string
		dir  string
		opts importer.Options
	}{
		{name: "homelab with three nodes", dir: "testdata/homelab", opts: importer.Options{Package: "homelab", FluxURL: "https://github.com/me/home-ops"}},
		{name: "minimal", dir: "testdata/minimal", opts: importer.Options{}},
		{name: "dual-stack with NTP servers", dir: "testdata/dualstack", opts: importer.Options{FluxURL: "https://github.com/me/home-ops"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, err := os.ReadFile(filepath.Join(tt.dir, "talconfig.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			r, err := Import("talconfig.yaml", src, os.DirFS(tt.dir), tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			importertest.Golden(t, tt.dir, r, *update)
			importertest.Validate(t, r.Files)
		})
	}
}

func TestImportErrors(t *testing.T) {
	tests := []struct {
		name, src, wantErr string
	}{
		{name: "no nodes", src: "clusterName: a\nendpoint: https://10.0.0.1:6443\n", wantErr: "no nodes"},
		{name: "bad endpoint", src: "clusterName: a\nendpoint: 10.0.0.1\nnodes: [{hostname: a, ipAddress: 10.0.0.2}]\n", wantErr: "is not a URL"},
		{name: "envsubst hostname", src: "clusterName: a\nendpoint: https://10.0.0.1:6443\nnodes: [{hostname: \"${HOST}\", ipAddress: 10.0.0.2}]\n", wantErr: "is not a DNS label"},
		{name: "no IPv4", src: "clusterName: a\nendpoint: https://10.0.0.1:6443\nnodes: [{hostname: a, ipAddress: \"fd00::1\"}]\n", wantErr: "needs the node's IPv4 address"},
		{name: "not a mapping", src: "- a\n", wantErr: "must hold a mapping"},
		{name: "labels not strings", src: "clusterName: a\nendpoint: https://10.0.0.1:6443\nnodes:\n  - hostname: a\n    ipAddress: 10.0.0.2\n    nodeLabels: {a: [b]}\n", wantErr: "talconfig.yaml:6: nodes[0].nodeLabels: want a mapping of strings"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Import("talconfig.yaml", []byte(tt.src), nil, importer.Options{})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}
