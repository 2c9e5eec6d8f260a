package load

import (
	"os"
	"path/filepath"
)

// RepoPath is dir's slash path inside the Git repository that holds it:
// below the nearest directory above it with a .git (a directory, or a
// worktree's file); "" at the repository's root or outside any.
func RepoPath(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	for d := abs; ; d = filepath.Dir(d) {
		if _, err := os.Lstat(filepath.Join(d, ".git")); err == nil {
			if rel, _ := filepath.Rel(d, abs); rel != "." {
				return filepath.ToSlash(rel)
			}
			return ""
		}
		if filepath.Dir(d) == d {
			return ""
		}
	}
}
