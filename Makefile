# The README's two commands are `go run ./cmd/starcard -demo` and `make test`.
.PHONY: run test test-short build bench verify lint

run:
	go run ./cmd/starcard -demo

# The whole suite with the race detector. MySQL suites run when
# STARCARD_TEST_MYSQL_DSN is set (e.g. 'root@tcp(127.0.0.1:3306)/'); browser
# tests run when /usr/bin/chromium exists.
test:
	go test -race -count=1 -timeout 30m ./...

test-short:
	go test -count=1 ./...

build:
	CGO_ENABLED=0 go build -trimpath -o starcard ./cmd/starcard

lint:
	gofmt -l . && go vet ./...
