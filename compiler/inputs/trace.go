package inputs

import "github.com/hogen-dev/hogen/compiler/sink"

// Ciphertexts is the identity of the secret inputs in dir as they are on
// disk, keyed "input/<path>": the sha256 of each file's bytes, "" for one
// that is absent. The same ciphertext decrypts to the same values, so this
// stands for them in a build's trace, and needs no key.
func Ciphertexts(dir string) (map[string]string, error) {
	out := map[string]string{}
	for _, rel := range SecretInputs {
		b, err := readInput(dir, rel)
		if err != nil {
			return nil, err
		}
		out["input/"+rel] = ""
		if b != nil {
			out["input/"+rel] = sink.Hash(b)
		}
	}
	return out, nil
}
