package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// version is stamped by release builds (.github/workflows/release.yaml):
//
//	-ldflags "-X github.com/hogen-dev/hogen/cmd/hogen/internal/cli.version=v0.1.0"
//
// `go install github.com/hogen-dev/hogen/cmd/hogen@v0.1.0` needs no stamp:
// the Go toolchain records the module version in the build info.
var version string

// Version is hogen's version: the release's tag, the module version it was
// installed at, or "(devel)" for a build from a checkout.
func Version() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

func newVersionCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print hogen's version",
		Long: `Version prints hogen's version, then the Go release and platform it was
built with. The version is the release tag (vMAJOR.MINOR.PATCH) for release
binaries and go install ...@TAG, "(devel)" for a build from a checkout.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintf(env.Stdout, "hogen %s (%s, %s/%s)\n", Version(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return nil
		},
	}
}
