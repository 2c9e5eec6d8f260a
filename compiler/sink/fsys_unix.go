//go:build unix

package sink

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"

	"golang.org/x/sys/unix"
)

// tree is the output directory, opened once. Every path under it is
// reached one component at a time, each directory opened with O_NOFOLLOW
// and the last component handled relative to its parent's descriptor: no
// read, write, rename or removal passes through a symbolic link, even one
// that stays inside the tree (os.Root follows those, so a link to .git
// would lead it there), and a directory swapped for a link after hogen
// opened it is not followed either.
type tree struct {
	dir string // as the caller named it
	fd  int
}

// errSymlink marks a path whose component is a symbolic link.
var errSymlink = errors.New("is a symbolic link: hogen never reads, writes or deletes through one")

func openTree(dir string) (*tree, error) {
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("opening output directory: %w", &fs.PathError{Op: "open", Path: dir, Err: err})
	}
	return &tree{dir: dir, fd: fd}, nil
}

func (t *tree) close() { closeFD(t.fd) }

func closeFD(fd int) { _ = unix.Close(fd) }

// openDir opens directory rel ("." is the root). With made non-nil,
// missing directories are created and appended to *made.
func (t *tree) openDir(rel string, made *[]string) (int, error) {
	fd, err := unix.Dup(t.fd)
	if err != nil {
		return -1, err
	}
	if rel == "." {
		return fd, nil
	}
	walked := ""
	for _, name := range strings.Split(rel, "/") {
		walked = path.Join(walked, name)
		next, err := openSub(fd, name)
		if errors.Is(err, unix.ENOENT) && made != nil {
			switch merr := unix.Mkdirat(fd, name, 0o755); {
			case merr == nil:
				*made = append(*made, walked)
			case !errors.Is(merr, unix.EEXIST):
				_ = unix.Close(fd)
				return -1, fmt.Errorf("creating directory %s: %w", walked, merr)
			}
			next, err = openSub(fd, name)
		}
		if err != nil {
			err = blocked(fd, name, walked, err)
			_ = unix.Close(fd)
			return -1, err
		}
		_ = unix.Close(fd)
		fd = next
	}
	return fd, nil
}

