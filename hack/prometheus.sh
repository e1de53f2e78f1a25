#!/usr/bin/env bash
# Prints the path of a Prometheus binary, building it from the Go module
# proxy the first time (the way hack/k8s-binaries.sh builds the control
# plane), cached outside the clone where the envtest binaries are kept.
# Built with -tags remove_all_sd,enable_kubernetes_sd: the other
# service-discovery plugins pull in cloud SDKs nothing here needs; static
# targets (envtest) and Kubernetes Pod discovery (the e2e suite's
# Prometheus in the traffic lab) are kept.
#
# Usage: hack/prometheus.sh            -> prints the directory holding it
#        hack/prometheus.sh --where    -> the same, without building
set -euo pipefail

PROMETHEUS_VERSION="${PROMETHEUS_VERSION:-0.316.0}"
store="${KUBEBUILDER_ASSETS_STORE:-${XDG_DATA_HOME:-$HOME/.local/share}/kubebuilder-envtest}"
dest="${store}/prometheus/${PROMETHEUS_VERSION}-k8s-sd-$(go env GOOS)-$(go env GOARCH)"

if [ "${1:-}" = --where ]; then
  echo "${dest}"
  exit 0
fi
if [ ! -x "${dest}/prometheus" ]; then
  echo "prometheus: building v${PROMETHEUS_VERSION} from the Go module proxy (several minutes the first time)" >&2
  work="$(mktemp -d)"
  trap 'rm -rf "${work}"' EXIT
  (
    cd "${work}"
    export GOFLAGS=-mod=mod GOWORK=off CGO_ENABLED=0
    go mod init prometheus-build >/dev/null 2>&1
    go get "github.com/prometheus/prometheus@v${PROMETHEUS_VERSION}" >/dev/null 2>&1
    mkdir -p "${dest}"
    go build -tags remove_all_sd,enable_kubernetes_sd -o "${dest}/prometheus.tmp" \
      -ldflags "-X github.com/prometheus/common/version.Version=${PROMETHEUS_VERSION}" \
      github.com/prometheus/prometheus/cmd/prometheus
    mv "${dest}/prometheus.tmp" "${dest}/prometheus"
  ) || { echo "prometheus: building v${PROMETHEUS_VERSION} failed" >&2; exit 1; }
fi
echo "${dest}"
