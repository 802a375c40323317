package schemas

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

// Kibana cannot run here, so this test is what keeps the saved objects
// honest: every object must have the shape Kibana's import expects, every
// reference must resolve inside the file, and every field an object names
// must exist in the index template behind its data view, with a type that
// the use needs (a terms split on a text field or a sum over a keyword
// only fails when someone opens the dashboard).

func TestKibanaSavedObjects(t *testing.T) {
	report, problems := checkSavedObjects(KibanaSavedObjects, EventsTemplate, GroupsTemplate)
	for _, p := range problems {
		t.Error(p)
	}

	// The objects the dashboard promises, by type/id and title.
	want := map[string]string{
		"index-pattern/faultline-logs":       "logs-faultline-*",
		"index-pattern/faultline-groups":     "faultline-groups",
		"search/faultline-errors-by-service": "Errors by service",
		"search/faultline-events-of-group":   "Events of a group",
		"lens/faultline-errors-over-time":    "Errors over time by service",
		"lens/faultline-top-groups":          "Top error groups",
		"lens/faultline-new-groups-today":    "New groups today",
		"dashboard/faultline-overview":       "faultline overview",
	}
	for key, title := range want {
		if got, ok := report.titles[key]; !ok {
			t.Errorf("missing object %s", key)
		} else if got != title {
			t.Errorf("%s: title %q, want %q", key, got, title)
		}
	}
	if got := report.timeFields["faultline-logs"]; got != "@timestamp" {
		t.Errorf("data view faultline-logs: timeFieldName %q, want @timestamp", got)
	}
	if got := report.timeFields["faultline-groups"]; got != "last_seen" {
		t.Errorf("data view faultline-groups: timeFieldName %q, want last_seen", got)
	}
	// The one filter pill: Lens must resolve it to the events data view.
	if got := report.filterDataViews["lens/faultline-errors-over-time state.filters[0]"]; got != "faultline-logs" {
		t.Errorf("errors-over-time filter resolves to data view %q, want faultline-logs (all: %v)", got, report.filterDataViews)
	}
	wantPanels := []string{
		"lens/faultline-errors-over-time",
		"lens/faultline-top-groups",
		"lens/faultline-new-groups-today",
		"search/faultline-errors-by-service",
	}
	if !slices.Equal(report.dashboardPanels["faultline-overview"], wantPanels) {
		t.Errorf("dashboard panels %v, want %v", report.dashboardPanels["faultline-overview"], wantPanels)
	}

	// A collector that silently finds nothing would pass everything, so each
	// extraction path (columns, sort, KQL, filters, Lens sourceField, time
	// fields) must have produced the fields it is known to hold.
	for _, f := range []string{
		"events:@timestamp", "events:service.name", "events:error.type", "events:message",
		"events:log.level", "events:faultline.fingerprint",
		"groups:last_seen", "groups:title.keyword", "groups:service.name", "groups:count", "groups:first_seen",
	} {
		if !report.checked[f] {
			t.Errorf("field %s was never collected from the saved objects", f)
		}
	}
}

