# The README's two commands are `go run ./cmd/starcard -demo` and `make test`.
.PHONY: run test test-short test-tidb build bench verify lint

run:
	go run ./cmd/starcard -demo

# The whole suite with the race detector. MySQL suites run when
# STARCARD_TEST_MYSQL_DSN is set (e.g. 'root@tcp(127.0.0.1:3306)/'); browser
# tests run when /usr/bin/chromium exists.
test:
	go test -race -count=1 -timeout 30m ./...

# Every MySQL suite (models, migrations, the API, TestCluster) against TiDB on
# 127.0.0.1:$(TIDB_PORT), started by $(TIDB_UP) when nothing answers there.
# Not in CI: the first TiDB build takes 10-20 minutes. Record the result and
# date in BENCHMARKS.md.
TIDB_PORT ?= 4000
TIDB_UP ?= ../shared/tools/tidb-up
test-tidb:
	@bash -c '(exec 3<>/dev/tcp/127.0.0.1/$(TIDB_PORT)) 2>/dev/null' || $(TIDB_UP) $(TIDB_PORT)
	STARCARD_TEST_MYSQL_DSN='root@tcp(127.0.0.1:$(TIDB_PORT))/' go test -count=1 -timeout 60m ./...

test-short:
	go test -count=1 ./...

build:
	CGO_ENABLED=0 go build -trimpath -o starcard ./cmd/starcard

lint:
	gofmt -l . && go vet ./...
