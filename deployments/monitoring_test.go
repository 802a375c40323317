package deployments

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"gopkg.in/yaml.v3"

	// Linked for their promauto metrics, which register with the default
	// registry when the packages initialise.
	_ "github.com/faultline/faultline/ingest"
	_ "github.com/faultline/faultline/ingest/loki"
	_ "github.com/faultline/faultline/ingest/otlp"
	_ "github.com/faultline/faultline/ingest/sentry"
	_ "github.com/faultline/faultline/notifier"
	_ "github.com/faultline/faultline/processor"
)

const (
	dashboardFile = "monitoring/grafana-dashboard.json"
	rulesFile     = "monitoring/prometheus-rules.yaml"
)

// metricDef is one metric the binary defines.
type metricDef struct {
	kind string // counter, gauge, histogram, summary
	vec  bool   // labelled: not exported until a label value is used
	file string
}

// definedMetrics reads the metric names out of the Go source of the
// packages the binary links.
//
// The registry alone cannot answer this: prometheus.DefaultGatherer.Gather()
// returns a CounterVec or HistogramVec only after some label value was
// observed, and most faultline metrics are such vecs
// (faultline_notifier_sent_total{channel,kind}, ...). Touching them would
// need the packages' unexported variables. So the source is the list, and
// TestMetricDefinitionsMatchRegistry checks it against what the registry does
// show, so that a metric defined in a way this parser misses fails there
// instead of passing here.
func definedMetrics(t *testing.T) map[string]metricDef {
	t.Helper()
	defs := map[string]metricDef{}
	fset := token.NewFileSet()
	for _, dir := range []string{"../ingest", "../processor", "../notifier", "../internal", "../cmd"} {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
			if err != nil {
				return err
			}
			vecOpts := map[*ast.CompositeLit]bool{}
			ast.Inspect(f, func(n ast.Node) bool {
				if call, ok := n.(*ast.CallExpr); ok && len(call.Args) > 0 {
					if sel, ok := call.Fun.(*ast.SelectorExpr); ok && strings.HasSuffix(sel.Sel.Name, "Vec") {
						if lit, ok := call.Args[0].(*ast.CompositeLit); ok {
							vecOpts[lit] = true
						}
					}
				}
				return true
			})
			ast.Inspect(f, func(n ast.Node) bool {
				lit, ok := n.(*ast.CompositeLit)
				if !ok {
					return true
				}
				sel, ok := lit.Type.(*ast.SelectorExpr)
				if !ok || !strings.HasSuffix(sel.Sel.Name, "Opts") {
					return true
				}
				kind := strings.ToLower(strings.TrimSuffix(sel.Sel.Name, "Opts"))
				if !slices.Contains([]string{"counter", "gauge", "histogram", "summary"}, kind) {
					return true
				}
				parts := map[string]string{}
				for _, el := range lit.Elts {
					kv, ok := el.(*ast.KeyValueExpr)
					if !ok {
						continue
					}
					key, _ := kv.Key.(*ast.Ident)
					if key == nil || (key.Name != "Namespace" && key.Name != "Subsystem" && key.Name != "Name") {
						continue
					}
					bl, ok := kv.Value.(*ast.BasicLit)
					if !ok || bl.Kind != token.STRING {
						t.Errorf("%s: metric %s is not a string literal; teach definedMetrics to read it", fset.Position(kv.Pos()), key.Name)
						continue
					}
					s, _ := strconv.Unquote(bl.Value)
					parts[key.Name] = s
				}
				var name []string
				for _, k := range []string{"Namespace", "Subsystem", "Name"} {
					if parts[k] != "" {
						name = append(name, parts[k])
					}
				}
				if full := strings.Join(name, "_"); strings.HasPrefix(full, "faultline_") {
					defs[full] = metricDef{kind: kind, vec: vecOpts[lit], file: path}
				}
				return true
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(defs) == 0 {
		t.Fatal("found no faultline_ metric definitions in the source")
	}
	return defs
}

func TestMetricDefinitionsMatchRegistry(t *testing.T) {
	defs := definedMetrics(t)
	families, err := prometheus.DefaultGatherer.Gather()
	if err != nil {
		t.Fatal(err)
	}
	gathered := map[string]string{} // name: counter, gauge, ...
	for _, mf := range families {
		if strings.HasPrefix(mf.GetName(), "faultline_") {
			gathered[mf.GetName()] = strings.ToLower(mf.GetType().String())
		}
	}
	for name, kind := range gathered {
		d, ok := defs[name]
		if !ok {
			t.Errorf("the registry exports %s, but definedMetrics did not find it in the source", name)
		} else if d.kind != kind {
			t.Errorf("%s: source says %s, registry %s", name, d.kind, kind)
		}
	}
	// Unlabelled metrics of the linked packages are always gathered.
	for name, d := range defs {
		linked := strings.HasPrefix(d.file, "../ingest/") || strings.HasPrefix(d.file, "../processor/") || strings.HasPrefix(d.file, "../notifier/")
		if _, ok := gathered[name]; linked && !d.vec && !ok {
			t.Errorf("%s (%s) looks unlabelled but the registry does not export it", name, d.file)
		}
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
