// Package broker owns faultline's use of NATS JetStream: the embedded server
// for single-machine runs, the connection with its credentials and drain,
// and the streams every service relies on (FAULTLINE_EVENTS,
// FAULTLINE_ALERTS, FAULTLINE_DLQ), their subjects, byte caps and the
// trimming of what consumers acknowledged, so their names and settings
// live in one place.
//
// It must not know what travels on the streams: the services encode,
// publish and consume their own messages.
package broker
