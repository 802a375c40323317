# One image, one binary; the subcommand picks the service.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/faultline ./cmd/faultline

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/faultline /usr/local/bin/faultline
ENV FAULTLINE_HTTP_ADDR=0.0.0.0:8080 \
    FAULTLINE_DATA_DIR=/data
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/faultline"]
CMD ["all"]
