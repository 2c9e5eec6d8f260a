package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hogen-dev/hogen/compiler"
	"github.com/hogen-dev/hogen/compiler/inputs"
	"github.com/hogen-dev/hogen/compiler/secrets"
)

func newSecretsCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "secrets",
		Short: "Manage the age key and the encrypted secret inputs (" + secrets.InputFile + ")",
		Long: `The secrets commands manage what the description refers to by name: the
values in ` + secrets.InputFile + ` beside the description, each SOPS/age
encrypted, and the age key that opens them. Plaintext never touches the disk.

hogen finds age keys where sops does: $SOPS_AGE_KEY_FILE, $SOPS_AGE_KEY,
$SOPS_AGE_KEY_CMD (a command printing the key, run when a file needs one,
with $SOPS_AGE_RECIPIENT set), and sops' default key file
($XDG_CONFIG_HOME/sops/age/keys.txt, else the user config directory's
sops/age/keys.txt).

When cluster.sops.ageRecipients changes, a build re-encrypts the files it
generates but not its secret inputs (` + secrets.InputFile + `,
talos/secrets.sops.yaml, talos/client.sops.yaml): it warns about them, and
'hogen secrets rotate' re-encrypts them, with a key that still opens them.`,
	}
	return group(cmd, newSecretsInitCmd(env), newSecretsSetCmd(env), newSecretsListCmd(env), newSecretsRotateCmd(env))
}

func newSecretsInitCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "init",
		Short: "Create an age key if there is none, and print its public key",
		Long: `init creates an age key at $SOPS_AGE_KEY_FILE, or else at sops' default key
file, unless a key is already there; it never overwrites one. It prints the
public key (the recipient) to put in cluster.sops.ageRecipients.

Back the key file up: without it nobody can decrypt the secrets.`,
		Example: `  hogen secrets init`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runSecretsInit(env)
		},
	}
}

func runSecretsInit(env *Env) error {
	what, rs, err := ensureAgeKey(env)
	if err != nil {
		return err
	}
	return printRecipients(env, what, rs)
}

// ensureAgeKey finds the age key sops would use, or creates one at sops'
// key file (never overwriting), and returns what it did and the key's
// public recipients.
func ensureAgeKey(env *Env) (string, []string, error) {
	path := env.Getenv(secrets.KeyFileEnv)
	if path == "" {
		var err error
		if path, err = secrets.DefaultKeyFile(env.Getenv); err != nil {
			return "", nil, err
		}
	}
	data, err := os.ReadFile(path)
	switch {
	case err == nil:
		ids, err := secrets.ParseIdentities(path, string(data))
		if err != nil {
			return "", nil, err
		}
		return "an age key already exists at " + path + " (left as is)", ids.Recipients(), nil
	case !errors.Is(err, fs.ErrNotExist):
		return "", nil, fmt.Errorf("reading the age key: %w", err)
	}
	if v := env.Getenv(secrets.KeyEnv); v != "" {
		ids, err := secrets.ParseIdentities(secrets.KeyEnv, v)
		if err != nil {
			return "", nil, err
		}
		return "$" + secrets.KeyEnv + " already holds an age key", ids.Recipients(), nil
	}
	if c := env.Getenv(secrets.KeyCmdEnv); c != "" {
		out, err := secrets.RunKeyCommand(c, "")
		if err != nil {
			return "", nil, err
		}
		ids, err := secrets.ParseIdentities("$"+secrets.KeyCmdEnv, string(out))
		if err != nil {
			return "", nil, err
		}
		return "$" + secrets.KeyCmdEnv + " gives an age key", ids.Recipients(), nil
	}
	r, err := secrets.CreateKey(path, time.Now())
	if err != nil {
		return "", nil, err
	}
	return "created " + path + " (back it up: without it nobody can decrypt your secrets)", []string{r}, nil
}

func printRecipients(env *Env, what string, rs []string) error {
	if len(rs) == 0 {
		return fmt.Errorf("%s, but it holds no age key hogen can use (AGE-SECRET-KEY-1...)", what)
	}
	fmt.Fprintf(env.Stdout, "%s\nput this public key in cluster.sops.ageRecipients:\n", what)
	for _, r := range rs {
		fmt.Fprintf(env.Stdout, "  %s\n", r)
	}
	return nil
}

func newSecretsSetCmd(env *Env) *cobra.Command {
	var recipients []string
	cmd := &cobra.Command{
		Use:   "set NAME [DIR]",
		Short: "Set a secret from stdin, re-encrypting " + secrets.InputFile,
		Long: `set reads a value from stdin (one trailing newline dropped) and stores it
under NAME in DIR/` + secrets.InputFile + `, encrypted. An existing file keeps its
recipients and needs your age key, since all its values are re-encrypted
together; a new file is encrypted to cluster.sops.ageRecipients. --recipient
replaces the file's recipients ('hogen secrets rotate' re-encrypts every input
to cluster.sops.ageRecipients). The file is replaced atomically.`,
		Example: `  op read op://Kubernetes/cloudflare/token | hogen secrets set cloudflare-api-token
  hogen secrets set grafana-admin-password clusters/home < password.txt`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runSecretsSet(cmd.Context(), env, args[0], dirArg(args[1:]), recipients)
		},
	}
	cmd.Flags().StringSliceVar(&recipients, "recipient", nil, "age public key to encrypt to (repeatable); default: the file's, else cluster.sops.ageRecipients")
	return cmd
}

