// Package kibana installs faultline's saved objects (data views, saved
// searches, Lens visualizations, the overview dashboard) through Kibana's
// saved objects import API, so a fresh Kibana shows faultline's data without
// anyone building views by hand. The objects themselves are in schemas.
//
// The base URL may carry basic-auth credentials (https://user:pass@kibana:5601).
// They are sent only in the Authorization header and must never appear in an
// error: errors end up in logs and alerts.
package kibana
