package schemas

import _ "embed"

// KibanaSavedObjects is the Kibana saved-objects export (NDJSON) with the
// faultline data views, saved searches, Lens visualizations and overview
// dashboard. It is embedded so `faultline` imports exactly the objects that
// schemas/kibana_test.go checked against the index templates.
//
//go:embed kibana/saved-objects.ndjson
var KibanaSavedObjects []byte
