package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hogen-dev/hogen/compiler/model"
	"github.com/hogen-dev/hogen/compiler/secrets"
	"github.com/hogen-dev/hogen/emitters/talos"
)

// talosWiring is what the talos commands need from parts of hogen written
// elsewhere: loading the description with its decrypted inputs, and SOPS
// encryption. defaultTalosWiring connects the real ones; tests pass fakes.
type talosWiring struct {
	// load reads the description in dir, with Inputs filled in.
	load func(ctx context.Context, env *Env, dir string) (*model.Description, error)
	// describe reads it without the secret inputs, for what needs no key.
	describe func(ctx context.Context, env *Env, dir string) (*model.Description, error)
	// encrypt SOPS-encrypts a YAML file for recipients; an empty regex
	// encrypts every value.
	encrypt func(plain []byte, recipients []string, encryptedRegex string) ([]byte, error)
}

// defaultTalosWiring is the one place the lead connects at integration:
// load = loadDescription, encrypt = compiler/secrets.Encrypt.
func defaultTalosWiring() talosWiring {
	return talosWiring{load: loadUnlocked, describe: loadDescription, encrypt: secrets.Encrypt}
}

func newTalosCmd(env *Env) *cobra.Command { return newTalosCmdWith(env, defaultTalosWiring()) }

func newTalosCmdWith(env *Env, w talosWiring) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "talos",
		Short: "Create the Talos secrets, print node configs and talosctl commands",
		Long: `The talos commands manage what the Talos machine configs need besides the
description: the secrets bundle, made once, and the commands to apply configs.`,
	}
	return group(cmd, newTalosInitCmd(env, w), newTalosConfigCmd(env, w), newTalosconfigCmd(env), newKubeconfigCmd(env), newTalosCommandsCmd(env, w))
}

func newTalosInitCmd(env *Env, w talosWiring) *cobra.Command {
	var renewClient bool
	cmd := &cobra.Command{
		Use:   "init [DIR]",
		Short: "Create the Talos secrets bundle and admin client certificate, once",
		Long: `init creates the cluster's Talos secrets bundle (the talosctl gen secrets
format: CAs, tokens, encryption secrets) and the admin client certificates
of the talosconfig and the kubeconfig, and stores them SOPS-encrypted for
cluster.sops.ageRecipients:

  talos/secrets.sops.yaml   the secrets bundle
  talos/client.sops.yaml    the talosconfig's and the kubeconfig's client
                            certificates and keys

Commit both. Every build reads them; none makes new ones, because a new
bundle means new CAs and nodes configured with the old ones would refuse
talosctl. init never replaces an existing bundle: run on a cluster that has
one, it adds what the client file lacks (the kubeconfig's certificate, on a
cluster made before hogen wrote kubeconfigs), or refuses.

The client certificates are valid for a year: renew both with
--renew-client, which keeps the bundle.`,
		Example: `  hogen talos init
  hogen talos init --renew-client`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runTalosInit(cmd.Context(), env, w, dirArg(args), renewClient)
		},
	}
	cmd.Flags().BoolVar(&renewClient, "renew-client", false, "make only a new client certificate, from the existing bundle")
	return cmd
}

func runTalosInit(ctx context.Context, env *Env, w talosWiring, dir string, renewClient bool) error {
	d, err := w.load(ctx, env, dir)
	if err != nil {
		return err
	}
	recipients := d.Cluster.SOPS.AgeRecipients
	if len(recipients) == 0 {
		return errors.New("cluster.sops.ageRecipients is empty: add your age public key so the Talos secrets can be encrypted")
	}
	secretsPath := filepath.Join(dir, filepath.FromSlash(talos.SecretsFile))
	bundle := d.Inputs.TalosSecrets
	if renewClient {
		if len(bundle) == 0 {
			return fmt.Errorf("--renew-client needs the existing bundle %s decrypted: check that it exists and your SOPS age key is available", talos.SecretsFile)
		}
	} else {
		if _, err := os.Stat(secretsPath); err == nil {
			return completeClient(env, w, d, dir, recipients)
		}
		if bundle, err = talos.NewSecrets(d.Cluster.Talos.Version); err != nil {
			return err
		}
	}
	client, err := talos.NewClientCert(bundle)
	if err != nil {
		return err
	}
	if !renewClient {
		if err := writeEncrypted(w, secretsPath, bundle, recipients, true); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "wrote %s\n", secretsPath)
	}
	clientPath := filepath.Join(dir, filepath.FromSlash(talos.ClientFile))
	if err := writeEncrypted(w, clientPath, client, recipients, false); err != nil {
		if !renewClient {
			// Half made is not made: a bundle left behind would refuse
			// the next init, and it has no client to go with it.
			_ = os.Remove(secretsPath)
		}
		return err
	}
	fmt.Fprintf(env.Stdout, "wrote %s\ncommit them, then run: hogen build %s\n", clientPath, shellQuote(dir))
	return nil
}

