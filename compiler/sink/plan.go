package sink

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"runtime"
	"slices"
	"strings"

	"golang.org/x/sync/errgroup"
	"gopkg.in/yaml.v3"

	"github.com/hogen-dev/hogen/emitters"
)

// Change is one file the plan writes or prunes.
type Change struct {
	Path   string
	Old    []byte // nil when the file is new
	New    []byte // nil when the file is pruned
	Secret bool
	mode   os.FileMode // the old file's permissions, kept by a rewrite
}

// Plan is what a build would do to the output tree, computed without
// writing anything: the basis of build, --check and diff alike.
type Plan struct {
	root      string
	scope     Scope
	Writes    []Change // new and changed files, in path order
	Prunes    []Change // files hogen generated before and no longer does
	Unchanged int
	// Unverified are secret files kept as they are because their plaintext
	// could not be computed, or the sealer could not open them (no private
	// key): not checked, not rewritten. Sorted.
	Unverified []string
	// Outdated are the unverified files whose digest shows them stale:
	// they need rebuilding, which only the key allows. Matched are those
	// whose digest shows them current, but for their secret inputs.
	Outdated, Matched []string
	digests           map[string]recorded // the manifest's digests after the plan
	hashes            map[string]string   // the manifest's files after the plan
	trace             *Trace              // the manifest's trace after the plan
	oldTrace          *Trace              // the trace on disk
	manifest          []byte              // the manifest's new bytes, nil when unchanged
	oldManifest       []byte              // the manifest on disk, for the diff
	// traceOnly: the manifest changes only in its trace and units, which
	// say how fast the next build can be, not whether the tree is current.
	traceOnly bool
	// newTrace: trace was recorded by this build, and binds its files.
	newTrace bool
	encoded  bool            // manifest and traceOnly are current
	units    map[string]Unit // the manifest's units after the plan
	oldUnits map[string]Unit
	items    []item // the files generated or kept, in the emitters' order
}

// Clean tells whether the tree already matches: nothing to write or
// prune, and the manifest current but perhaps for its trace (which Apply
// still writes).
func (p *Plan) Clean() bool {
	m, traceOnly := p.newManifest()
	return len(p.Writes) == 0 && len(p.Prunes) == 0 && (m == nil || traceOnly)
}

// encode sets the manifest's new bytes, nil when they are those on disk.
func (p *Plan) encode() { p.encoded = false }

// newManifest is the manifest's new bytes, nil when they are those on
// disk, and whether they differ only in the trace and units; encoded once
// the plan is complete.
func (p *Plan) newManifest() ([]byte, bool) {
	if !p.encoded {
		p.encodeNow()
		p.encoded = true
	}
	return p.manifest, p.traceOnly
}

func (p *Plan) encodeNow() {
	if p.newTrace {
		p.trace.Files = bind(p.trace.Inputs, p.hashes, p.digests, p.units, p.trace.Warnings)
	}
	p.manifest = encodeTraced(p.hashes, p.digests, p.units, p.trace)
	if string(p.oldManifest) == string(p.manifest) {
		p.manifest = nil
	}
	p.traceOnly = p.manifest != nil && string(p.oldManifest) == string(encodeTraced(p.hashes, p.digests, p.oldUnits, p.oldTrace))
}

// NewPlan compares files with the tree under dir. Secret files go through
// sealer (concurrently; it must be safe for that), which keeps unchanged
// ciphertext. Every file must lie under scope's roots and be no input.
// A file at a generated path that hogen did not generate (not in the
// manifest) is refused, unless it already holds exactly the generated
// bytes; a file the manifest lists that is no longer generated is pruned
// only when the scope allows it and it still holds the recorded bytes.
func NewPlan(dir string, files []emitters.File, sealer Sealer, scope Scope) (*Plan, error) {
	return NewPlanKeeping(dir, files, nil, sealer, scope)
}

