package load

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"
)

// maxInputFiles bounds how many Jsonnet files a description may carry.
const maxInputFiles = 1000

// ReadJsonnet reads every .jsonnet and .libsonnet file under dir (skipping
// hidden directories), keyed by slash path relative to dir, so Jsonnet
// emitters and their imports evaluate without touching the disk. It reads
// through os.Root, so a symlink cannot lead it out of dir.
func ReadJsonnet(dir string) (map[string][]byte, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("reading Jsonnet emitters: %w", err)
	}
	defer root.Close()
	out := map[string][]byte{}
	err = fs.WalkDir(root.FS(), ".", func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() {
			if p != "." && strings.HasPrefix(e.Name(), ".") {
				return fs.SkipDir
			}
			return nil
		}
		if ext := path.Ext(p); (ext != ".jsonnet" && ext != ".libsonnet") || !e.Type().IsRegular() {
			return nil
		}
		if len(out) >= maxInputFiles {
			return fmt.Errorf("more than %d Jsonnet files under %s", maxInputFiles, dir)
		}
		b, err := fs.ReadFile(root.FS(), p)
		if err != nil {
			return err
		}
		out[p] = b
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading Jsonnet emitters: %w", err)
	}
	return out, nil
}