// TestKibanaSavedObjectsCatchMistakes feeds the checker broken copies of the
// file, so a checker that stops looking somewhere fails here.
func TestKibanaSavedObjectsCatchMistakes(t *testing.T) {
	src := string(KibanaSavedObjects)
	cases := []struct {
		name, old, new, want string
	}{
		{"search column", `"columns":["service.name","error.type"`, `"columns":["servce.name","error.type"`, "servce.name"},
		{"search sort", `"sort":[["@timestamp","desc"]]`, `"sort":[["@timestmp","desc"]]`, "@timestmp"},
		{"search sort on text", `"sort":[["@timestamp","desc"]]`, `"sort":[["message","desc"]]`, "message"},
		{"search breakdown", `"breakdownField":"service.name"`, `"breakdownField":"service.nme"`, "service.nme"},
		{"KQL in searchSourceJSON", `log.level:ERROR`, `log.levle:ERROR`, "log.levle"},
		{"KQL in Lens query", `first_seen >= now/d`, `first_sen >= now/d`, "first_sen"},
		{"field of the other data view", `first_seen >= now/d`, `@timestamp >= now/d`, "@timestamp"},
		{"Lens sourceField", `"sourceField":"title.keyword"`, `"sourceField":"title.keywrd"`, "title.keywrd"},
		{"Lens terms on text", `"sourceField":"title.keyword"`, `"sourceField":"title"`, `"title"`},
		{"Lens sum over keyword", `"sourceField":"count"`, `"sourceField":"fingerprint"`, "fingerprint"},
		{"Lens histogram on non-date", `"sourceField":"@timestamp"`, `"sourceField":"event.id"`, "event.id"},
		{"filter meta.key", `"key":"log.level"`, `"key":"log.lvl"`, "log.lvl"},
		{"filter query", `"match_phrase":{"log.level"`, `"match_phrase":{"log.lvl"`, "log.lvl"},
		{"timeFieldName", `"timeFieldName":"last_seen"`, `"timeFieldName":"last_sen"`, "last_sen"},
		{"time field not a date", `"timeFieldName":"last_seen"`, `"timeFieldName":"status"`, "status"},
		{"reference to a missing object", `{"id":"faultline-top-groups","name":"panel_1"`, `{"id":"faultline-top-group","name":"panel_1"`, "faultline-top-group"},
		{"panel reference name", `"name":"panel_3"`, `"name":"panel_9"`, "panel_3"},
		{"Lens layer reference", `"name":"indexpattern-datasource-layer-groups"`, `"name":"indexpattern-datasource-layer-group"`, "layer-groups"},
		{"Lens filter reference", `"name":"filter-index-pattern-0"`, `"name":"filter-index-pattern-1"`, "filter-index-pattern-0"},
		{"Lens filter in the older form", `"index":"filter-index-pattern-0"`, `"indexRefName":"filter-index-pattern-0"`, "meta.indexRefName"},
		{"Lens filter naming a data view, not a reference", `"index":"filter-index-pattern-0"`, `"index":"faultline-logs"`, `no reference named "faultline-logs"`},
		{"Lens filter without meta.index", `"index":"filter-index-pattern-0",`, ``, "no meta.index"},
		{"Lens filter reference to a missing data view", `{"id":"faultline-logs","name":"filter-index-pattern-0"`, `{"id":"faultline-log","name":"filter-index-pattern-0"`, "index-pattern/faultline-log,"},
		{"search data view reference", `"name":"kibanaSavedObjectMeta.searchSourceJSON.index"`, `"name":"searchSourceJSON.index"`, "kibanaSavedObjectMeta.searchSourceJSON.index"},
		{"Lens accessor", `"metricAccessor":"count"`, `"metricAccessor":"cnt"`, "cnt"},
		{"missing typeMigrationVersion", `"typeMigrationVersion":"8.9.0"`, `"typeMigrationVersionX":"8.9.0"`, "typeMigrationVersion"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !strings.Contains(src, c.old) {
				t.Fatalf("the saved objects no longer contain %s; update this case", c.old)
			}
			broken := strings.Replace(src, c.old, c.new, 1)
			_, problems := checkSavedObjects([]byte(broken), EventsTemplate, GroupsTemplate)
			if len(problems) == 0 {
				t.Fatalf("replacing %s with %s went unnoticed", c.old, c.new)
			}
			if !slices.ContainsFunc(problems, func(p string) bool { return strings.Contains(p, c.want) }) {
				t.Fatalf("no problem names %s; got:\n%s", c.want, strings.Join(problems, "\n"))
			}
		})
	}

	// labels is flattened, so any label is a valid (keyword) field.
	ok := strings.Replace(src, `"columns":["service.name","error.type"`, `"columns":["labels.tenant","error.type"`, 1)
	if _, problems := checkSavedObjects([]byte(ok), EventsTemplate, GroupsTemplate); len(problems) > 0 {
		t.Errorf("a labels.* column was rejected:\n%s", strings.Join(problems, "\n"))
	}
}

// ---- the checker ----

type soRef struct {
	Name string `json:"name"`
	Type string `json:"type"`
	ID   string `json:"id"`
}

type savedObj struct {
	key   string // type/id, for messages
	typ   string
	id    string
	attrs map[string]any
	refs  []soRef
}

// indexTemplate is what the checker knows of one index template: the index
// patterns it applies to, its concrete fields with their types, and its
// dynamic-template path patterns (labels.* → keyword).
type indexTemplate struct {
	name     string
	patterns []string
	fields   map[string]string
	dynamic  map[string]string // path_match glob → type
}

