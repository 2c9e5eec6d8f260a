//go:build unix

package sink

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hogen-dev/hogen/emitters"
)

// The test binary doubles as a child process that builds and is killed
// (HOGEN_SINK_CHILD=build:<op>:<n>: SIGKILL itself at the n-th op), or
// that holds the lock until killed (HOGEN_SINK_CHILD=hold).
func TestMain(m *testing.M) {
	if mode := os.Getenv("HOGEN_SINK_CHILD"); mode != "" {
		os.Exit(child(mode, os.Getenv("HOGEN_SINK_DIR")))
	}
	os.Exit(m.Run())
}

func child(mode, dir string) int {
	if mode == "hold" {
		l, err := Acquire(dir, killScope)
		if err != nil {
			fmt.Println(err)
			return 3
		}
		defer l.Unlock()
		fmt.Println("locked")
		time.Sleep(time.Minute)
		return 0
	}
	parts := strings.Split(mode, ":")
	at, _ := strconv.Atoi(parts[2])
	seen := 0
	stepHook = func(op, _ string) error {
		if op == parts[1] {
			if seen++; seen == at {
				syscall.Kill(os.Getpid(), syscall.SIGKILL)
				time.Sleep(time.Minute)
			}
		}
		return nil
	}
	if _, err := locked(dir, killV2, killScope); err != nil {
		fmt.Println(err)
		return 3
	}
	return 0
}

var (
	killScope = Scope{Roots: []string{"kubernetes", "talos"}, Secrets: []string{"talos/secrets.sops.yaml"}}
	killV1    = files("kubernetes/a.yaml", "a1\n", "kubernetes/same.yaml", "same\n", "kubernetes/old/s1.yaml", "s1\n", "kubernetes/old/s2.yaml", "s2\n", "talos/n1.yaml", "n1\n")
	killV2    = files("kubernetes/a.yaml", "a2\n", "kubernetes/same.yaml", "same\n", "kubernetes/new/deep/c.yaml", "c\n", "talos/n1.yaml", "n1 v2\n", "talos/n2.yaml", "n2\n")
)

// killTree is the tree before the killed build: v1 built, and files of the
// user's around and among hogen's.
func killTree(t *testing.T) string {
	dir := t.TempDir()
	for p, d := range map[string]string{"cluster.cue": "package home\n", "talos/secrets.sops.yaml": "bundle\n", "kubernetes/mine.yaml": "mine\n", ".git/config": "git\n"} {
		write(t, dir, p, d)
	}
	if _, err := locked(dir, killV1, killScope); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestKilledBuildLeavesOldOrNew kills a build at every fsync, rename and
// unlink it makes, one run each. After each kill no file of the user's
// has changed; once the next build has taken the lock the tree is the
// old one or the new one (never a mix), and that build leaves exactly the
// new one, with no temp file anywhere.
func TestKilledBuildLeavesOldOrNew(t *testing.T) {
	oldDir := killTree(t)
	old := fullSnapshot(t, oldDir)
	if _, err := locked(oldDir, killV2, killScope); err != nil {
		t.Fatal(err)
	}
	new := fullSnapshot(t, oldDir)
	user := []string{"cluster.cue", "talos/secrets.sops.yaml", "kubernetes/mine.yaml", ".git/config"}
	self, _ := os.Executable()
	for _, op := range []string{"fsync", "rename", "unlink"} {
		kills := 0
		for n := 1; ; n++ {
			dir := killTree(t)
			cmd := exec.Command(self, "-test.run=^$")
			cmd.Env = append(os.Environ(), fmt.Sprintf("HOGEN_SINK_CHILD=build:%s:%d", op, n), "HOGEN_SINK_DIR="+dir)
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if err == nil {
				break // the build made fewer than n such ops: all tried
			}
			if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
				t.Fatalf("%s #%d: child: %v\n%s", op, n, err, out)
			}
			kills++
			now := fullSnapshot(t, dir)
			for _, u := range user {
				if now[u] != old[u] {
					t.Errorf("%s #%d: user file %s changed", op, n, u)
				}
			}
			l, err := Acquire(dir, killScope)
			if err != nil {
				t.Fatalf("%s #%d: recovering: %v", op, n, err)
			}
			l.Unlock()
			got := fullSnapshot(t, dir)
			if cmp.Diff(old, got) != "" && cmp.Diff(new, got) != "" {
				t.Errorf("%s #%d: after recovery the tree is neither old nor new (-old +got):\n%s", op, n, cmp.Diff(old, got))
			}
			if _, err := locked(dir, killV2, killScope); err != nil {
				t.Fatalf("%s #%d: rebuild: %v", op, n, err)
			}
			if diff := cmp.Diff(new, fullSnapshot(t, dir)); diff != "" {
				t.Errorf("%s #%d: rebuild after the kill (-want +got):\n%s", op, n, diff)
			}
		}
		if kills < 3 {
			t.Errorf("only %d kills at %s: the hook is not reached", kills, op)
		}
		t.Logf("%s: killed at each of %d points", op, kills)
	}
}

