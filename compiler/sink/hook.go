package sink

import "sync"

// stepHook, when set, is called before every fsync, rename and unlink the
// sink makes, with the operation and the slash path it is about to touch.
// Tests set it to make one fail, or to kill the process right there, to
// check that the tree stays whole. It is nil outside tests. Calls are
// serialised (temp files are written in parallel), so a hook may count.
var stepHook func(op, path string) error

var stepMu sync.Mutex

func step(op, path string) error {
	if stepHook == nil {
		return nil
	}
	stepMu.Lock()
	defer stepMu.Unlock()
	return stepHook(op, path)
}
