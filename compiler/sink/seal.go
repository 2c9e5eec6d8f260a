// Package sink writes generated files safely: all or nothing, atomically,
// only when bytes change, pruning only what hogen itself generated.
package sink

// Sealer encrypts secret files on their way to disk. The plan calls Seal
// from several goroutines at once.
type Sealer interface {
	// Seal returns the bytes to write for a secret file at path whose
	// plaintext is plain. existing is what is on disk now (nil if nothing):
	// when it decrypts to the same plaintext for the same recipients, Seal
	// returns it unchanged, so unchanged secrets never churn.
	// encryptedRegex limits encryption to matching keys; "" means all.
	Seal(path string, plain, existing []byte, encryptedRegex string) ([]byte, error)
}
