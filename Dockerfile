# One image, one binary; the subcommand picks the service.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/faultline ./cmd/faultline \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/faultline /usr/local/bin/faultline
# The embedded JetStream's directory, owned by the image's user so that a
# volume mounted there (docker run -v faultline-data:/data) is writable.
COPY --from=build --chown=65532:65532 /out/data /data
# The container listens on all its interfaces, so faultline refuses to start
# without API keys: mount a faultline.yaml with auth.keys and name it in
# FAULTLINE_CONFIG (README, "Running it in containers"). Only a throwaway
# local try may pass FAULTLINE_ALLOW_ANONYMOUS=true instead. The embedded
# NATS of `all` stays on the container's loopback.
ENV FAULTLINE_HTTP_ADDR=0.0.0.0:8080 \
    FAULTLINE_DATA_DIR=/data
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/faultline"]
CMD ["all"]