// NewPlanKeeping is NewPlan of a build that made only some units of its
// emitters' output, and keeps the files of the others (kept, by name, as
// Reusable found them) as they are on disk.
func NewPlanKeeping(dir string, files []emitters.File, kept map[string]Unit, sealer Sealer, scope Scope) (*Plan, error) {
	all := slices.Clone(files)
	for _, name := range slices.Sorted(maps.Keys(kept)) {
		for _, f := range kept[name].Files {
			all = append(all, emitters.File{Path: f, Unit: name})
		}
	}
	if err := checkPaths(all, scope); err != nil {
		return nil, err
	}
	t, err := openTree(dir)
	if err != nil {
		return nil, err
	}
	defer t.close()
	if e, err := t.lstat(JournalName); err != nil || e.exists {
		return nil, errors.Join(err, errInterrupted(dir))
	}
	own, oldManifest, err := readManifest(t)
	if err != nil {
		return nil, err
	}
	p := &Plan{root: dir, scope: scope, digests: map[string]recorded{}, hashes: map[string]string{}, oldManifest: oldManifest,
		trace: own.trace, oldTrace: own.trace, units: map[string]Unit{}, oldUnits: own.units}
	items, err := readAll(t, files)
	if err != nil {
		return nil, err
	}
	kept2, err := keep(t, own, kept)
	if err != nil {
		return nil, err
	}
	for name := range kept {
		p.units[name] = kept[name]
	}
	if err := seal(items, sealer); err != nil {
		return nil, err
	}
	p.items = append(items, kept2...)
	if err := p.compare(p.items, own, sealer); err != nil {
		return nil, err
	}
	if err := p.stale(t, own, p.items); err != nil {
		return nil, err
	}
	p.encode()
	slices.SortFunc(p.Writes, func(a, b Change) int { return strings.Compare(a.Path, b.Path) })
	slices.Sort(p.Unverified)
	return p, nil
}

// compare sorts the generated files into writes and unchanged ones, and
// records what the manifest will say of each.
func (p *Plan) compare(items []item, own owned, sealer Sealer) error {
	// A sealer may keep a file it could not open; that is unverified too.
	if v, ok := sealer.(interface{ Unverified(path string) bool }); ok {
		for i := range items {
			if items[i].f.Secret && !items[i].unverified && v.Unverified(items[i].f.Path) {
				items[i].unverified = true
			}
		}
	}
	var foreign, inputs []string
	for _, it := range items {
		path := it.f.Path
		oldHash, mine := own.hashes[path]
		switch {
		case it.unverified:
			p.Unverified = append(p.Unverified, path)
			p.hashes[path] = oldHash // what was checked before, if anything
		case it.kept:
			p.hashes[path] = oldHash // as keep checked
		default:
			p.hashes[path] = fileHash(it.data)
		}
		p.digest(it, own.digests[path])
		same := it.kept || it.old != nil && string(it.old) == string(it.data)
		switch {
		case p.scope.protected(path, it.old) != "":
			inputs = append(inputs, path+" "+p.scope.protected(path, it.old))
		case it.old != nil && !mine && (it.unverified || !same):
			// Not ours: refused, even when unverified (no key), so a file
			// kept without a key is never adopted and overwritten later.
			foreign = append(foreign, path)
		case same:
			p.Unchanged++
		default:
			p.Writes = append(p.Writes, Change{Path: path, Old: it.old, New: it.data, Secret: it.f.Secret, mode: it.mode})
		}
	}
	if len(inputs) > 0 {
		return fmt.Errorf("refusing to write files hogen must never write:\n\t%s\nchange the emitter that writes them", strings.Join(inputs, "\n\t"))
	}
	if len(foreign) > 0 {
		return fmt.Errorf("refusing to overwrite files hogen did not generate:\n\t%s\nmove them away (or delete them), then build again", strings.Join(foreign, "\n\t"))
	}
	return nil
}