func openSub(dirfd int, name string) (int, error) {
	for {
		fd, err := unix.Openat(dirfd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if !errors.Is(err, unix.EINTR) {
			return fd, err
		}
	}
}

// blocked turns the error of opening name (at walked) into one that says
// what is in the way.
func blocked(dirfd int, name, walked string, err error) error {
	var st unix.Stat_t
	if serr := unix.Fstatat(dirfd, name, &st, unix.AT_SYMLINK_NOFOLLOW); serr == nil {
		switch uint32(st.Mode) & unix.S_IFMT {
		case unix.S_IFLNK:
			return fmt.Errorf("%s %w", walked, errSymlink)
		case unix.S_IFDIR:
		default:
			return fmt.Errorf("%s is not a directory", walked)
		}
	}
	if errors.Is(err, unix.ENOENT) {
		return &fs.PathError{Op: "open", Path: walked, Err: fs.ErrNotExist}
	}
	return &fs.PathError{Op: "open", Path: walked, Err: err}
}

// entry is what lstat found at a path.
type entry struct {
	exists bool
	mode   os.FileMode // type bits and permissions
}

// lstat looks at rel without following a link at any component. A missing
// parent directory means rel does not exist.
func (t *tree) lstat(rel string) (entry, error) {
	dfd, err := t.openDir(path.Dir(rel), nil)
	if errors.Is(err, fs.ErrNotExist) {
		return entry{}, nil
	}
	if err != nil {
		return entry{}, err
	}
	defer unix.Close(dfd)
	var st unix.Stat_t
	switch err := unix.Fstatat(dfd, path.Base(rel), &st, unix.AT_SYMLINK_NOFOLLOW); {
	case errors.Is(err, unix.ENOENT):
		return entry{}, nil
	case err != nil:
		return entry{}, &fs.PathError{Op: "lstat", Path: rel, Err: err}
	}
	return entry{exists: true, mode: fileMode(uint32(st.Mode))}, nil
}

func fileMode(m uint32) os.FileMode {
	mode := os.FileMode(m & 0o777)
	switch m & unix.S_IFMT {
	case unix.S_IFDIR:
		mode |= fs.ModeDir
	case unix.S_IFLNK:
		mode |= fs.ModeSymlink
	case unix.S_IFREG:
	default:
		mode |= fs.ModeIrregular
	}
	return mode
}

// read returns the bytes of the regular file rel and its mode; nil bytes
// when nothing is there. A link or anything but a regular file is an error.
func (t *tree) read(rel string) ([]byte, os.FileMode, error) {
	e, err := t.lstat(rel)
	if err != nil || !e.exists {
		return nil, 0, err
	}
	switch {
	case e.mode&fs.ModeSymlink != 0:
		return nil, 0, fmt.Errorf("%s %w", rel, errSymlink)
	case !e.mode.IsRegular():
		return nil, 0, fmt.Errorf("%s exists and is not a regular file (%s); hogen will not replace it", rel, e.mode.Type())
	}
	dfd, err := t.openDir(path.Dir(rel), nil)
	if err != nil {
		return nil, 0, err
	}
	defer unix.Close(dfd)
	fd, err := unix.Openat(dfd, path.Base(rel), unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
	if err != nil {
		return nil, 0, &fs.PathError{Op: "open", Path: rel, Err: err}
	}
	f := os.NewFile(uintptr(fd), rel)
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		return nil, 0, fmt.Errorf("reading %s: %w", rel, err)
	}
	if b == nil {
		b = []byte{}
	}
	return b, e.mode.Perm(), nil
}

// create makes the new file rel (which must not exist) with perm, making
// missing parents (appended to made). perm is exact when exact is set,
// else the umask applies, as for any new file.
func (t *tree) create(rel string, perm os.FileMode, exact bool, made *[]string) (*os.File, error) {
	dfd, err := t.openDir(path.Dir(rel), made)
	if err != nil {
		return nil, err
	}
	defer unix.Close(dfd)
	fd, err := unix.Openat(dfd, path.Base(rel), unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, uint32(perm))
	if err != nil {
		return nil, &fs.PathError{Op: "create", Path: rel, Err: err}
	}
	if exact {
		if err := unix.Fchmod(fd, uint32(perm)); err != nil {
			_ = unix.Close(fd)
			_ = unix.Unlinkat(dfd, path.Base(rel), 0)
			return nil, &fs.PathError{Op: "chmod", Path: rel, Err: err}
		}
	}
	return os.NewFile(uintptr(fd), rel), nil
}

// rename moves the entry from to the name to, both base names in dir.
func (t *tree) rename(dir, from, to string) error {
	if err := step("rename", path.Join(dir, to)); err != nil {
		return err
	}
	dfd, err := t.openDir(dir, nil)
	if err != nil {
		return err
	}
	defer unix.Close(dfd)
	if err := unix.Renameat(dfd, from, dfd, to); err != nil {
		return &fs.PathError{Op: "rename", Path: path.Join(dir, from) + " to " + to, Err: err}
	}
	return nil
}

// remove unlinks the file rel, or removes it as an empty directory.
func (t *tree) remove(rel string, isDir bool) error {
	if !isDir {
		if err := step("unlink", rel); err != nil {
			return err
		}
	}
	dfd, err := t.openDir(path.Dir(rel), nil)
	if err != nil {
		return err
	}
	defer unix.Close(dfd)
	flags := 0
	if isDir {
		flags = unix.AT_REMOVEDIR
	}
	if err := unix.Unlinkat(dfd, path.Base(rel), flags); err != nil {
		return &fs.PathError{Op: "remove", Path: rel, Err: err}
	}
	return nil
}

// writable tells whether hogen may add and remove entries in dir.
func (t *tree) writable(dir string) error {
	dfd, err := t.openDir(dir, nil)
	if err != nil {
		return err
	}
	defer unix.Close(dfd)
	if err := unix.Faccessat(dfd, ".", unix.W_OK|unix.X_OK, 0); err != nil {
		return &fs.PathError{Op: "write to", Path: dir, Err: err}
	}
	return nil
}

// syncDir flushes dir's entries (a rename is durable once its directory is).
func (t *tree) syncDir(dir string) error {
	if err := step("fsync", dir); err != nil {
		return err
	}
	dfd, err := t.openDir(dir, nil)
	if err != nil {
		return err
	}
	defer unix.Close(dfd)
	if err := unix.Fsync(dfd); err != nil {
		return &fs.PathError{Op: "fsync", Path: dir, Err: err}
	}
	return nil
}

// list returns the entries of dir (nil if it does not exist); links are
// listed, never followed.
func (t *tree) list(dir string) ([]fs.DirEntry, error) {
	dfd, err := t.openDir(dir, nil)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(dfd), dir)
	defer f.Close()
	return f.ReadDir(-1)
}