type checkReport struct {
	titles          map[string]string   // type/id → title
	timeFields      map[string]string   // data view id → timeFieldName
	dashboardPanels map[string][]string // dashboard id → type/id of each panel, in order
	checked         map[string]bool     // "<template>:<field>" for every field checked
	filterDataViews map[string]string   // "type/id context[i]" → data view id each filter resolved to
}

// need says what a use of a field requires of its mapping.
type need int

const (
	needAny       need = iota // a Discover column or a KQL term: any mapped field
	needAggregate             // terms split, sort, breakdown: doc values, so not text
	needDate                  // time field, date histogram
	needNumber                // sum, average, …
)

type checker struct {
	objects   map[string]*savedObj // type/id → object
	templates []*indexTemplate
	report    checkReport
	problems  []string
}

func (c *checker) problem(format string, args ...any) {
	c.problems = append(c.problems, fmt.Sprintf(format, args...))
}

// checkSavedObjects returns what it found and every problem, as sentences
// naming the object and the field or reference at fault.
func checkSavedObjects(ndjson, eventsTemplate, groupsTemplate []byte) (checkReport, []string) {
	c := &checker{
		objects: map[string]*savedObj{},
		report: checkReport{
			titles:          map[string]string{},
			timeFields:      map[string]string{},
			dashboardPanels: map[string][]string{},
			checked:         map[string]bool{},
			filterDataViews: map[string]string{},
		},
	}
	for name, raw := range map[string][]byte{"events": eventsTemplate, "groups": groupsTemplate} {
		tpl, err := parseTemplate(name, raw)
		if err != nil {
			c.problem("%s template: %v", name, err)
			continue
		}
		c.templates = append(c.templates, tpl)
	}
	sort.Slice(c.templates, func(i, j int) bool { return c.templates[i].name < c.templates[j].name })

	var order []*savedObj
	for n, line := range bytes.Split(ndjson, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		o := c.parseLine(n+1, line)
		if o == nil {
			continue
		}
		if _, dup := c.objects[o.key]; dup {
			c.problem("line %d: %s appears twice", n+1, o.key)
			continue
		}
		c.objects[o.key] = o
		order = append(order, o)
	}
	if len(order) == 0 {
		c.problem("no saved objects")
	}

	for _, o := range order {
		c.checkReferences(o)
		switch o.typ {
		case "index-pattern":
			c.checkDataView(o)
		case "search":
			c.checkSearch(o)
		case "lens":
			c.checkLens(o)
		case "dashboard":
			c.checkDashboard(o)
		default:
			c.problem("%s: type %q is not one this file is meant to hold", o.key, o.typ)
		}
	}
	return c.report, c.problems
}

var migrationVersion = regexp.MustCompile(`^\d+\.\d+\.\d+$`)

func (c *checker) parseLine(n int, line []byte) *savedObj {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(line, &top); err != nil {
		c.problem("line %d: not a JSON object: %v", n, err)
		return nil
	}
	for _, k := range []string{"type", "id", "attributes", "references", "coreMigrationVersion", "typeMigrationVersion"} {
		if _, ok := top[k]; !ok {
			c.problem("line %d: no %q", n, k)
		}
	}
	o := &savedObj{}
	var core, typeVersion string
	for k, dst := range map[string]any{
		"type": &o.typ, "id": &o.id, "attributes": &o.attrs, "references": &o.refs,
		"coreMigrationVersion": &core, "typeMigrationVersion": &typeVersion,
	} {
		if raw, ok := top[k]; ok {
			if err := json.Unmarshal(raw, dst); err != nil {
				c.problem("line %d: %q: %v", n, k, err)
			}
		}
	}
	if o.typ == "" || o.id == "" || o.attrs == nil {
		c.problem("line %d: needs a type, an id and attributes", n)
		return nil
	}
	o.key = o.typ + "/" + o.id
	// Kibana 8.8+ exports carry both; an import into 8.x rejects a missing
	// or malformed typeMigrationVersion when migrating the object.
	for k, v := range map[string]string{"coreMigrationVersion": core, "typeMigrationVersion": typeVersion} {
		if _, present := top[k]; present && !migrationVersion.MatchString(v) {
			c.problem("%s: %s %q is not a x.y.z version", o.key, k, v)
		}
	}
	if t, ok := o.attrs["title"].(string); ok {
		c.report.titles[o.key] = t
	}
	return o
}

