package event_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/faultline/faultline/internal/event"
)

// TestCodecMatchesEncodingJSON encodes every event the real libraries wrote
// with both encoders.
func TestCodecMatchesEncodingJSON(t *testing.T) {
	evs := fixtureEvents(t)
	for i := range evs {
		got, err := event.Marshal(&evs[i])
		if err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(&evs[i])
		if !bytes.Equal(got, want) {
			t.Fatalf("event %d:\n got %s\nwant %s", i, got, want)
		}
	}
	t.Logf("%d events encode and decode the same", len(evs))
}
