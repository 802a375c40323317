package redact

import "testing"

// What a probe's error says about internal addresses and credentials stays
// in faultline's log; the chat message keeps only what failed and why.
func TestScrubAddresses(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`elasticsearch unreachable: Get "http://elastic:pw-secret@es-1.internal:9200/_cluster/health": dial tcp 10.1.2.3:9200: connect: connection refused`,
			`elasticsearch unreachable: Get "(url)": dial tcp (address): connect: connection refused`},
		{"dial tcp: lookup es-1.corp.example on 10.0.0.2:53: no such host",
			"dial tcp: lookup (host) on (address): no such host"},
		{"dial tcp: lookup elasticsearch: no such host", "dial tcp: lookup (host): no such host"},
		{"dial tcp [fd00::12]:9200: i/o timeout", "dial tcp (address): i/o timeout"},
		{"read tcp 172.18.0.5:41234->172.18.0.2:4222: read: connection reset by peer",
			"read tcp (address)->(address): read: connection reset by peer"},
		{"connect to elasticsearch:9200 failed", "connect to (address) failed"},
		{"nats://user:tok-secret@nats:4222 refused", "(url) refused"},
		{"auth as admin:pw-secret@db.internal failed", "auth as (address) failed"},
		{"route fe80::1 down", "route (address) down"},
		// What names no machine stays as it was.
		{"processor is 120 events behind (threshold 100)", "processor is 120 events behind (threshold 100)"},
		{"3 new dead letters (7 in all); see faultline dlq list", "3 new dead letters (7 in all); see faultline dlq list"},
		{"processor consumer: nats: consumer not found", "processor consumer: nats: consumer not found"},
		{"timed out at 12:30:05 after 01:02", "timed out at 12:30:05 after 01:02"},
		{"version 8.19.7 answered 503", "version 8.19.7 answered 503"},
	} {
		if got := Addresses(tc.in); got != tc.want {
			t.Errorf("Addresses(%q)\n got  %q\n want %q", tc.in, got, tc.want)
		}
	}
}
