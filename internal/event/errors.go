package event

import "errors"

// errSlowPath is the fast reader's answer for an event not in Marshal's form;
// Unmarshal then reads it with encoding/json.
var errSlowPath = errors.New("not in Marshal's form")
