package group

import (
	"time"

	"github.com/faultline/faultline/internal/event"
)

// Statuses of a group.
const (
	StatusOpen     = "open"
	StatusResolved = "resolved"
	StatusMuted    = "muted"
)

// Group is the document in the faultline-groups index, one per fingerprint.
type Group struct {
	Fingerprint string        `json:"fingerprint"`
	Title       string        `json:"title"`
	Message     string        `json:"message"`
	Service     event.Service `json:"service"`
	Error       ErrorInfo     `json:"error"`
	Log         event.Log     `json:"log"`
	Culprit     string        `json:"culprit,omitempty"`
	// GroupingStrategy is the grouping version that made the group
	// (grouping.StrategyV1, …); it keeps it when a later version would
	// fingerprint its events otherwise. Empty on groups made before
	// versions, which were made by grouping.StrategyV1.
	GroupingStrategy string     `json:"grouping_strategy,omitempty"`
	Count            int64      `json:"count"`
	FirstSeen        time.Time  `json:"first_seen"`
	LastSeen         time.Time  `json:"last_seen"`
	Status           string     `json:"status"`
	MutedUntil       *time.Time `json:"muted_until,omitempty"`
	ResolvedAt       *time.Time `json:"resolved_at,omitempty"`
	// StatusChanges records who muted, resolved or unmuted the group, oldest
	// first, the last MaxStatusChanges of them.
	StatusChanges []StatusChange `json:"status_changes,omitempty"`
	// WindowStart and WindowCount count events in the current threshold window.
	WindowStart *time.Time `json:"window_start,omitempty"`
	WindowCount int64      `json:"window_count,omitempty"`
	Sample      Sample     `json:"sample"`
	// Tally is the processor's bookkeeping that keeps Count exact with
	// several replicas, crashes and redelivery. Candidates leave it out.
	Tally *Tally `json:"tally,omitempty"`
}

// StatusChange is one mute, resolve or unmute, as recorded on the group.
type StatusChange struct {
	// Action is mute, resolve or unmute.
	Action string `json:"action"`
	// By is the API key's name, or cli:<user>@<host> for the CLI's direct mode.
	By    string     `json:"by"`
	At    time.Time  `json:"at"`
	Until *time.Time `json:"until,omitempty"`
}

// MaxStatusChanges bounds the record kept on a group document.
const MaxStatusChanges = 50

// Tally splits a group's Count by when its events were stored
// (faultline.stored_at): the events stored before Since were recounted from
// the data stream, and Recent counts those stored since, per time bucket.
// Count minus the Recent counts is what was counted before Since.
type Tally struct {
	Since time.Time `json:"since"`
	// Recent maps a bucket's start (Unix seconds) to the events stored in
	// it that were counted.
	Recent map[string]int64 `json:"recent,omitempty"`
	// Window is where a recount starts counting again, and Settled what the
	// last recount found in [Window, Since): a write Elasticsearch applies
	// long after its client gave up becomes searchable after a recount
	// passed its bucket, and is found by the next one while in the window.
	Window  *time.Time `json:"window,omitempty"`
	Settled int64      `json:"settled,omitempty"`
	// Due is when the group is to be recounted: soon after a redelivery
	// found events whose count may be missing, and regularly while it has
	// Recent buckets, which bounds them.
	Due *time.Time `json:"due,omitempty"`
	// Await is the latest time a redelivered duplicate needs a recount at
	// or after; Due is never later.
	Await *time.Time `json:"await,omitempty"`
	// Raised is the last escalation (new, regression, threshold) the group
	// raised, written by the update that raised it: a redelivery of its
	// events, which means its candidate may not have been published,
	// publishes it again.
	Raised *Raised `json:"raised,omitempty"`
}

// Raised is an escalation as its candidate carried it.
type Raised struct {
	Kind        Kind      `json:"kind"`
	Occurrences int       `json:"occurrences"`
	At          time.Time `json:"at"`
}

// ErrorInfo is the group's error.* part.
type ErrorInfo struct {
	Type string `json:"type,omitempty"`
}

// Sample is one event of the group, enough for an alert to show the problem.
type Sample struct {
	EventID    string    `json:"event_id"`
	Timestamp  time.Time `json:"timestamp"`
	Message    string    `json:"message"`
	StackTrace string    `json:"stack_trace,omitempty"`
	Thread     string    `json:"thread,omitempty"`
	Host       string    `json:"host,omitempty"`
	TraceID    string    `json:"trace_id,omitempty"`
}

// Kind says why a candidate was raised.
type Kind string

// Kinds of alert candidates.
const (
	KindNew        Kind = "new"
	KindRegression Kind = "regression"
	KindRepeat     Kind = "repeat"
	// KindThreshold: a group crossed the configured count within its window.
	KindThreshold Kind = "threshold"
	// KindStorm summarises many groups that alerted at once.
	KindStorm Kind = "storm"
	// KindFlatline says a service that was sending stopped; KindRecovered
	// that it (or the pipeline) is back.
	KindFlatline  Kind = "flatline"
	KindRecovered Kind = "recovered"
	// KindPipeline is faultline's own trouble: Elasticsearch unreachable,
	// consumer lag, dead letters.
	KindPipeline Kind = "pipeline"
)

// Candidate is what the processor publishes on the alerts subject after the
// group write succeeded.
type Candidate struct {
	Kind Kind `json:"kind"`
	// Occurrences counts this batch's new events of the group.
	Occurrences int       `json:"occurrences"`
	Group       Group     `json:"group"`
	At          time.Time `json:"at"`
}