// checkReferences: every reference is well formed, unique by name, and
// points at an object in this file, so an import into an empty Kibana has
// no missing_references error.
func (c *checker) checkReferences(o *savedObj) {
	seen := map[string]bool{}
	for _, r := range o.refs {
		if r.Name == "" || r.Type == "" || r.ID == "" {
			c.problem("%s: reference %+v needs name, type and id", o.key, r)
			continue
		}
		if seen[r.Name] {
			c.problem("%s: reference name %q used twice", o.key, r.Name)
		}
		seen[r.Name] = true
		if _, ok := c.objects[r.Type+"/"+r.ID]; !ok {
			c.problem("%s: reference %q points at %s/%s, which is not in the file", o.key, r.Name, r.Type, r.ID)
		}
	}
}

// ref returns the reference named name, reporting its absence.
func (c *checker) ref(o *savedObj, name, wantType, context string) (soRef, bool) {
	for _, r := range o.refs {
		if r.Name == name {
			if wantType != "" && r.Type != wantType {
				c.problem("%s: %s: reference %q has type %q, want %q", o.key, context, name, r.Type, wantType)
				return r, false
			}
			return r, true
		}
	}
	c.problem("%s: %s: no reference named %q", o.key, context, name)
	return soRef{}, false
}

func (c *checker) requireAttrs(o *savedObj, paths ...string) {
	for _, p := range paths {
		var cur any = o.attrs
		for _, part := range strings.Split(p, ".") {
			m, _ := cur.(map[string]any)
			cur = m[part]
		}
		if cur == nil {
			c.problem("%s: attributes.%s is required", o.key, p)
		}
	}
}

// parseJSONAttr decodes an attribute Kibana stores as a JSON string.
func (c *checker) parseJSONAttr(o *savedObj, path string, dst any) bool {
	var cur any = o.attrs
	for _, part := range strings.Split(path, ".") {
		m, _ := cur.(map[string]any)
		cur = m[part]
	}
	s, ok := cur.(string)
	if !ok {
		c.problem("%s: attributes.%s must be a JSON string", o.key, path)
		return false
	}
	if err := json.Unmarshal([]byte(s), dst); err != nil {
		c.problem("%s: attributes.%s: %v", o.key, path, err)
		return false
	}
	return true
}

func (c *checker) checkDataView(o *savedObj) {
	c.requireAttrs(o, "title", "name", "timeFieldName")
	for _, p := range []string{"fields", "fieldFormatMap", "runtimeFieldMap", "sourceFilters", "fieldAttrs"} {
		if _, ok := o.attrs[p]; ok {
			var v any
			c.parseJSONAttr(o, p, &v)
		}
	}
	tf, _ := o.attrs["timeFieldName"].(string)
	c.report.timeFields[o.id] = tf
	if tf != "" {
		c.checkField(o, o.id, tf, needDate, "timeFieldName")
	}
}

func (c *checker) checkSearch(o *savedObj) {
	c.requireAttrs(o, "title", "columns", "sort", "kibanaSavedObjectMeta.searchSourceJSON")
	var source map[string]any
	if !c.parseJSONAttr(o, "kibanaSavedObjectMeta.searchSourceJSON", &source) {
		return
	}
	refName, _ := source["indexRefName"].(string)
	if refName == "" {
		c.problem("%s: searchSourceJSON has no indexRefName, so the search has no data view", o.key)
		return
	}
	r, ok := c.ref(o, refName, "index-pattern", "searchSourceJSON.indexRefName")
	if !ok {
		return
	}
	dv := r.ID
	columns, _ := o.attrs["columns"].([]any)
	if len(columns) == 0 {
		c.problem("%s: no columns", o.key)
	}
	for _, col := range columns {
		name, _ := col.(string)
		c.checkField(o, dv, name, needAny, "columns")
	}
	sortPairs, _ := o.attrs["sort"].([]any)
	for _, s := range sortPairs {
		pair, _ := s.([]any)
		if len(pair) != 2 {
			c.problem("%s: sort entry %v is not [field, direction]", o.key, s)
			continue
		}
		field, _ := pair[0].(string)
		if dir, _ := pair[1].(string); dir != "asc" && dir != "desc" {
			c.problem("%s: sort direction %v", o.key, pair[1])
		}
		c.checkField(o, dv, field, needAggregate, "sort")
	}
	if b, ok := o.attrs["breakdownField"].(string); ok {
		c.checkField(o, dv, b, needAggregate, "breakdownField")
	}
	c.checkQueries(o, source, []string{dv}, "searchSourceJSON")
	filters, _ := source["filter"].([]any)
	c.checkFilters(o, filters, "kibanaSavedObjectMeta.searchSourceJSON.", dv, "searchSourceJSON.filter")
}