func runSecretsSet(ctx context.Context, env *Env, name, dir string, recipients []string) error {
	if err := secrets.ValidName(name); err != nil {
		return usageErrorf("%v", err)
	}
	value, err := secrets.ReadValue(env.Stdin)
	if err != nil {
		return err
	}
	path := filepath.Join(dir, secrets.InputFile)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) && len(recipients) == 0 {
		if recipients, err = descriptionRecipients(ctx, dir); err != nil {
			return err
		}
	}
	ids, err := secrets.LoadIdentities(env.Getenv)
	if err != nil {
		return err
	}
	err = secrets.SetValue(path, name, value, secrets.SetOptions{Recipients: recipients, Identities: ids})
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "set %s in %s\n", name, path)
	return nil
}

// descriptionRecipients reads cluster.sops.ageRecipients for a new secrets
// file. References to secrets not set yet are no error here: the file is
// being made for them. Other errors say how to go on without the
// description.
func descriptionRecipients(ctx context.Context, dir string) ([]string, error) {
	d, _, err := compiler.Load(ctx, compiler.Options{Dir: dir, AnySecret: true})
	if err != nil {
		return nil, fmt.Errorf("%s does not exist yet, and cluster.sops.ageRecipients could not be read "+
			"from the description ('hogen vet %s' says why): pass --recipient AGE_PUBLIC_KEY", secrets.InputFile, dir)
	}
	if len(d.Cluster.SOPS.AgeRecipients) == 0 {
		return nil, fmt.Errorf("%s does not exist yet and cluster.sops.ageRecipients is empty: "+
			"add your public key there ('hogen secrets init' prints it) or pass --recipient", secrets.InputFile)
	}
	return d.Cluster.SOPS.AgeRecipients, nil
}

func newSecretsListCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "list [DIR]",
		Short: "List the names in " + secrets.InputFile + " (no key needed)",
		Long: `list prints the name of every secret in DIR/` + secrets.InputFile + `, one per
line, sorted. SOPS keeps names in clear, so no key is needed; values are
never printed.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := filepath.Join(dirArg(args), secrets.InputFile)
			data, err := os.ReadFile(path)
			if errors.Is(err, fs.ErrNotExist) {
				// No file is no secrets yet: nothing to list.
				fmt.Fprintf(env.Stderr, "%s does not exist yet: 'hogen secrets set NAME %s' creates it\n", path, shellQuote(dirArg(args)))
				return nil
			}
			if err != nil {
				return fmt.Errorf("reading secrets: %w", err)
			}
			names, err := secrets.Names(data)
			if err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			for _, n := range names {
				fmt.Fprintln(env.Stdout, n)
			}
			return nil
		},
	}
}

func newSecretsRotateCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "rotate [DIR]",
		Short: "Re-encrypt the secret inputs to cluster.sops.ageRecipients",
		Long: `rotate re-encrypts each secret input in DIR that is not encrypted to exactly
cluster.sops.ageRecipients, keeping every value:

  ` + strings.Join(inputs.SecretInputs, "\n  ") + `

Run it after adding or replacing a recipient, with a key that opens the files
now: 'hogen build' re-encrypts what it generates, but not these, and warns
until they are rotated.

Files already encrypted to those recipients are left byte for byte. If any
file cannot be opened, rotate changes nothing and says which key it needs.
Each file is replaced atomically. Commit them with the build's output.`,
		Example: `  hogen secrets rotate
  hogen secrets rotate clusters/home`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runSecretsRotate(cmd.Context(), env, dirArg(args))
		},
	}
}

func runSecretsRotate(ctx context.Context, env *Env, dir string) error {
	d, diags, err := compiler.Load(ctx, compiler.Options{Dir: dir})
	// Only errors: the warnings would say to run this very command.
	if err := report(env, diags.Errors(), err); err != nil {
		return err
	}
	recipients := d.Cluster.SOPS.AgeRecipients
	if len(recipients) == 0 {
		return errors.New("cluster.sops.ageRecipients is empty: add the age public keys to encrypt to ('hogen secrets init' prints yours)")
	}
	ids, err := secrets.LoadIdentities(env.Getenv)
	if err != nil {
		return err
	}
	rotated, err := inputs.RotateInputs(dir, recipients, ids)
	if err != nil && len(rotated) == 0 {
		return fmt.Errorf("re-encrypted nothing: %w", err)
	}
	if err != nil {
		return err
	}
	if len(rotated) == 0 {
		fmt.Fprintf(env.Stdout, "%s: every secret input is encrypted to cluster.sops.ageRecipients already\n", dir)
		return nil
	}
	fmt.Fprintf(env.Stdout, "rotated: re-encrypted %d secret inputs for cluster.sops.ageRecipients:\n", len(rotated))
	for _, p := range rotated {
		fmt.Fprintf(env.Stdout, "\t%s\n", p)
	}
	return nil
}
