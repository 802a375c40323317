// Package config reads faultline's settings: flags with FAULTLINE_*
// environment fallbacks for the process, and the optional YAML file. It
// owns every setting's name, default and validation, and reports every
// problem of a start-up at once (errors.Join), so a deploy that fails names
// all it must fix.
//
// Each component takes its own section (ingest.ConfigFrom,
// processor.ConfigFrom, broker.LimitsFrom, notifier.Prepare); config must
// not import a component nor decide what a setting does there.
package config
