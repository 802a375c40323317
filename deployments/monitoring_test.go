package deployments

import (
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"gopkg.in/yaml.v3"

	"github.com/faultline/faultline/ingest"
	"github.com/faultline/faultline/ingest/loki"
	"github.com/faultline/faultline/ingest/otlp"
	"github.com/faultline/faultline/ingest/sentry"
	"github.com/faultline/faultline/notifier"
	"github.com/faultline/faultline/processor"
)

const (
	dashboardFile = "monitoring/grafana-dashboard.json"
	rulesFile     = "monitoring/prometheus-rules.yaml"
)

// newServiceMetrics builds the metrics of every service cmd/faultline can
// run into reg, as "faultline all" does.
func newServiceMetrics(reg prometheus.Registerer) {
	ingest.NewMetrics(reg)
	sentry.NewMetrics(reg)
	otlp.NewMetrics(reg)
	loki.NewMetrics(reg)
	processor.NewMetrics(reg)
	notifier.NewMetrics(reg)
}

// metricDef is one metric the binary defines.
type metricDef struct {
	kind string // counter, gauge, histogram, summary
}

// recorder keeps what is registered through it, so a collector's kind can
// be read from its type: a vec exports nothing until a label value is used,
// so gathering alone would miss most of faultline's metrics.
type recorder struct {
	prometheus.Registerer
	collectors []prometheus.Collector
}

func (r *recorder) Register(c prometheus.Collector) error {
	r.collectors = append(r.collectors, c)
	return r.Registerer.Register(c)
}

func (r *recorder) MustRegister(cs ...prometheus.Collector) {
	for _, c := range cs {
		if err := r.Register(c); err != nil {
			panic(err)
		}
	}
}

// fqName reads a metric's name out of its description, which has no
// accessor for it.
var fqName = regexp.MustCompile(`^Desc\{fqName: "([^"]+)"`)

// definedMetrics builds every service's metrics into a fresh registry and
// reads their names from the descriptions and their kinds from the
// collectors.
func definedMetrics(t *testing.T) map[string]metricDef {
	t.Helper()
	rec := &recorder{Registerer: prometheus.NewPedanticRegistry()}
	newServiceMetrics(rec)
	defs := map[string]metricDef{}
	for _, c := range rec.collectors {
		kind := collectorKind(t, c)
		descs := make(chan *prometheus.Desc, 16)
		go func() { c.Describe(descs); close(descs) }()
		for d := range descs {
			if d.Err() != nil {
				t.Errorf("%s: %v", d, d.Err())
				continue
			}
			m := fqName.FindStringSubmatch(d.String())
			if m == nil {
				t.Fatalf("cannot read the name in %s; teach definedMetrics the description's format", d)
			}
			if !strings.HasPrefix(m[1], "faultline_") {
				t.Errorf("%s: every faultline metric is named faultline_…", m[1])
			}
			defs[m[1]] = metricDef{kind: kind}
		}
	}
	if len(defs) == 0 {
		t.Fatal("the services define no metrics")
	}
	return defs
}

// collectorKind is counter, gauge, histogram or summary.
func collectorKind(t *testing.T, c prometheus.Collector) string {
	t.Helper()
	switch c.(type) {
	case *prometheus.CounterVec:
		return "counter"
	case *prometheus.GaugeVec:
		return "gauge"
	case *prometheus.HistogramVec:
		return "histogram"
	case *prometheus.SummaryVec:
		return "summary"
	}
	// An unlabelled metric is its own one sample.
	ms := make(chan prometheus.Metric, 1)
	go func() { c.Collect(ms); close(ms) }()
	var kinds []string
	for m := range ms {
		var pb dto.Metric
		if err := m.Write(&pb); err != nil {
			t.Fatal(err)
		}
		switch {
		case pb.Counter != nil:
			kinds = append(kinds, "counter")
		case pb.Gauge != nil:
			kinds = append(kinds, "gauge")
		case pb.Histogram != nil:
			kinds = append(kinds, "histogram")
		case pb.Summary != nil:
			kinds = append(kinds, "summary")
		}
	}
	if len(kinds) != 1 {
		t.Fatalf("%T: cannot tell its kind from %v", c, kinds)
	}
	return kinds[0]
}

// What a registry gathers (the unlabelled metrics) agrees with
// definedMetrics, so a way of reading names or kinds that goes wrong fails
// here.
func TestMetricDefinitionsMatchRegistry(t *testing.T) {
	defs := definedMetrics(t)
	reg := prometheus.NewRegistry()
	newServiceMetrics(reg)
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	if len(families) == 0 {
		t.Fatal("the registry gathered nothing")
	}
	for _, mf := range families {
		d, ok := defs[mf.GetName()]
		if !ok {
			t.Errorf("the registry exports %s, but definedMetrics did not find it", mf.GetName())
		} else if kind := strings.ToLower(mf.GetType().String()); d.kind != kind {
			t.Errorf("%s: definedMetrics says %s, the registry %s", mf.GetName(), d.kind, kind)
		}
	}
}