// completeClient is init on a cluster that has its bundle: it writes the
// client file, or adds the Kubernetes admin certificate to one made before
// hogen wrote kubeconfigs, keeping the Talos certificate; with nothing
// missing it refuses, as a new bundle would lock the user out.
func completeClient(env *Env, w talosWiring, d *model.Description, dir string, recipients []string) error {
	exists := fmt.Errorf("%s already exists; a new bundle would lock you out of the cluster (use --renew-client to renew only the client certificates)", talos.SecretsFile)
	bundle, client := d.Inputs.TalosSecrets, d.Inputs.TalosClient
	if len(client) > 0 && talos.HasKubernetesClient(client) {
		return exists
	}
	if len(bundle) == 0 {
		return fmt.Errorf("%s already exists, but %s lacks a client certificate and the bundle did not open to make it: make its SOPS age key available", talos.SecretsFile, talos.ClientFile)
	}
	var err error
	what := "the client certificates"
	if len(client) == 0 {
		client, err = talos.NewClientCert(bundle)
	} else {
		what = "the Kubernetes admin certificate"
		client, err = talos.AddKubernetesClient(client, bundle)
	}
	if err != nil {
		return err
	}
	clientPath := filepath.Join(dir, filepath.FromSlash(talos.ClientFile))
	if err := writeEncrypted(w, clientPath, client, recipients, false); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "added %s to %s; the bundle is unchanged\ncommit it, then run: hogen build %s\n", what, clientPath, shellQuote(dir))
	return nil
}

// writeEncrypted encrypts plain and writes it to path. exclusive refuses
// to replace an existing file; otherwise the file is replaced through a
// rename, so a failure never leaves half of it.
func writeEncrypted(w talosWiring, path string, plain []byte, recipients []string, exclusive bool) error {
	enc, err := w.encrypt(plain, recipients, "")
	if err != nil {
		return fmt.Errorf("encrypting %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	target, flags := path+".tmp", os.O_WRONLY|os.O_CREATE|os.O_TRUNC
	if exclusive {
		target, flags = path, os.O_WRONLY|os.O_CREATE|os.O_EXCL
	}
	f, err := os.OpenFile(target, flags, 0o644)
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	_, err = f.Write(enc)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && !exclusive {
		err = os.Rename(target, path)
	}
	if err != nil {
		os.Remove(target)
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

func newTalosConfigCmd(env *Env, w talosWiring) *cobra.Command {
	return &cobra.Command{
		Use:   "config NODE [DIR]",
		Short: "Print a node's Talos machine config, decrypted",
		Long: `config prints the named node's machine config in clear, the same bytes the
build writes (encrypted) to talos/NODE.yaml, for talosctl.`,
		Example: `  hogen talos config mini01 | talosctl apply-config --nodes 172.29.51.11 --file /dev/stdin`,
		Args:    cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := w.load(cmd.Context(), env, dirArg(args[1:]))
			if err != nil {
				return err
			}
			cfg, err := talos.NodeConfig(d, args[0])
			if err != nil {
				return err
			}
			_, err = env.Stdout.Write(cfg)
			return err
		},
	}
}

func newTalosCommandsCmd(env *Env, w talosWiring) *cobra.Command {
	return &cobra.Command{
		Use:   "commands [DIR]",
		Short: "Print the talosctl commands to apply, bootstrap, get the kubeconfig and upgrade",
		Long: `commands prints the talosctl commands that apply each node's config, bootstrap
etcd, fetch the kubeconfig and upgrade Talos and Kubernetes to the
description's versions. They hold no secret: no age key is needed.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := w.describe(cmd.Context(), env, dirArg(args))
			if err != nil {
				return err
			}
			dir := ""
			if len(args) > 0 {
				dir = shellQuote(args[0])
			}
			_, err = fmt.Fprint(env.Stdout, talos.Commands(d, dir))
			return err
		},
	}
}

func newTalosconfigCmd(env *Env) *cobra.Command {
	return newDecryptedCmd(env, &cobra.Command{
		Use:   "talosconfig [DIR]",
		Short: "Print the decrypted talosconfig, for talosctl",
		Long: `talosconfig decrypts ` + talos.TalosconfigFile + ` (its client key is SOPS-encrypted)
and prints it, so talosctl can use it without the sops binary.`,
		Example: `  export TALOSCONFIG="$(mktemp)"
  hogen talos talosconfig > "$TALOSCONFIG"`,
	}, talos.TalosconfigFile)
}

func newKubeconfigCmd(env *Env) *cobra.Command {
	return newDecryptedCmd(env, &cobra.Command{
		Use:   "kubeconfig [DIR]",
		Short: "Print the decrypted admin kubeconfig, for kubectl",
		Long: `kubeconfig decrypts ` + talos.KubeconfigFile + ` (its client key is SOPS-encrypted)
and prints it: the cluster's admin kubeconfig for the API endpoint, signed
by the bundle's Kubernetes CA, the same bytes every build.`,
		Example: `  export KUBECONFIG="$(mktemp)"
  hogen talos kubeconfig > "$KUBECONFIG"`,
	}, talos.KubeconfigFile)
}

// newDecryptedCmd makes cmd print file (relative to DIR) decrypted.
func newDecryptedCmd(env *Env, cmd *cobra.Command, file string) *cobra.Command {
	cmd.Args = cobra.MaximumNArgs(1)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		path := filepath.Join(dirArg(args), filepath.FromSlash(file))
		enc, err := os.ReadFile(path)
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("%s does not exist: run 'hogen build' first", path)
		}
		if err != nil {
			return err
		}
		ids, err := secrets.LoadIdentities(env.Getenv)
		if err != nil {
			return err
		}
		plain, err := secrets.Decrypt(enc, ids)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		_, err = env.Stdout.Write(plain)
		return err
	}
	return cmd
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./+,:@") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