// lensAccessorKeys are the visualization-state keys that name a column of
// the datasource layer (XY, datatable, metric, partition and gauge shapes).
var lensAccessorKeys = map[string]bool{
	"accessor": true, "accessors": true, "xAccessor": true, "splitAccessor": true,
	"metricAccessor": true, "secondaryMetricAccessor": true, "maxAccessor": true,
	"breakdownByAccessor": true, "columnId": true, "forAccessor": true,
	"metrics": true, "primaryGroups": true, "secondaryGroups": true,
}

func (c *checker) checkLens(o *savedObj) {
	c.requireAttrs(o, "title", "visualizationType", "state.datasourceStates", "state.visualization", "state.query", "state.filters")
	state, _ := o.attrs["state"].(map[string]any)
	ds, _ := state["datasourceStates"].(map[string]any)
	fb, _ := ds["formBased"].(map[string]any)
	layers, _ := fb["layers"].(map[string]any)
	if len(layers) == 0 {
		c.problem("%s: state.datasourceStates.formBased has no layers", o.key)
		return
	}
	var layerDataViews []string
	columnIDs := map[string]bool{}
	for layerID, l := range layers {
		layer, _ := l.(map[string]any)
		// Lens resolves each layer's data view through this exact reference name.
		r, ok := c.ref(o, "indexpattern-datasource-layer-"+layerID, "index-pattern", "layer "+layerID)
		if !ok {
			continue
		}
		layerDataViews = append(layerDataViews, r.ID)
		columns, _ := layer["columns"].(map[string]any)
		for colID, cv := range columns {
			columnIDs[colID] = true
			col, _ := cv.(map[string]any)
			c.checkLensColumn(o, r.ID, colID, col)
		}
		order, _ := layer["columnOrder"].([]any)
		for _, id := range order {
			if s, _ := id.(string); columns[s] == nil {
				c.problem("%s: layer %s: columnOrder names %v, which is not a column", o.key, layerID, id)
			}
		}
	}
	vis, _ := state["visualization"].(map[string]any)
	walkJSON(vis, func(key string, v any) {
		switch {
		case key == "layerId":
			if s, _ := v.(string); layers[s] == nil {
				c.problem("%s: visualization names layer %v, which is not in the datasource", o.key, v)
			}
		case lensAccessorKeys[key]:
			ids := []any{v}
			if a, ok := v.([]any); ok {
				ids = a
			}
			for _, id := range ids {
				if s, ok := id.(string); ok && !columnIDs[s] {
					c.problem("%s: visualization %s names column %q, which no layer has", o.key, key, s)
				}
			}
		}
	})
	c.checkQueries(o, state["query"], layerDataViews, "state.query")
	filters, _ := state["filters"].([]any)
	c.checkLensFilters(o, filters, "state.filters")
}

// lensNumberOps aggregate values, so they need a numeric field.
var lensNumberOps = map[string]bool{
	"sum": true, "average": true, "median": true, "percentile": true, "percentile_rank": true,
	"standard_deviation": true,
}

func (c *checker) checkLensColumn(o *savedObj, dv, colID string, col map[string]any) {
	op, _ := col["operationType"].(string)
	if f, ok := col["filter"]; ok {
		c.checkQueries(o, f, []string{dv}, "column "+colID+" filter")
	}
	src, hasSource := col["sourceField"].(string)
	if !hasSource {
		return
	}
	// Lens's name for "document count", not a field.
	if src == "___records___" {
		if op != "count" {
			c.problem("%s: column %s: ___records___ only works with count, not %s", o.key, colID, op)
		}
		return
	}
	n := needAggregate
	switch {
	case op == "date_histogram":
		n = needDate
	case lensNumberOps[op]:
		n = needNumber
	}
	c.checkField(o, dv, src, n, "column "+colID+" ("+op+") sourceField")
}