// No package registers a metric globally: a process serves only the
// metrics of the services it runs, and tests in parallel do not count into
// each other's.
func TestNoGlobalMetrics(t *testing.T) {
	def, ok := prometheus.DefaultRegisterer.(*prometheus.Registry)
	if !ok {
		t.Fatalf("the default registerer is a %T", prometheus.DefaultRegisterer)
	}
	// Described, not gathered: a vec is gathered only once a label value
	// was used.
	descs := make(chan *prometheus.Desc, 16)
	go func() { def.Describe(descs); close(descs) }()
	n := 0
	for d := range descs {
		n++
		if m := fqName.FindStringSubmatch(d.String()); m == nil || strings.HasPrefix(m[1], "faultline_") {
			t.Errorf("%s is in the default registry; build it in the service's NewMetrics", d)
		}
	}
	if n == 0 {
		t.Fatal("the default registry describes nothing, not even the Go runtime's metrics")
	}
}

// rules is the Prometheus rule-file format, decoded strictly.
type rules struct {
	Groups []struct {
		Name     string `yaml:"name"`
		Interval string `yaml:"interval"`
		Rules    []struct {
			Alert         string            `yaml:"alert"`
			Record        string            `yaml:"record"`
			Expr          string            `yaml:"expr"`
			For           string            `yaml:"for"`
			KeepFiringFor string            `yaml:"keep_firing_for"`
			Labels        map[string]string `yaml:"labels"`
			Annotations   map[string]string `yaml:"annotations"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

// ruleExprs returns each rule's expression, by alert name.
func ruleExprs(t *testing.T) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(rulesFile)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(strings.NewReader(string(raw)))
	dec.KnownFields(true)
	var rf rules
	if err := dec.Decode(&rf); err != nil {
		t.Fatalf("%s: %v", rulesFile, err)
	}
	out := map[string]string{}
	for _, g := range rf.Groups {
		if g.Name == "" || len(g.Rules) == 0 {
			t.Errorf("%s: group %q has no name or no rules", rulesFile, g.Name)
		}
		for _, r := range g.Rules {
			name := r.Alert + r.Record
			if (r.Alert == "") == (r.Record == "") {
				t.Errorf("%s: rule %q needs exactly one of alert and record", rulesFile, name)
			}
			if _, dup := out[name]; dup {
				t.Errorf("%s: %s defined twice", rulesFile, name)
			}
			if strings.TrimSpace(r.Expr) == "" {
				t.Errorf("%s: %s has no expr", rulesFile, name)
			}
			if r.For != "" {
				if _, err := time.ParseDuration(r.For); err != nil {
					t.Errorf("%s: %s for: %v", rulesFile, name, err)
				}
			}
			if r.Alert != "" {
				if !slices.Contains([]string{"critical", "warning", "info"}, r.Labels["severity"]) {
					t.Errorf("%s: %s severity %q, want critical, warning or info", rulesFile, name, r.Labels["severity"])
				}
				if r.Annotations["summary"] == "" || r.Annotations["description"] == "" {
					t.Errorf("%s: %s needs summary and description annotations", rulesFile, name)
				}
			}
			out[name] = r.Expr
		}
	}
	return out
}

// dashboardExprs returns each PromQL query of the dashboard, by panel title
// and refId, including the queries of panels nested in collapsed rows.
func dashboardExprs(t *testing.T) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	type target struct {
		RefID string `json:"refId"`
		Expr  string `json:"expr"`
	}
	type panel struct {
		ID      int               `json:"id"`
		Type    string            `json:"type"`
		Title   string            `json:"title"`
		Targets []target          `json:"targets"`
		Panels  []json.RawMessage `json:"panels"`
	}
	var d struct {
		UID        string            `json:"uid"`
		Title      string            `json:"title"`
		Panels     []json.RawMessage `json:"panels"`
		Templating struct {
			List []struct {
				Name  string `json:"name"`
				Type  string `json:"type"`
				Query any    `json:"query"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatalf("%s: %v", dashboardFile, err)
	}
	if d.UID == "" || d.Title == "" {
		t.Errorf("%s: dashboard needs a uid and a title", dashboardFile)
	}
	out := map[string]string{}
	ids := map[int]bool{}
	var walk func([]json.RawMessage)
	walk = func(raws []json.RawMessage) {
		for _, r := range raws {
			var p panel
			if err := json.Unmarshal(r, &p); err != nil {
				t.Fatalf("%s: panel: %v", dashboardFile, err)
			}
			if ids[p.ID] {
				t.Errorf("%s: panel id %d used twice", dashboardFile, p.ID)
			}
			ids[p.ID] = true
			if p.Type != "row" && len(p.Targets) == 0 {
				t.Errorf("%s: panel %q has no queries", dashboardFile, p.Title)
			}
			for _, tg := range p.Targets {
				out[p.Title+"/"+tg.RefID] = tg.Expr
			}
			walk(p.Panels)
		}
	}
	walk(d.Panels)
	for _, v := range d.Templating.List {
		if q, ok := v.Query.(string); ok && v.Type == "query" {
			out["variable "+v.Name] = q
		}
	}
	return out
}

var (
	metricRef = regexp.MustCompile(`\bfaultline_[a-zA-Z0-9_]*`)
	// Quoted strings hold label values and regexps, not metric names.
	promString = regexp.MustCompile(`"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|` + "`[^`]*`")
)

// referencedMetrics names the faultline_ series an expression reads.
func referencedMetrics(expr string) []string {
	return metricRef.FindAllString(promString.ReplaceAllString(expr, `""`), -1)
}

// checkMetric says why name, as written in PromQL, is not a series the
// binary exports; "" when it is.
func checkMetric(defs map[string]metricDef, name string) string {
	if d, ok := defs[name]; ok {
		if d.kind == "histogram" || d.kind == "summary" {
			return name + " is a " + d.kind + ": query its _bucket, _sum or _count series"
		}
		return ""
	}
	for suffix, kinds := range map[string][]string{
		"_bucket": {"histogram"},
		"_sum":    {"histogram", "summary"},
		"_count":  {"histogram", "summary"},
	} {
		if base, ok := strings.CutSuffix(name, suffix); ok {
			if d, ok := defs[base]; ok && slices.Contains(kinds, d.kind) {
				return ""
			}
		}
	}
	return name + " is not a metric the binary exports"
}

func balanced(expr string) bool {
	var stack []rune
	pairs := map[rune]rune{')': '(', ']': '[', '}': '{'}
	for _, r := range promString.ReplaceAllString(expr, `""`) {
		switch r {
		case '(', '[', '{':
			stack = append(stack, r)
		case ')', ']', '}':
			if len(stack) == 0 || stack[len(stack)-1] != pairs[r] {
				return false
			}
			stack = stack[:len(stack)-1]
		}
	}
	return len(stack) == 0
}

// TestMonitoringMetricsExist fails when the dashboard or an alert queries a
// metric that the binary does not export (a typo, or a metric renamed in
// Go), since such a panel is silently empty and such an alert never fires.
func TestMonitoringMetricsExist(t *testing.T) {
	defs := definedMetrics(t)
	used := map[string]bool{}
	for file, exprs := range map[string]map[string]string{
		dashboardFile: dashboardExprs(t),
		rulesFile:     ruleExprs(t),
	} {
		if len(exprs) == 0 {
			t.Errorf("%s: no queries found", file)
		}
		for where, expr := range exprs {
			if !balanced(expr) {
				t.Errorf("%s: %s: unbalanced brackets in %q", file, where, expr)
			}
			for _, name := range referencedMetrics(expr) {
				if why := checkMetric(defs, name); why != "" {
					t.Errorf("%s: %s: %s", file, where, why)
				}
				used[file+" "+strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(name, "_bucket"), "_sum"), "_count")] = true
			}
		}
	}
	// What each file must cover, so panels and alerts are not lost in an edit.
	for file, want := range map[string][]string{
		dashboardFile: {
			"faultline_ingest_events_accepted_total", "faultline_ingest_events_rejected_total",
			"faultline_ingest_requests_total", "faultline_ingest_publish_seconds",
			"faultline_processor_consumer_lag", "faultline_processor_bulk_failures_total",
			"faultline_processor_events_total", "faultline_notifier_sent_total",
			"faultline_notifier_failed_total", "faultline_notifier_suppressed_total",
			"faultline_notifier_rate_limited_total",
		},
		rulesFile: {
			"faultline_ingest_requests_total", "faultline_ingest_publish_seconds",
			"faultline_processor_consumer_lag", "faultline_processor_bulk_failures_total",
			"faultline_processor_events_total", "faultline_notifier_failed_total",
		},
	} {
		for _, m := range want {
			if !used[file+" "+m] {
				t.Errorf("%s does not query %s", file, m)
			}
		}
	}
	if !strings.Contains(strings.Join(mapValues(ruleExprs(t)), "\n"), "up{") {
		t.Errorf("%s: no alert on a scrape target being down (up == 0)", rulesFile)
	}
}

func TestReferencedMetrics(t *testing.T) {
	defs := map[string]metricDef{
		"faultline_a_total":   {kind: "counter"},
		"faultline_b_seconds": {kind: "histogram"},
	}
	expr := `sum(rate(faultline_a_total{job=~".*faultline_x.*"}[5m])) + histogram_quantile(0.9, rate(faultline_b_seconds_bucket[5m])) + faultline_c`
	got := referencedMetrics(expr)
	want := []string{"faultline_a_total", "faultline_b_seconds_bucket", "faultline_c"}
	if !slices.Equal(got, want) {
		t.Fatalf("referencedMetrics = %v, want %v", got, want)
	}
	for name, ok := range map[string]bool{
		"faultline_a_total": true, "faultline_b_seconds_bucket": true, "faultline_b_seconds_count": true,
		"faultline_b_seconds": false, "faultline_a_total_bucket": false, "faultline_c": false,
	} {
		if got := checkMetric(defs, name) == ""; got != ok {
			t.Errorf("checkMetric(%s) ok = %v, want %v", name, got, ok)
		}
	}
}

func mapValues(m map[string]string) []string {
	var out []string
	for _, v := range m {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}
