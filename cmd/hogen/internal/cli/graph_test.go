package cli

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

func TestGraphCmd(t *testing.T) {
	example := filepath.Join("..", "..", "..", "..", "examples", "homelab")
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantPrefix string
		wantErr    string
	}{
		{name: "mermaid by default", args: []string{"graph", example}, wantPrefix: "flowchart LR\n"},
		{name: "dot", args: []string{"graph", "--format", "dot", example}, wantPrefix: "digraph flux {\n"},
		{name: "bad format", args: []string{"graph", "--format", "svg", example}, wantCode: ExitUsage, wantErr: `--format "svg": want mermaid or dot`},
		{name: "two dirs", args: []string{"graph", example, example}, wantCode: ExitUsage},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			env := &Env{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" }}
			if code := run(context.Background(), env, tc.args); code != tc.wantCode {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tc.wantCode, stderr.String())
			}
			if !strings.HasPrefix(stdout.String(), tc.wantPrefix) {
				t.Errorf("stdout = %q, want it to start with %q", stdout.String(), tc.wantPrefix)
			}
			if !strings.Contains(stderr.String(), tc.wantErr) {
				t.Errorf("stderr = %q, want it to contain %q", stderr.String(), tc.wantErr)
			}
		})
	}
}