// TestLockNamesHolder: a second build of a tree is refused, naming the
// holder's pid; a holder killed with -9 leaves no stale lock.
func TestLockNamesHolder(t *testing.T) {
	dir := t.TempDir()
	self, _ := os.Executable()
	cmd := exec.Command(self, "-test.run=^$")
	cmd.Env = append(os.Environ(), "HOGEN_SINK_CHILD=hold", "HOGEN_SINK_DIR="+dir)
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	if line, _ := bufio.NewReader(stdout).ReadString('\n'); line != "locked\n" {
		t.Fatalf("child: %q", line)
	}
	_, err := Acquire(dir, killScope)
	mustContain(t, err, fmt.Sprintf("another hogen build (pid %d) is writing", cmd.Process.Pid))
	if _, err := locked(dir, killV1, killScope); err == nil {
		t.Fatal("a build ran beside another")
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if _, err := os.Stat(filepath.Join(dir, LockName)); err != nil {
		t.Fatalf("the killed holder's lock file is gone (%v): the test would prove nothing", err)
	}
	if _, err := locked(dir, killV1, killScope); err != nil {
		t.Fatalf("after the holder was killed: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, LockName)); !os.IsNotExist(err) {
		t.Error("the lock file outlived the build")
	}
}

// TestBadJournalRefused: a journal that would move anything but hogen's
// own temp files, or touch an input, changes nothing.
func TestBadJournalRefused(t *testing.T) {
	for _, tc := range []struct{ name, journal, want string }{
		{"not JSON", "{", "cannot read it"},
		{"aside of another name", `{"ops":[{"path":"kubernetes/a.yaml","aside":"cluster.cue"}]}`, "not hogen's temp names"},
		{"an input", `{"ops":[{"path":"cluster.cue","aside":".cluster.cue.hogen-old1-0"}]}`, "cluster.cue is a description file"},
		{"escaping", `{"ops":[{"path":"../x","aside":".x.hogen-old1-0"}]}`, "leaves the output directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			write(t, dir, "cluster.cue", "package home\n")
			write(t, dir, ".cluster.cue.hogen-old1-0", "evil\n")
			write(t, dir, JournalName, tc.journal)
			before := fullSnapshot(t, dir)
			_, err := Acquire(dir, killScope)
			mustContain(t, err, JournalName, tc.want, "nothing was changed")
			if diff := cmp.Diff(before, fullSnapshot(t, dir)); diff != "" {
				t.Errorf("tree changed (-before +after):\n%s", diff)
			}
			_, err = NewPlan(dir, []emitters.File{}, nil, killScope)
			mustContain(t, err, "was interrupted")
		})
	}
}

// TestReadOnlyDirectoryChangesNothing: a prune a read-only directory
// blocks is found before anything moves, and nothing is changed. Root
// may write anywhere, so as root the test runs itself as nobody.
func TestReadOnlyDirectoryChangesNothing(t *testing.T) {
	if os.Getuid() == 0 {
		asNobody(t, "TestReadOnlyDirectoryChangesNothing")
		return
	}
	dir := t.TempDir()
	build(t, dir, files("k/x.yaml", "x1\n", "k/ro/a.yaml", "a\n", "k/ro/b.yaml", "b\n"))
	os.Chmod(filepath.Join(dir, "k/ro"), 0o555)
	defer os.Chmod(filepath.Join(dir, "k/ro"), 0o755)
	before := fullSnapshot(t, dir)
	p, err := NewPlan(dir, files("k/x.yaml", "x2\n", "k/ro/b.yaml", "b\n"), nil, everything)
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, p.Apply(t.Context()), "k/ro", "permission denied", "nothing was changed")
	if diff := cmp.Diff(before, fullSnapshot(t, dir)); diff != "" {
		t.Errorf("a blocked prune changed the tree (-before +after):\n%s", diff)
	}
}

// asNobody runs the test named in a child process as the nobody user.
func asNobody(t *testing.T, name string) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// The test binary's own directory is root's only: run a copy.
	bin, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "hogen-nobody")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	copied := filepath.Join(dir, "sink.test")
	if err := os.WriteFile(copied, bin, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(copied, "-test.run=^"+name+"$", "-test.v")
	cmd.Dir = os.TempDir()
	cmd.Env = append(os.Environ(), "TMPDIR="+os.TempDir(), "HOME=/")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("as nobody: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "--- PASS: "+name) {
		t.Fatalf("as nobody, the test did not run:\n%s", out)
	}
}
