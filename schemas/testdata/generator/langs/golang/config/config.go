// Package config wraps a standard-library error with pkg/errors.
package config

import (
	"encoding/json"

	"github.com/pkg/errors"
)

// Load parses JSON configuration.
func Load(text string) (map[string]any, error) {
	var v map[string]any
	if err := json.Unmarshal([]byte(text), &v); err != nil {
		return nil, errors.Wrap(err, "config load failed")
	}
	return v, nil
}
