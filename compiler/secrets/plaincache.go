package secrets

import (
	"sync"

	"github.com/getsops/sops/v3"
)

// parsedPlain holds the sops trees GuardLeaks parsed of the files it scans
// in part (a Talos config: the fields SOPS leaves in clear), for the
// sealer to take when it encrypts the same plaintext. Parsing the YAML is
// most of the guard's cost, and the sealer would parse the same bytes
// again moments later. A tree is handed out once, as the sealer encrypts
// it in place; the guard only reads it. Each GuardLeaks call replaces what
// the previous one left, so the cache never outlives one build.
var parsedPlain = struct {
	sync.Mutex
	trees map[string]sops.TreeBranches
}{}

// resetParsed drops the trees of the previous build.
func resetParsed() {
	parsedPlain.Lock()
	parsedPlain.trees = map[string]sops.TreeBranches{}
	parsedPlain.Unlock()
}

// keepParsed offers the tree of plain to the sealer.
func keepParsed(plain []byte, branches sops.TreeBranches) {
	parsedPlain.Lock()
	if parsedPlain.trees != nil {
		parsedPlain.trees[string(plain)] = branches
	}
	parsedPlain.Unlock()
}

// plainTree is the yaml store's LoadPlainFile(plain), taking the tree the
// leak guard parsed of the same bytes if there is one.
func plainTree(plain []byte) (sops.TreeBranches, error) {
	parsedPlain.Lock()
	branches, ok := parsedPlain.trees[string(plain)]
	if ok {
		delete(parsedPlain.trees, string(plain))
	}
	parsedPlain.Unlock()
	if ok {
		return branches, nil
	}
	return newStore().LoadPlainFile(plain)
}
