// Command hogen compiles a typed cluster description into Talos machine
// configs, a Flux repository layout and SOPS-encrypted secrets.
package main

import (
	"os"

	"github.com/hogen-dev/hogen/cmd/hogen/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