// digest records what the manifest will hold for it: for a file built
// and checked now, its digest and bytes; for one kept unverified, what was
// recorded before, since nothing checked the file against the new digest.
// A kept file is outdated when its digest changed, or its bytes did since
// hogen wrote them (a hand edit, a bad merge).
func (p *Plan) digest(it item, old recorded) {
	switch {
	case it.kept:
		if old.Inputs != "" {
			p.digests[it.f.Path] = old
		}
	case it.f.Digest == "":
	case !it.unverified:
		p.digests[it.f.Path] = recorded{Inputs: it.f.Digest, File: fileHash(it.data)}
	case old.Inputs != "":
		p.digests[it.f.Path] = old
		if old.Inputs != it.f.Digest || old.File != fileHash(it.old) {
			p.Outdated = append(p.Outdated, it.f.Path)
		} else {
			p.Matched = append(p.Matched, it.f.Path)
		}
	}
}

// Sealed tells whether b is a SOPS-encrypted YAML file: top-level sops
// metadata with a MAC.
func Sealed(b []byte) bool {
	var doc struct {
		SOPS *struct {
			MAC string `yaml:"mac"`
		} `yaml:"sops"`
	}
	return yaml.Unmarshal(b, &doc) == nil && doc.SOPS != nil && doc.SOPS.MAC != ""
}

// item is one generated file on its way to the plan.
type item struct {
	f          emitters.File
	old        []byte      // on disk now; nil if nothing is there
	mode       os.FileMode // the permissions of old
	data       []byte      // what goes to disk: the plaintext, or the sealed bytes
	unverified bool        // a secret file kept because its plaintext is unknown
	kept       bool        // a file of a unit kept from the last build, as it is
}

func readAll(t *tree, files []emitters.File) ([]item, error) {
	items := make([]item, len(files))
	var errs []error
	for i, f := range files {
		old, mode, err := t.read(f.Path)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		items[i] = item{f: f, old: old, mode: mode, data: f.Data}
		if f.Secret && f.Data == nil {
			switch {
			case old == nil:
				return nil, fmt.Errorf("%s is new and secret, but its values cannot be read without the age key: provide the key (SOPS_AGE_KEY_FILE or SOPS_AGE_KEY) and build again", f.Path)
			case !Sealed(old):
				return nil, fmt.Errorf("%s should be SOPS-encrypted but is not (a plaintext secret?); without the age key hogen cannot regenerate it: provide the key and build again", f.Path)
			}
			items[i].data, items[i].unverified = old, true
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("refusing to write:\n\t%w\nreplace each link with the directory or file it stands for, then build again", joinLines(errs))
	}
	return items, nil
}

// joinLines joins errors one per tab-indented line.
func joinLines(errs []error) error {
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.Error()
	}
	return errors.New(strings.Join(slices.Compact(msgs), "\n\t"))
}

// seal encrypts the secret files, on every core: SOPS encryption is most
// of a large build's time. Results land in their own items, so the plan
// stays in file order.
func seal(items []item, sealer Sealer) error {
	for _, it := range items {
		if it.f.Secret && !it.unverified && sealer == nil {
			return fmt.Errorf("%s is secret, but no age recipients are set to encrypt it (set cluster.sops.ageRecipients)", it.f.Path)
		}
	}
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i := range items {
		it := &items[i]
		if !it.f.Secret || it.unverified || it.kept {
			continue
		}
		g.Go(func() error {
			data, err := sealer.Seal(it.f.Path, it.f.Data, it.old, it.f.EncryptedRegex)
			if err != nil {
				return fmt.Errorf("encrypting %s: %w", it.f.Path, err)
			}
			it.data = data
			return nil
		})
	}
	return g.Wait()
}

func checkPaths(files []emitters.File, scope Scope) error {
	seen := map[string]bool{}
	var errs []error
	for _, f := range files {
		switch err := CheckPath(f.Path); {
		case err != nil:
			errs = append(errs, err)
		case scope.protected(f.Path, nil) != "":
			errs = append(errs, fmt.Errorf("output path %q %s: hogen never writes it", f.Path, scope.protected(f.Path, nil)))
		case !scope.inRoots(f.Path):
			errs = append(errs, fmt.Errorf("output path %q is outside every emitter's output roots (%s)", f.Path, strings.Join(scope.Roots, ", ")))
		}
		if seen[f.Path] {
			errs = append(errs, fmt.Errorf("output path %q is generated twice", f.Path))
		}
		seen[f.Path] = true
	}
	return errors.Join(errs...)
}
