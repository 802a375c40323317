package otlp

import (
	"errors"
	"fmt"
)

var (
	// errNoBody is toEvent's answer for a log record with neither a body nor
	// exception attributes: nothing would say what happened.
	errNoBody = errors.New("log record has neither a body nor exception attributes")

	// errTooMany is decode's answer for a request of more than maxRecords
	// log records; the handler answers it 413.
	errTooMany = fmt.Errorf("more than %d log records in one request; export smaller batches (OTEL_BLRP_MAX_EXPORT_BATCH_SIZE)", maxRecords)
)
