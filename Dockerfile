# samtykke: a static binary on an empty base, run as a non-root user.
# docker build -t samtykke . && docker run -p 8080:8080 -v samtykke-data:/data samtykke
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/samtykke ./cmd/samtykke \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/samtykke /usr/local/bin/samtykke
# The data folder (SQLite database and master.key, 0600) belongs to the
# nonroot user (65532); mount a volume there, and back up master.key apart.
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
ENV SAMTYKKE_DATA_DIR=/data \
    SAMTYKKE_ADDR=0.0.0.0:8080 \
    SAMTYKKE_LOG_FORMAT=json
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK NONE
ENTRYPOINT ["/usr/local/bin/samtykke"]
CMD ["serve"]
