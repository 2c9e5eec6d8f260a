package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExitCodes pins the contract scripts rely on: 0 ok, 1 bad input or
// drift, 2 bad usage.
func TestExitCodes(t *testing.T) {
	good := t.TempDir()
	if code := runIn(t, "init", good); code != ExitOK {
		t.Fatalf("init: exit %d", code)
	}
	bad := t.TempDir()
	if err := os.WriteFile(filepath.Join(bad, "cluster.cue"), []byte("package x\ncluster: name: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want int
	}{
		{"vet ok", []string{"vet", good}, ExitOK},
		{"vet bad input", []string{"vet", bad}, ExitBadInput},
		{"vet missing dir", []string{"vet", filepath.Join(good, "nope")}, ExitBadInput},
		{"unknown command", []string{"frobnicate"}, ExitUsage},
		{"unknown flag", []string{"build", "--frob"}, ExitUsage},
		{"too many args", []string{"vet", "a", "b"}, ExitUsage},
		{"init needs a dir", []string{"init"}, ExitUsage},
		{"unknown talos subcommand", []string{"talos", "confg", "cp-1"}, ExitUsage},
		{"unknown secrets subcommand", []string{"secrets", "frob"}, ExitUsage},
		{"unknown import source", []string{"import", "kubespray"}, ExitUsage},
		{"bare group", []string{"import"}, ExitUsage},
		{"completion for an unknown shell", []string{"completion", "tcsh"}, ExitUsage},
		{"completion for bash", []string{"completion", "bash"}, ExitOK},
		{"check drift", []string{"build", "--check", good}, ExitBadInput},
		{"version", []string{"version"}, ExitOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := runIn(t, tt.args...); got != tt.want {
				t.Errorf("hogen %v: exit %d, want %d", tt.args, got, tt.want)
			}
		})
	}
}

// TestMessages: what hogen says when stopped or misused names no Go
// internals.
func TestMessages(t *testing.T) {
	good := t.TempDir()
	if code := runIn(t, "init", good); code != ExitOK {
		t.Fatalf("init: exit %d", code)
	}
	stopped, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tt := range []struct {
		name string
		ctx  context.Context
		args []string
		code int
		want string
	}{
		{"bad bool", context.Background(), []string{"build", "--check=maybe", good}, ExitUsage,
			"hogen: --check takes true or false (or no value at all), not \"maybe\"\n"},
		{"interrupted", stopped, []string{"build", good}, ExitBadInput,
			"hogen: interrupted: stopped before changing anything, nothing was written\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			env := &Env{Stdin: &bytes.Buffer{}, Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
			if code := run(tt.ctx, env, tt.args); code != tt.code {
				t.Errorf("exit %d, want %d", code, tt.code)
			}
			if got, _, _ := strings.Cut(errb.String(), "Usage:"); got != tt.want {
				t.Errorf("stderr = %q, want %q", errb.String(), tt.want)
			}
			if strings.Contains(errb.String(), "strconv") || strings.Contains(errb.String(), "context canceled") {
				t.Errorf("Go internals in %q", errb.String())
			}
		})
	}
	if _, err := os.Stat(filepath.Join(good, "kubernetes")); err == nil {
		t.Error("the interrupted build wrote files")
	}
}

func runIn(t *testing.T, args ...string) int {
	t.Helper()
	var out, errb bytes.Buffer
	// An age key file of the test's own, never the developer's.
	keyFile := filepath.Join(t.TempDir(), "keys.txt")
	getenv := func(k string) string {
		if k == "SOPS_AGE_KEY_FILE" {
			return keyFile
		}
		return ""
	}
	env := &Env{Stdin: &bytes.Buffer{}, Stdout: &out, Stderr: &errb, Getenv: getenv}
	return run(context.Background(), env, args)
}
