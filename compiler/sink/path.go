package sink

import (
	"fmt"
	"path"
	"strings"
)

// CheckPath rejects any generated path that could land outside the output
// root or that means something else on another OS: absolute paths, "..",
// backslashes, empty or "." components, NUL, .git, and the names of
// hogen's own manifest, lock and journal.
func CheckPath(p string) error {
	switch {
	case p == "":
		return fmt.Errorf("empty output path")
	case strings.ContainsAny(p, "\\\x00:"):
		return fmt.Errorf("output path %q: backslashes, colons and NUL are not allowed", p)
	case strings.HasPrefix(p, "/"):
		return fmt.Errorf("output path %q is absolute; emitters write relative paths", p)
	case path.Clean(p) != p:
		return fmt.Errorf("output path %q is not clean (write %q)", p, path.Clean(p))
	case p == ".." || strings.HasPrefix(p, "../"):
		return fmt.Errorf("output path %q leaves the output directory", p)
	case p == ManifestName || p == LockName || p == JournalName:
		return fmt.Errorf("output path %q is hogen's own bookkeeping", p)
	}
	for _, part := range strings.Split(p, "/") {
		// .git case-folded: on macOS and Windows .GIT is the same directory.
		if part == "." || part == ".." || strings.EqualFold(part, ".git") {
			return fmt.Errorf("output path %q: component %q is not allowed", p, part)
		}
	}
	return nil
}
