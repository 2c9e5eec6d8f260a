package compiler

import (
	"debug/elf"
	"maps"
	"os"
	"runtime/debug"
	"slices"
	"strings"
	"sync"

	"github.com/hogen-dev/hogen/compiler/inputs"
	"github.com/hogen-dev/hogen/compiler/load"
	"github.com/hogen-dev/hogen/compiler/model"
	"github.com/hogen-dev/hogen/compiler/sink"
	"github.com/hogen-dev/hogen/emitters"
)

// A build's trace (sink.Trace) names everything its files depend on, so
// that an unchanged tree is known current without evaluating the
// description. Its keys:
//
//	hogen             the hogen that built (identity)
//	emitters          the registry's emitters, in order
//	repo              the description's path in its Git repository
//	cue/<name>        each .cue file of the description
//	input/<path>      each secret input's ciphertext ("" when absent)
//	configmap/<path>  each file a generated ConfigMap reads
//	jsonnet           every Jsonnet file, when an emitter reads them
//
// What the build reads is a function of what it read before it (the .cue
// files name the ConfigMap files), so the same trace read again now means
// the same build.

// traceOf is the trace of a build of d from the .cue files cue, with
// secret inputs whose ciphertexts were those given; nil when none can be
// kept (no identity for this hogen).
func traceOf(opts Options, registry []emitters.Emitter, cue map[string][]byte, ciphertexts map[string]string, d *model.Description) map[string]string {
	tr := fixedInputs(opts, registry)
	if tr == nil {
		return nil
	}
	tr["repo"] = sink.HashString(d.Inputs.RepoPath)
	for name, b := range cue {
		tr["cue/"+name] = sink.Hash(b)
	}
	maps.Copy(tr, ciphertexts)
	load.ForEachConfigFile(d, func(_ *model.ConfigMap, e *model.ConfigEntry) { tr["configmap/"+e.File] = sink.HashString(e.Data) })
	if len(d.Emitters.Jsonnet) > 0 {
		tr["jsonnet"] = jsonnetDigest(d.Inputs.Jsonnet)
	}
	return tr
}

// fixedInputs are the trace's keys that no file holds.
func fixedInputs(opts Options, registry []emitters.Emitter) map[string]string {
	id := identity(opts.Version)
	if id == "" || opts.SecretNames != nil || opts.AnySecret {
		return nil
	}
	names := make([]string, len(registry))
	for i, e := range registry {
		names[i] = e.Name()
	}
	return map[string]string{"hogen": sink.HashString(id), "emitters": sink.HashString(strings.Join(names, "\n"))}
}

// currentInputs is the trace a build of opts.Dir would record now, given
// the one recorded (which says which ConfigMap and Jsonnet files the
// description reads: the .cue files decide, and they are compared too).
// ok is false when something cannot be read: only a full build can say.
func currentInputs(opts Options, registry []emitters.Emitter, recorded map[string]string) (map[string]string, bool) {
	tr := fixedInputs(opts, registry)
	if tr == nil {
		return nil, false
	}
	tr["repo"] = sink.HashString(load.RepoPath(opts.Dir))
	cue, err := load.ReadDir(opts.Dir)
	if err != nil {
		return nil, false
	}
	for name, b := range cue {
		tr["cue/"+name] = sink.Hash(b)
	}
	ct, err := inputs.Ciphertexts(opts.Dir)
	if err != nil {
		return nil, false
	}
	maps.Copy(tr, ct)
	for k := range recorded {
		if rel, ok := strings.CutPrefix(k, "configmap/"); ok {
			b, err := load.ReadConfigFile(opts.Dir, rel)
			if err != nil {
				return nil, false
			}
			tr[k] = sink.Hash(b)
		}
	}
	if _, ok := recorded["jsonnet"]; ok {
		js, err := load.ReadJsonnet(opts.Dir)
		if err != nil {
			return nil, false
		}
		tr["jsonnet"] = jsonnetDigest(js)
	}
	return tr, true
}

// Fresh tells whether the tree in opts.Dir is current without evaluating
// the description: the last complete build recorded a trace, a build now
// would read exactly the same inputs, and every file it wrote is still
// there as written. It returns how many files hogen generated there, and
// how many warnings that build printed. Not
// fresh means only that a full build must tell; registry must be the one
// the builds use. A build that will write passes lock.
func Fresh(opts Options, registry []emitters.Emitter, lock bool) (files, warnings int, fresh bool) {
	return sink.Fresh(opts.Dir, lock, func(recorded map[string]string) bool {
		now, ok := currentInputs(opts, registry, recorded)
		return ok && maps.Equal(now, recorded)
	})
}

// jsonnetDigest is one digest of every Jsonnet file, path and contents.
func jsonnetDigest(files map[string][]byte) string {
	var b strings.Builder
	for _, p := range slices.Sorted(maps.Keys(files)) {
		b.WriteString(p + "\x00" + sink.Hash(files[p]) + "\n")
	}
	return sink.HashString(b.String())
}

// identity names the hogen that builds: a release's version, the same on
// every platform, as its output is; for any other build the executable's
// Go build ID, which changes with its code. "" when neither is known: no
// trace is then kept or trusted.
func identity(version string) string {
	if version != "" && version != "(devel)" && !strings.HasSuffix(version, "+dirty") {
		return "hogen " + version
	}
	if id := buildID(); id != "" {
		return "build " + id
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		rev, clean := "", false
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				clean = s.Value == "false"
			}
		}
		if rev != "" && clean {
			return "commit " + rev
		}
	}
	return ""
}

// buildID reads the Go build ID from the running executable's ELF note;
// "" when it has none (another format, no executable).
var buildID = sync.OnceValue(readBuildID)

func readBuildID() string {
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	f, err := elf.Open(exe)
	if err != nil {
		return ""
	}
	defer f.Close()
	s := f.Section(".note.go.buildid")
	if s == nil {
		return ""
	}
	b, err := s.Data()
	// The note: name size, description size, type (4), "Go\0\0", the ID.
	if err != nil || len(b) < 16 || string(b[12:16]) != "Go\x00\x00" {
		return ""
	}
	n := f.ByteOrder.Uint32(b[4:8])
	if uint64(len(b)) < 16+uint64(n) {
		return ""
	}
	return string(b[16 : 16+n])
}
