// Package builtin is the ordered registry of hogen's built-in emitters.
package builtin

import (
	"github.com/hogen-dev/hogen/emitters"
	"github.com/hogen-dev/hogen/emitters/flux"
	"github.com/hogen-dev/hogen/emitters/jsonnet"
	"github.com/hogen-dev/hogen/emitters/namespaces"
	"github.com/hogen-dev/hogen/emitters/renovate"
	"github.com/hogen-dev/hogen/emitters/sopsconfig"
	"github.com/hogen-dev/hogen/emitters/talos"
)

// All returns the built-in emitters in the order they run. The order is an
// explicit list, never map iteration, so output and errors are stable.
func All() []emitters.Emitter {
	return []emitters.Emitter{
		namespaces.Emitter,
		flux.Emitter,
		talos.Emitter,
		sopsconfig.Emitter,
		jsonnet.Emitter,  // user emitters last: they may read what the built-ins describe
		renovate.Emitter, // an Indexer: runs after all, over their paths
	}
}