func (c *checker) checkDashboard(o *savedObj) {
	c.requireAttrs(o, "title", "panelsJSON", "optionsJSON", "kibanaSavedObjectMeta.searchSourceJSON")
	var options map[string]any
	c.parseJSONAttr(o, "optionsJSON", &options)
	var source map[string]any
	if c.parseJSONAttr(o, "kibanaSavedObjectMeta.searchSourceJSON", &source) {
		// A dashboard query applies to every panel, so its fields must
		// exist behind every data view in the file.
		var all []string
		for _, obj := range c.objects {
			if obj.typ == "index-pattern" {
				all = append(all, obj.id)
			}
		}
		sort.Strings(all)
		c.checkQueries(o, source, all, "searchSourceJSON")
		filters, _ := source["filter"].([]any)
		c.checkFilters(o, filters, "kibanaSavedObjectMeta.searchSourceJSON.", "", "searchSourceJSON.filter")
	}
	var panels []struct {
		Type         string         `json:"type"`
		PanelIndex   string         `json:"panelIndex"`
		PanelRefName string         `json:"panelRefName"`
		GridData     map[string]any `json:"gridData"`
	}
	if !c.parseJSONAttr(o, "panelsJSON", &panels) {
		return
	}
	if len(panels) == 0 {
		c.problem("%s: no panels", o.key)
	}
	used := map[string]bool{}
	indexes := map[string]bool{}
	for i, p := range panels {
		where := fmt.Sprintf("panel %d", i)
		if p.PanelIndex == "" || indexes[p.PanelIndex] {
			c.problem("%s: %s: panelIndex %q is empty or repeated", o.key, where, p.PanelIndex)
		}
		indexes[p.PanelIndex] = true
		if i, _ := p.GridData["i"].(string); i != p.PanelIndex {
			c.problem("%s: %s: gridData.i %q differs from panelIndex %q", o.key, where, i, p.PanelIndex)
		}
		for _, k := range []string{"x", "y", "w", "h"} {
			if _, ok := p.GridData[k].(float64); !ok {
				c.problem("%s: %s: gridData.%s missing", o.key, where, k)
			}
		}
		if p.PanelRefName == "" {
			c.problem("%s: %s: no panelRefName (by-value panels are not used here)", o.key, where)
			continue
		}
		used[p.PanelRefName] = true
		r, ok := c.ref(o, p.PanelRefName, p.Type, where)
		if !ok {
			continue
		}
		c.report.dashboardPanels[o.id] = append(c.report.dashboardPanels[o.id], r.Type+"/"+r.ID)
	}
	for _, r := range o.refs {
		if strings.HasPrefix(r.Name, "panel_") && !used[r.Name] {
			c.problem("%s: reference %q is not used by any panel", o.key, r.Name)
		}
	}
}

// checkFilters checks Kibana filter pills: the data view each filter
// references, and the field in meta.key and in the query itself against it.
// A search source (saved search, dashboard) reads the data view from the
// reference named by meta.indexRefName (refPrefix is the prefix Kibana gives
// those names); a filter without one uses fallbackDV.
func (c *checker) checkFilters(o *savedObj, filters []any, refPrefix, fallbackDV, context string) {
	c.eachFilter(o, filters, context, func(meta map[string]any, where string) (string, bool) {
		name, ok := meta["indexRefName"].(string)
		if !ok {
			return fallbackDV, true
		}
		if !strings.HasPrefix(name, refPrefix) {
			c.problem("%s: %s: indexRefName %q should start with %q", o.key, where, name, refPrefix)
		}
		r, ok := c.ref(o, name, "index-pattern", where)
		return r.ID, ok
	})
}

// checkLensFilters checks the filters of a Lens state. Kibana 8.x loads them
// with the data plugin's filter inject, which reads meta.index as the name of
// a reference and puts that reference's id in its place. It never reads
// meta.indexRefName (how older Lens versions saved filters), and an older 8.x
// leaves meta.index empty when no reference has that name, so either way the
// filter silently loses its data view.
func (c *checker) checkLensFilters(o *savedObj, filters []any, context string) {
	c.eachFilter(o, filters, context, func(meta map[string]any, where string) (string, bool) {
		if _, old := meta["indexRefName"]; old {
			c.problem("%s: %s: meta.indexRefName is the older Lens form, which Kibana 8.x does not read; name the reference in meta.index", o.key, where)
			return "", false
		}
		name, _ := meta["index"].(string)
		if name == "" {
			c.problem("%s: %s: no meta.index, so the filter has no data view", o.key, where)
			return "", false
		}
		r, ok := c.ref(o, name, "index-pattern", where+" meta.index")
		return r.ID, ok
	})
}

