package secrets

import (
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/getsops/sops/v3"
)

// Sealer encrypts generated secret files on their way to disk without
// churn: SOPS encryption is random, so a file whose plaintext and
// recipients are unchanged keeps its existing bytes. It implements
// sink.Sealer and is safe for concurrent use.
type Sealer struct {
	recipients []string
	ids        *Identities
	// nodes are the YAML nodes of the scalars sealed so far.
	nodes nodeCache

	mu     sync.Mutex
	report Report
}

// Report says what a build did to each secret file, for the CLI to print.
// Paths are as given to Seal, each list sorted.
type Report struct {
	// Encrypted are files encrypted afresh: new, or their plaintext changed.
	Encrypted []string
	// Kept are files whose existing bytes were kept: verified unchanged.
	Kept []string
	// Rotated are files re-encrypted because the recipients changed.
	Rotated []string
	// Unverified are existing files kept as they are because no private
	// key that opens them was found, so hogen could not compare their
	// plaintext. They may be stale.
	Unverified []string
}

// NewSealer returns a Sealer encrypting to recipients (the cluster's
// cluster.sops.ageRecipients). ids may be empty: encrypting needs only the
// recipients, and existing files are then kept unverified.
func NewSealer(recipients []string, ids *Identities) (*Sealer, error) {
	if _, err := keyGroup(recipients); err != nil {
		return nil, err
	}
	if ids == nil {
		ids = &Identities{}
	}
	return &Sealer{recipients: normRecipients(recipients), ids: ids}, nil
}

// Seal implements sink.Sealer. It returns existing unchanged when existing
// decrypts to the same canonical plaintext as plain, for the same
// recipients and encryption rule; otherwise a fresh encryption of plain.
func (s *Sealer) Seal(path string, plain, existing []byte, encryptedRegex string) ([]byte, error) {
	out, kind, err := s.seal(plain, existing, encryptedRegex)
	if err != nil {
		return nil, fmt.Errorf("sealing %s: %w", path, err)
	}
	s.record(kind, path)
	return out, nil
}

type outcome int

const (
	encrypted outcome = iota
	kept
	rotated
	unverified
)

func (s *Sealer) seal(plain, existing []byte, encryptedRegex string) ([]byte, outcome, error) {
	if existing == nil {
		out, err := encrypt(plain, s.recipients, encryptedRegex, &s.nodes)
		return out, encrypted, err
	}
	old, err := loadEncrypted(existing)
	if err != nil {
		// Not a SOPS file (any more): hogen owns the path, replace it.
		out, err := encrypt(plain, s.recipients, encryptedRegex, &s.nodes)
		return out, encrypted, err
	}
	if !slices.Equal(recipientsOf(old), s.recipients) {
		out, err := encrypt(plain, s.recipients, encryptedRegex, &s.nodes)
		return out, rotated, err
	}
	if !sameRule(old.Metadata, encryptedRegex) {
		out, err := encrypt(plain, s.recipients, encryptedRegex, &s.nodes)
		return out, encrypted, err
	}
	same, err := s.samePlaintext(plain, old)
	switch {
	case errors.Is(err, ErrKeyCommand):
		return nil, 0, err
	case errors.Is(err, ErrNoKey), isKeyError(err):
		return existing, unverified, nil
	case err == nil && same:
		return existing, kept, nil
	}
	// Changed, or the existing file is corrupt (MAC): write it anew.
	out, err := encrypt(plain, s.recipients, encryptedRegex, &s.nodes)
	return out, encrypted, err
}

// samePlaintext compares the existing file's decrypted tree with plain as
// sops reads it, so formatting that sops does not keep (indentation,
// quoting) never counts as a change. Equal trees are what sops would
// render identically; comparing them saves rendering both.
func (s *Sealer) samePlaintext(plain []byte, existing *sops.Tree) (bool, error) {
	if err := openTree(existing, s.ids); err != nil {
		return false, err
	}
	branches, err := loadPlain(plain)
	if err != nil {
		return false, fmt.Errorf("reading the plaintext YAML: %w", err)
	}
	return sameValue(existing.Branches, branches), nil
}

