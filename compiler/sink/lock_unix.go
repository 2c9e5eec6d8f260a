//go:build unix

package sink

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// LockName is the lock file a build holds at the output root. The lock is
// an flock(2) on it: the kernel drops it when the process dies, even by
// kill -9, so a file left behind is never a stale lock.
const LockName = ".hogen.lock"

// Lock is a held build lock.
type Lock struct {
	// Recovered tells that an interrupted build's changes were undone.
	Recovered bool
	t         *tree
	file      *os.File
}

// lockTree takes the lock of t without waiting. The error of a held lock
// names the process holding it.
func lockTree(t *tree) (*Lock, error) {
	for range 10 {
		fd, err := unix.Openat(t.fd, LockName, unix.O_RDWR|unix.O_CREAT|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o644)
		if err != nil {
			return nil, fmt.Errorf("taking the build lock %s: %w", filepath.Join(t.dir, LockName), err)
		}
		f := os.NewFile(uintptr(fd), LockName)
		if err := unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB); err != nil {
			holder := readHolder(f)
			f.Close()
			if errors.Is(err, unix.EWOULDBLOCK) {
				return nil, fmt.Errorf("another hogen build (%s) is writing %s: wait for it to finish, then build again", holder, t.dir)
			}
			return nil, fmt.Errorf("taking the build lock %s: %w", filepath.Join(t.dir, LockName), err)
		}
		// The holder before us may have removed the file after we opened
		// it: then the lock we hold is on a name no one else sees.
		var held, named unix.Stat_t
		if unix.Fstat(fd, &held) != nil || unix.Fstatat(t.fd, LockName, &named, unix.AT_SYMLINK_NOFOLLOW) != nil || held.Ino != named.Ino || held.Dev != named.Dev {
			f.Close()
			continue
		}
		if err := f.Truncate(0); err == nil {
			_, err = f.WriteAt([]byte("pid "+strconv.Itoa(os.Getpid())+"\n"), 0)
		}
		return &Lock{t: t, file: f}, nil
	}
	return nil, fmt.Errorf("taking the build lock %s: it keeps being replaced", filepath.Join(t.dir, LockName))
}

func readHolder(f *os.File) string {
	b, _ := io.ReadAll(io.LimitReader(f, 64))
	if pid, ok := strings.CutPrefix(strings.TrimSpace(string(b)), "pid "); ok {
		if _, err := strconv.Atoi(pid); err == nil {
			return "pid " + pid
		}
	}
	return "a process that has not written its pid yet"
}

// Unlock removes the lock file and releases the lock.
func (l *Lock) Unlock() {
	if l == nil || l.file == nil {
		return
	}
	_ = unix.Unlinkat(l.t.fd, LockName, 0)
	l.file.Close()
	l.file = nil
	l.t.close()
}