// eachFilter resolves each filter's data view with dataView, records it and
// checks the fields the filter names against it. dataView reports its own
// problems; false skips the filter.
func (c *checker) eachFilter(o *savedObj, filters []any, context string, dataView func(meta map[string]any, where string) (string, bool)) {
	for i, f := range filters {
		filter, _ := f.(map[string]any)
		meta, _ := filter["meta"].(map[string]any)
		where := fmt.Sprintf("%s[%d]", context, i)
		dv, ok := dataView(meta, where)
		if !ok {
			continue
		}
		if dv == "" {
			c.problem("%s: %s: filter has no data view", o.key, where)
			continue
		}
		c.report.filterDataViews[o.key+" "+where] = dv
		if key, ok := meta["key"].(string); ok {
			c.checkField(o, dv, key, needAny, where+" meta.key")
		}
		for _, field := range queryDSLFields(filter["query"]) {
			c.checkField(o, dv, field, needAny, where+" query")
		}
	}
}

// queryDSLFields returns the fields of the simple query DSL shapes that
// filter pills use.
func queryDSLFields(q any) []string {
	var out []string
	walkJSON(q, func(key string, v any) {
		switch key {
		case "match_phrase", "match", "term", "terms", "range", "prefix", "wildcard":
			if m, ok := v.(map[string]any); ok {
				for f := range m {
					out = append(out, f)
				}
			}
		case "exists":
			if m, ok := v.(map[string]any); ok {
				if f, ok := m["field"].(string); ok {
					out = append(out, f)
				}
			}
		}
	})
	sort.Strings(out)
	return out
}

// checkQueries finds every {query, language} object under v and checks the
// fields a KQL query names against each of the data views.
func (c *checker) checkQueries(o *savedObj, v any, dataViews []string, context string) {
	visit := func(m map[string]any) {
		q, isString := m["query"].(string)
		lang, hasLang := m["language"].(string)
		if !isString || !hasLang {
			return
		}
		if lang != "kuery" {
			c.problem("%s: %s: query language %q; these objects use KQL (kuery)", o.key, context, lang)
			return
		}
		for _, f := range kqlFields(q) {
			for _, dv := range dataViews {
				c.checkField(o, dv, f, needAny, fmt.Sprintf("%s KQL %q", context, q))
			}
		}
	}
	var walk func(any)
	walk = func(v any) {
		switch t := v.(type) {
		case map[string]any:
			visit(t)
			for _, child := range t {
				walk(child)
			}
		case []any:
			for _, child := range t {
				walk(child)
			}
		}
	}
	walk(v)
}

var (
	kqlQuoted = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
	// A field is the name before ":" or a range operator.
	kqlField = regexp.MustCompile(`([A-Za-z0-9_@][A-Za-z0-9_@.\-]*)\s*(?::|<=|>=|<|>)`)
)

// kqlFields extracts the field names of a KQL query. Quoted values are
// blanked first so a ':' inside a value is not read as a field.
func kqlFields(q string) []string {
	q = kqlQuoted.ReplaceAllString(q, `""`)
	var out []string
	for _, m := range kqlField.FindAllStringSubmatch(q, -1) {
		out = append(out, m[1])
	}
	return out
}

// walkJSON calls fn for every key/value pair in v, depth first.
func walkJSON(v any, fn func(key string, v any)) {
	switch t := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fn(k, t[k])
			walkJSON(t[k], fn)
		}
	case []any:
		for _, child := range t {
			walkJSON(child, fn)
		}
	}
}

// checkField checks one use of a field against the template behind the
// data view dvID.
func (c *checker) checkField(o *savedObj, dvID, field string, n need, where string) {
	if field == "" {
		c.problem("%s: %s: empty field name", o.key, where)
		return
	}
	tpl := c.templateFor(o, dvID)
	if tpl == nil {
		return
	}
	c.report.checked[tpl.name+":"+field] = true
	typ, ok := tpl.fields[field]
	for i := len(field) - 1; !ok && i > 0; i-- {
		// A key under a flattened field (labels.tenant) is searched and
		// aggregated as a keyword.
		if field[i] == '.' && tpl.fields[field[:i]] == "flattened" {
			typ, ok = "keyword", true
		}
	}
	if !ok {
		for pattern, t := range tpl.dynamic {
			if globMatch(pattern, field) {
				typ, ok = t, true
				break
			}
		}
	}
	if !ok {
		c.problem("%s: %s: field %q is not in the %s index template", o.key, where, field, tpl.name)
		return
	}
	switch n {
	case needDate:
		if typ != "date" && typ != "date_nanos" {
			c.problem("%s: %s: field %q is %s, not a date", o.key, where, field, typ)
		}
	case needNumber:
		if !numericTypes[typ] {
			c.problem("%s: %s: field %q is %s, not a number", o.key, where, field, typ)
		}
	case needAggregate:
		if typ == "text" || typ == "match_only_text" {
			c.problem("%s: %s: field %q is text, which cannot be sorted or aggregated (use a keyword field)", o.key, where, field)
		}
	}
}

