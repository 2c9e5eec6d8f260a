package flux

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// decodePolicy reads a policy fragment of the model, the cluster's
// defaults merged with the app's overrides, into a Flux spec. The
// fragment has Flux's own field names (the schema types them), so a field
// the spec lacks is a mismatch between schema and API types, reported as
// such rather than dropped.
func decodePolicy(raw json.RawMessage, into any) error {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(into); err != nil {
		return fmt.Errorf("policy %s does not fit the Flux API: %w", raw, err)
	}
	return nil
}
