//go:build !unix

package sink

import (
	"errors"
	"io/fs"
	"os"
)

// errUnsupported: the sink needs openat(2) with O_NOFOLLOW to walk the
// tree without following links; hogen builds on Linux and macOS.
var errUnsupported = errors.New("hogen writes output only on Linux and macOS")

var errSymlink = errors.New("is a symbolic link: hogen never reads, writes or deletes through one")

// LockName is the lock file a build holds at the output root.
const LockName = ".hogen.lock"

type tree struct{ dir string }

type entry struct {
	exists bool
	mode   os.FileMode
}

// Lock is a held build lock.
type Lock struct{ Recovered bool }

// Unlock releases the lock.
func (l *Lock) Unlock() {}

func openTree(string) (*tree, error)                     { return nil, errUnsupported }
func lockTree(*tree) (*Lock, error)                      { return nil, errUnsupported }
func closeFD(int)                                        {}
func (t *tree) close()                                   {}
func (t *tree) openDir(string, *[]string) (int, error)   { return -1, errUnsupported }
func (t *tree) lstat(string) (entry, error)              { return entry{}, errUnsupported }
func (t *tree) read(string) ([]byte, os.FileMode, error) { return nil, 0, errUnsupported }
func (t *tree) rename(string, string, string) error      { return errUnsupported }
func (t *tree) remove(string, bool) error                { return errUnsupported }
func (t *tree) writable(string) error                    { return errUnsupported }
func (t *tree) syncDir(string) error                     { return errUnsupported }
func (t *tree) list(string) ([]fs.DirEntry, error)       { return nil, errUnsupported }
func (t *tree) create(string, os.FileMode, bool, *[]string) (*os.File, error) {
	return nil, errUnsupported
}

func (t *tree) readEach([]string, func(string, []byte) bool) bool { return false }
func (t *tree) readEachIn([]string, func(string, []byte) bool, func(string, []string) bool) bool {
	return false
}