var numericTypes = map[string]bool{
	"long": true, "integer": true, "short": true, "byte": true, "double": true, "float": true,
	"half_float": true, "scaled_float": true, "unsigned_long": true,
}

// templateFor finds the index template whose index patterns cover the data
// view's title pattern.
func (c *checker) templateFor(o *savedObj, dvID string) *indexTemplate {
	dv := c.objects["index-pattern/"+dvID]
	if dv == nil {
		c.problem("%s: data view %q is not in the file", o.key, dvID)
		return nil
	}
	title, _ := dv.attrs["title"].(string)
	var found []*indexTemplate
	for _, tpl := range c.templates {
		for _, p := range tpl.patterns {
			if globMatch(p, title) || globMatch(title, p) {
				found = append(found, tpl)
				break
			}
		}
	}
	if len(found) != 1 {
		c.problem("%s: data view %s (title %q) matches %d index templates, want exactly 1", o.key, dvID, title, len(found))
		return nil
	}
	return found[0]
}

func parseTemplate(name string, raw []byte) (*indexTemplate, error) {
	var doc struct {
		IndexPatterns []string `json:"index_patterns"`
		Template      struct {
			Mappings struct {
				DynamicTemplates []map[string]struct {
					PathMatch any `json:"path_match"`
					Mapping   struct {
						Type string `json:"type"`
					} `json:"mapping"`
				} `json:"dynamic_templates"`
				Properties map[string]any `json:"properties"`
			} `json:"mappings"`
		} `json:"template"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	tpl := &indexTemplate{name: name, patterns: doc.IndexPatterns, fields: map[string]string{}, dynamic: map[string]string{}}
	flattenProperties("", doc.Template.Mappings.Properties, tpl.fields)
	for _, dt := range doc.Template.Mappings.DynamicTemplates {
		for _, d := range dt {
			var patterns []string
			switch pm := d.PathMatch.(type) {
			case string:
				patterns = []string{pm}
			case []any:
				for _, p := range pm {
					if s, ok := p.(string); ok {
						patterns = append(patterns, s)
					}
				}
			}
			for _, p := range patterns {
				tpl.dynamic[p] = d.Mapping.Type
			}
		}
	}
	if len(tpl.patterns) == 0 || len(tpl.fields) == 0 {
		return nil, fmt.Errorf("no index patterns or no fields")
	}
	return tpl, nil
}

// flattenProperties turns nested mapping properties into dotted paths with
// their types, including multi-fields (title.keyword). Objects are not
// fields themselves, and disabled objects (enabled: false) are stored but
// not searchable, so neither is listed.
func flattenProperties(prefix string, props map[string]any, out map[string]string) {
	for name, v := range props {
		m, _ := v.(map[string]any)
		path := name
		if prefix != "" {
			path = prefix + "." + name
		}
		if enabled, ok := m["enabled"].(bool); ok && !enabled {
			continue
		}
		if sub, ok := m["properties"].(map[string]any); ok {
			flattenProperties(path, sub, out)
		}
		typ, _ := m["type"].(string)
		if typ == "" || typ == "object" || typ == "nested" {
			continue
		}
		out[path] = typ
		if multi, ok := m["fields"].(map[string]any); ok {
			for sub, sv := range multi {
				sm, _ := sv.(map[string]any)
				if st, ok := sm["type"].(string); ok {
					out[path+"."+sub] = st
				}
			}
		}
	}
}

// globMatch matches Elasticsearch-style simple patterns, where * matches any
// run of characters, dots included (unlike path.Match).
func globMatch(pattern, s string) bool {
	re := "^" + strings.ReplaceAll(regexp.QuoteMeta(pattern), `\*`, ".*") + "$"
	ok, _ := regexp.MatchString(re, s)
	return ok
}
