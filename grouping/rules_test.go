package grouping

import (
	"testing"

	"github.com/faultline/faultline/internal/config"
	"github.com/faultline/faultline/internal/testenv"
)

// A grouping rule can match on every key the configuration accepts for it,
// and the rules read no other.
func TestRuleFieldsCoverConfigsMatchKeys(t *testing.T) {
	testenv.SameKeys(t, "grouping rule match keys", ruleFields, config.RuleMatchKeys)
}
