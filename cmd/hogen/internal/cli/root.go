// Package cli is hogen's command line: thin commands over the compiler.
// Main is the only entry point; nothing below it exits the process.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Exit codes.
const (
	ExitOK       = 0
	ExitBadInput = 1 // bad description, failed build, or --check found drift
	ExitUsage    = 2 // bad flags or arguments
)

// Env is the process environment a command sees, passed in so tests run the
// CLI in-process.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Getenv reads an environment variable.
	Getenv func(string) string
}

// errUsage marks an error in how hogen was called.
type errUsage struct{ err error }

func (e errUsage) Error() string { return e.err.Error() }
func (e errUsage) Unwrap() error { return e.err }

// usageErrorf reports bad usage: exit status 2.
func usageErrorf(format string, args ...any) error {
	return errUsage{fmt.Errorf(format, args...)}
}

// errReported means the command already printed what went wrong (a
// diagnostics list or a diff); Main only sets the exit status.
var errReported = errors.New("reported")

// Main runs hogen with args and returns the process exit status.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	env := &Env{Stdin: stdin, Stdout: stdout, Stderr: stderr, Getenv: os.Getenv}
	// Ctrl-C cancels the context: a build stops before it renames anything
	// and removes its temp files, instead of dying half way.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return run(ctx, env, args)
}

func run(ctx context.Context, env *Env, args []string) int {
	root := newRootCmd(env)
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return ExitOK
	}
	var u errUsage
	switch {
	case errors.Is(err, errReported):
		return ExitBadInput
	case ctx.Err() != nil && errors.Is(err, context.Canceled):
		// Writes go through the sink, which puts every file back when a
		// build is stopped before it commits.
		fmt.Fprintln(env.Stderr, "hogen: interrupted: stopped before changing anything, nothing was written")
		return ExitBadInput
	case errors.As(err, &u) || isCobraUsage(err):
		fmt.Fprintf(env.Stderr, "hogen: %v\n", err)
		if cmd != nil && cmd != root && !cmd.HasAvailableSubCommands() {
			fmt.Fprintf(env.Stderr, "Usage: %s\n", cmd.UseLine())
		}
		fmt.Fprintf(env.Stderr, "Run '%s --help' for usage.\n", commandPath(cmd, root))
		return ExitUsage
	default:
		fmt.Fprintf(env.Stderr, "hogen: %v\n", err)
		return ExitBadInput
	}
}

func newRootCmd(env *Env) *cobra.Command {
	root := &cobra.Command{
		Use:   "hogen",
		Short: "Compile a typed cluster description into Talos, Flux and SOPS files",
		Long: `hogen compiles one typed description of a Kubernetes cluster (cluster.cue,
nodes.cue and any other .cue files beside them) into the files a Talos + Flux
home-ops repository keeps in Git: Talos machine configs, Flux Kustomizations
and HelmReleases, and SOPS-encrypted Secrets.

Output is deterministic: a rebuild with unchanged input changes nothing.`,
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.SetIn(env.Stdin)
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return errUsage{flagError(err)} })
	root.AddCommand(
		newVetCmd(env),
		newBuildCmd(env),
		newSchemaCmd(env),
		newInitCmd(env),
		newGraphCmd(env),
		newVersionCmd(env),
		newImportCmd(env),
		newDiffCmd(env),
		newTalosCmd(env),
		newSecretsCmd(env),
		newPrecommitCmd(env),
		newBootstrapCmd(env),
	)
	// The completion command is cobra's; an unknown shell is bad usage.
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() == "completion" {
			group(c)
		}
	}
	return root
}

// flagError rewords a bad flag value: pflag's own message names the Go
// function that failed (strconv.ParseBool).
func flagError(err error) error {
	var bad *pflag.InvalidValueError
	if !errors.As(err, &bad) {
		return err
	}
	f := bad.GetFlag()
	want, ok := map[string]string{
		"bool":     "true or false (or no value at all)",
		"int":      "a whole number",
		"duration": `a duration such as "30s"`,
	}[f.Value.Type()]
	if !ok {
		want = "a " + f.Value.Type()
	}
	return fmt.Errorf("--%s takes %s, not %q", f.Name, want, bad.GetValue())
}

func commandPath(cmd, root *cobra.Command) string {
	if cmd == nil {
		return root.CommandPath()
	}
	return cmd.CommandPath()
}

// isCobraUsage recognises cobra's own argument errors, which it does not type.
func isCobraUsage(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "accepts ", "requires at least", "requires at most", "unknown flag", "unknown shorthand"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}

// group makes cmd a command that only holds subcommands: bare or with an
// unknown subcommand it is a usage error (exit 2) naming the
// subcommands, never help on stdout where a pipe would take it for output.
func group(cmd *cobra.Command, subs ...*cobra.Command) *cobra.Command {
	cmd.Args = cobra.NoArgs
	cmd.RunE = func(c *cobra.Command, _ []string) error {
		var names []string
		for _, s := range c.Commands() {
			if s.IsAvailableCommand() {
				names = append(names, s.Name())
			}
		}
		return usageErrorf("%s needs a subcommand: %s", c.CommandPath(), strings.Join(names, ", "))
	}
	cmd.AddCommand(subs...)
	return cmd
}
