# Build the manager binary.
# Override BASE_IMAGE to build from another registry, e.g. docker.io/library/golang:1.26
ARG BASE_IMAGE=golang:1.26
FROM ${BASE_IMAGE} AS builder
ARG TARGETOS
ARG TARGETARCH

WORKDIR /workspace
# Modules first, so source changes do not invalidate the download layer.
COPY go.mod go.sum ./
RUN go mod download

# All of the manager's sources: the API types, the entrypoint and every
# internal package (render, health, controller, and those later issues add).
COPY api/ api/
COPY cmd/ cmd/
COPY internal/ internal/

# GOARCH has no default so the binary matches the platform the image is built for.
RUN CGO_ENABLED=0 GOOS=${TARGETOS:-linux} GOARCH=${TARGETARCH} go build -trimpath -ldflags="-s -w" -o manager ./cmd

# A distroless, non-root runtime image: nothing but the binary.
FROM gcr.io/distroless/static:nonroot
WORKDIR /
COPY --from=builder /workspace/manager .
USER 65532:65532

ENTRYPOINT ["/manager"]
