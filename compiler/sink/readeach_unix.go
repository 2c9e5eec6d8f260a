//go:build unix

package sink

import (
	"errors"
	"os"
	"path"
	"slices"
	"strings"

	"golang.org/x/sys/unix"
)

// readEach reads the regular files at paths, in sorted order, and calls fn
// with each one's bytes, as read would, but opening each directory once
// (relative to its parent, never through a link) rather than walking from
// the root for every file: the cost of checking a large tree is mostly
// system calls. A path that is missing, a link, or no regular file, makes
// it stop with ok false; so does fn returning false.
func (t *tree) readEach(paths []string, fn func(p string, b []byte) bool) (ok bool) {
	return t.readEachIn(paths, fn, nil)
}

// readEachIn is readEach that also calls in, when not nil, with the names
// in the top directory and in each directory holding one of paths, once
// each, as it opens them; in returning false stops it too.
func (t *tree) readEachIn(paths []string, fn func(p string, b []byte) bool, in func(dir string, names []string) bool) (ok bool) {
	listed := map[string]bool{}
	list := func(dir string, fd int) bool {
		if in == nil || listed[dir] {
			return true
		}
		listed[dir] = true
		names, err := namesAt(fd)
		return err == nil && in(dir, names)
	}
	if !list(".", t.fd) {
		return false
	}
	type open struct {
		dir string
		fd  int
	}
	stack := []open{{".", t.fd}}
	defer func() {
		for _, o := range stack[1:] {
			closeFD(o.fd)
		}
	}()
	var buf []byte
	for _, p := range slices.Sorted(slices.Values(paths)) {
		dir := path.Dir(p)
		for len(stack) > 1 && !within(dir, stack[len(stack)-1].dir) {
			closeFD(stack[len(stack)-1].fd)
			stack = stack[:len(stack)-1]
		}
		for top := stack[len(stack)-1]; top.dir != dir; top = stack[len(stack)-1] {
			rest := strings.TrimPrefix(dir, top.dir+"/")
			if top.dir == "." {
				rest = dir
			}
			name, _, _ := strings.Cut(rest, "/")
			fd, err := openSub(top.fd, name)
			if err != nil {
				return false
			}
			stack = append(stack, open{path.Join(top.dir, name), fd})
		}
		if !list(dir, stack[len(stack)-1].fd) {
			return false
		}
		var err error
		if buf, err = readAt(stack[len(stack)-1].fd, path.Base(p), buf[:0]); err != nil || !fn(p, buf) {
			return false
		}
	}
	return true
}

// within tells whether dir is d or below it.
func within(dir, d string) bool {
	return d == "." || dir == d || strings.HasPrefix(dir, d+"/")
}

var errNotRegular = errors.New("not a regular file")

// readAt reads the regular file name in directory dirfd into buf.
func readAt(dirfd int, name string, buf []byte) ([]byte, error) {
	fd, err := unix.Openat(dirfd, name, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer closeFD(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, err
	}
	if uint32(st.Mode)&unix.S_IFMT != unix.S_IFREG {
		return nil, errNotRegular
	}
	buf = slices.Grow(buf, int(st.Size)+1)
	for {
		n, err := unix.Read(fd, buf[len(buf):cap(buf)])
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if n == 0 {
			return buf, nil
		}
		buf = buf[:len(buf)+n]
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, len(buf))
		}
	}
}

// namesAt lists the names in the open directory fd, which stays open.
func namesAt(fd int) ([]string, error) {
	dup, err := unix.Dup(fd)
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(dup), ".")
	defer f.Close()
	if _, err := unix.Seek(dup, 0, 0); err != nil {
		return nil, err
	}
	return f.Readdirnames(-1)
}