// sameValue tells whether sops would render two trees the same. It is
// reflect.DeepEqual except for floats (NaN equals NaN, but -0 is not 0) and
// times, which are equal when they print the same: decrypting gives UTC
// where the plaintext had an offset.
//
// An inline comment in an encrypted part, or an empty comment in a list
// there, does not survive sops' decryption as it was written, so such a
// file is encrypted anew on every build, as it was when renderings were
// compared.
func sameValue(a, b any) bool {
	switch a := a.(type) {
	case sops.TreeBranches:
		b, ok := b.(sops.TreeBranches)
		return ok && slices.EqualFunc(a, b, func(x, y sops.TreeBranch) bool { return sameValue(x, y) })
	case sops.TreeBranch:
		b, ok := b.(sops.TreeBranch)
		return ok && slices.EqualFunc(a, b, func(x, y sops.TreeItem) bool {
			return sameValue(x.Key, y.Key) && sameValue(x.Value, y.Value)
		})
	case []any:
		b, ok := b.([]any)
		return ok && slices.EqualFunc(a, b, sameValue)
	case float64:
		b, ok := b.(float64)
		return ok && (a == b && math.Signbit(a) == math.Signbit(b) || math.IsNaN(a) && math.IsNaN(b))
	case time.Time:
		b, ok := b.(time.Time)
		return ok && a.Format(time.RFC3339Nano) == b.Format(time.RFC3339Nano)
	default:
		return reflect.DeepEqual(a, b)
	}
}

// sameRule tells whether a file was encrypted with the rule Encrypt would
// use for encryptedRegex.
func sameRule(m sops.Metadata, encryptedRegex string) bool {
	suffix := ""
	if encryptedRegex == "" {
		suffix = sops.DefaultUnencryptedSuffix
	}
	return m.EncryptedRegex == encryptedRegex && m.UnencryptedSuffix == suffix &&
		m.EncryptedSuffix == "" && m.UnencryptedRegex == "" &&
		m.EncryptedCommentRegex == "" && m.UnencryptedCommentRegex == "" && !m.MACOnlyEncrypted
}

func isKeyError(err error) bool {
	var ke *KeyError
	return errors.As(err, &ke)
}

func (s *Sealer) record(kind outcome, path string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := &s.report
	switch kind {
	case encrypted:
		r.Encrypted = append(r.Encrypted, path)
	case kept:
		r.Kept = append(r.Kept, path)
	case rotated:
		r.Rotated = append(r.Rotated, path)
	case unverified:
		r.Unverified = append(r.Unverified, path)
	}
}

// Unverified tells whether the Sealer kept path's existing file because no
// key opened it (sink uses it to record nothing new about the file).
func (s *Sealer) Unverified(path string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Contains(s.report.Unverified, path)
}

// Report returns what the Sealer did so far, each list sorted.
func (s *Sealer) Report() Report {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := Report{
		Encrypted:  slices.Clone(s.report.Encrypted),
		Kept:       slices.Clone(s.report.Kept),
		Rotated:    slices.Clone(s.report.Rotated),
		Unverified: slices.Clone(s.report.Unverified),
	}
	for _, l := range [][]string{r.Encrypted, r.Kept, r.Rotated, r.Unverified} {
		sort.Strings(l)
	}
	return r
}

// Print writes what a user must know about a build's secret files: those
// re-encrypted for new recipients (rotation) and those kept unverified. It
// prints nothing when there is neither.
func (r Report) Print(w io.Writer) {
	if len(r.Rotated) > 0 {
		fmt.Fprintf(w, "rotated: re-encrypted %d secret files for the new age recipients:\n", len(r.Rotated))
		for _, p := range r.Rotated {
			fmt.Fprintf(w, "\t%s\n", p)
		}
	}
	if len(r.Unverified) > 0 {
		fmt.Fprintf(w, "unverified: kept %d secret files as they are; no age key found opens them, so they may be stale:\n", len(r.Unverified))
		for _, p := range r.Unverified {
			fmt.Fprintf(w, "\t%s\n", p)
		}
	}
}
