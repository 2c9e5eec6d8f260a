package sink

// stepHook, when set, is called before every fsync, rename and unlink the
// sink makes, with the operation and the slash path it is about to touch.
// Tests set it to make one fail, or to kill the process right there, to
// check that the tree stays whole. It is nil outside tests.
var stepHook func(op, path string) error

func step(op, path string) error {
	if stepHook == nil {
		return nil
	}
	return stepHook(op, path)
}
