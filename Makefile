# faultline: `make run` runs the whole pipeline, `make test` runs every test.
GO ?= go
ES_URL ?= $(or $(FAULTLINE_ES_URL),http://127.0.0.1:9200)
BIN := bin/faultline
# --version prints this; go build alone falls back to the VCS revision.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null)
LDFLAGS := -X github.com/faultline/faultline/internal/cli.version=$(VERSION)

.PHONY: build run test test-k8s chaos ha ha-full drill es-start es-stop bench fuzz vet clean screenshots

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/faultline

# Starts the local Elasticsearch node when nothing answers at $(ES_URL), then
# runs ingest + processor + notifier with an embedded NATS JetStream.
run: build
	@if curl -fsS -o /dev/null "$(ES_URL)/_cluster/health" 2>/dev/null; then \
		echo "elasticsearch: using $(ES_URL)"; \
	else \
		deployments/elasticsearch/start.sh; \
	fi
	FAULTLINE_ES_URL=$(ES_URL) ./$(BIN) all

# Every test, against the real NATS (embedded) and the local Elasticsearch
# node, which the tests start when it is not running.
test: vet
	deployments/elasticsearch/start.sh
	$(GO) test -count=1 -timeout 20m ./...
	$(MAKE) test-k8s

# The Kubernetes manifests live in a module of their own (their test pulls
# in kustomize and the Kubernetes API types).
test-k8s:
	cd deployments/kubernetes && $(GO) test -count=1 ./...

# Fault injection: the pipeline as separate processes, one part broken at a
# time; prints one line of figures per scenario.
chaos:
	deployments/elasticsearch/start.sh
	$(GO) test -tags chaos -count=1 -timeout 30m -v ./chaos

# High availability: the pipeline on a 3-node JetStream cluster (streams and
# KV at three replicas), one node killed or restarted at a time under load,
# two replicas of each role (ingest behind a load balancer) killed one after
# the other; prints the time to a new leader and the requests refused in each
# scenario. Leaves the local Elasticsearch node running. ha-full adds the
# Elasticsearch scenarios on a 3-node cluster of its own (the node holding
# the primaries killed, a node stopped for 60 s, a rolling restart of the
# three), 10 to 20 minutes more: by hand, not in CI.
HA_SLOW := (TestHAKillElasticsearchPrimaries|TestHAElasticsearchNodeStoppedAndRollingRestart)
ha:
	deployments/elasticsearch/start.sh
	$(GO) test -tags ha -count=1 -timeout 30m -v -run '^TestHA' -skip '^$(HA_SLOW)$$' ./chaos

ha-full:
	deployments/elasticsearch/start.sh
	$(GO) test -tags ha -count=1 -timeout 60m -v -run '^TestHA' ./chaos

# The disaster recovery drill at scale: DRILL_EVENTS events (default
# 1000000) through a processor into an Elasticsearch node of the drill's own
# (512 MB heap, its data wiped midway), a snapshot halfway, then restore and
# replay; prints the recovery time. `make test` runs it with 20000 events.
DRILL_EVENTS ?= 1000000
drill:
	FAULTLINE_DRILL_EVENTS=$(DRILL_EVENTS) $(GO) test -count=1 -timeout 180m -v -run TestRestoreAndReplayAfterElasticsearchIsLost ./recovery

# staticcheck is pinned in tools.mod, a module file of its own, so its
# dependencies stay out of go.mod. Each tag set is checked apart and -merge
# reports code as unused only when no tag set uses it.
STATICCHECK := $(GO) tool -modfile=$(CURDIR)/tools.mod staticcheck
vet:
	$(GO) vet -tags "bench chaos" ./...
	$(GO) vet -tags ha ./chaos
	@d=$$(mktemp -d) && trap 'rm -rf "$$d"' EXIT && \
		$(STATICCHECK) -f binary -tags "bench chaos" ./... >"$$d/main" && \
		$(STATICCHECK) -f binary -tags ha ./chaos >"$$d/ha" && \
		$(STATICCHECK) -merge "$$d/main" "$$d/ha"
	cd deployments/kubernetes && $(STATICCHECK) ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go') 2>/dev/null)" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }

es-start:
	deployments/elasticsearch/start.sh

es-stop:
	deployments/elasticsearch/stop.sh

# The on-call page's screenshots in docs/, from the browser test (needs
# chromium and the local Elasticsearch).
screenshots:
	$(GO) test -count=1 -run 'TestOnCallPageInBrowser|TestPipelinePageReplaysADeadLetter|TestStormPageListsEveryGroupOfARealStorm' ./web -args -screenshots

# Micro-benchmarks (fingerprint, write path vs raw bulk), the on-call page's
# server time and weight over 100 000 groups and 1 000 000 events (their own
# indices, generated on the first run and deleted after unless
# FAULTLINE_WEB_BENCH_KEEP=1), then the pipeline figures as separate
# processes, one "name: value unit (ratio)" line each.
# FAULTLINE_BENCH_EVENTS sets the events of the memory run (default 1000000).
bench:
	deployments/elasticsearch/start.sh
	$(GO) test -run '^$$' -bench . -benchmem -count=1 ./processor ./ingest ./ingest/sentry ./internal/event
	$(GO) test -tags bench -run '^$$' -bench Pages -benchtime 20x -count=1 -timeout 30m ./web
	$(GO) test -tags bench -run '^$$' -bench . -benchtime 1x -count=1 -timeout 90m ./bench

# Runs each fuzz target for FUZZTIME (default 30s).
FUZZTIME ?= 30s
fuzz:
	@for pkg in ./ingest ./ingest/sentry ./ingest/loki ./ingest/otlp ./internal/event ./internal/redact ./internal/auth ./processor; do \
		for t in $$($(GO) test -list 'Fuzz.*' $$pkg | grep ^Fuzz); do \
			$(GO) test $$pkg -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) || exit 1; \
		done; \
	done

clean:
	rm -rf bin data
