# syntax=docker/dockerfile:1
# Build a static binary (pure-Go SQLite, no cgo), then ship it alone in a
# small non-root image.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/starcard ./cmd/starcard

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/starcard /usr/local/bin/starcard
WORKDIR /var/lib/starcard
USER nonroot:nonroot
EXPOSE 8080
ENV STARCARD_ADDR=0.0.0.0:8080 STARCARD_DATA=/var/lib/starcard
HEALTHCHECK --interval=15s --timeout=3s --retries=3 CMD ["/usr/local/bin/starcard", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/starcard"]
CMD ["serve"]
