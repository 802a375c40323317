package processor

import "github.com/faultline/faultline/internal/config"

// ConfigFrom is the processor's part of the configuration file: its
// processor and grouping sections (zero keeps each default).
func ConfigFrom(f config.File) Config {
	p := f.Processor
	return Config{
		Grouping:     f.Grouping,
		BatchTimeout: p.BatchTimeout.Duration,
		Tally:        TallyConfig{Settle: p.CountSettle.Duration, Recount: p.RecountEvery.Duration, Late: p.LateWrites.Duration},
		MaxBulkBytes: int(p.MaxBulkBytes),
	}
}
