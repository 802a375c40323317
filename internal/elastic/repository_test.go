package elastic

import "testing"

func TestRepositoryBody(t *testing.T) {
	for _, tc := range []struct {
		location string
		readonly bool
		want     string // empty: an error
	}{
		{"/srv/snapshots/faultline", false, `{"settings":{"compress":true,"location":"/srv/snapshots/faultline"},"type":"fs"}`},
		{"faultline", true, `{"settings":{"compress":true,"location":"faultline","readonly":true},"type":"fs"}`},
		{"s3://dr-bucket", false, `{"settings":{"bucket":"dr-bucket","client":"default","compress":true},"type":"s3"}`},
		{"s3://dr-bucket/prod/faultline/", true, `{"settings":{"base_path":"prod/faultline","bucket":"dr-bucket","client":"default","compress":true,"readonly":true},"type":"s3"}`},
		{"s3://", false, ""},
		{"s3:///path", false, ""},
		{"gs://bucket/path", false, ""},
		{" ", false, ""},
	} {
		got, err := RepositoryBody(tc.location, tc.readonly)
		if tc.want == "" {
			if err == nil {
				t.Errorf("%q: %s, want an error", tc.location, got)
			}
			continue
		}
		if err != nil || string(got) != tc.want {
			t.Errorf("%q readonly=%v: %s, %v; want %s", tc.location, tc.readonly, got, err, tc.want)
		}
	}
}
