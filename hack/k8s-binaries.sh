#!/usr/bin/env bash
# Builds Kubernetes control-plane binaries from the Go module proxy when they are
# missing, and prints the directory that holds them.
#
#   hack/k8s-binaries.sh [binary...]     (default: kube-apiserver etcd kubectl)
#
# Binaries are cached outside the clone, in the setup-envtest store layout
# (${KUBEBUILDER_ASSETS_STORE}/k8s/<version>-<os>-<arch>/), so a store that
# setup-envtest already filled is used as it is and a fresh machine builds only
# what it lacks. Supported names: kube-apiserver kube-controller-manager
# kube-scheduler kube-proxy kubectl etcd.
#
# Everything goes to stderr except the final directory on stdout, so callers can
# do: export KUBEBUILDER_ASSETS="$(hack/k8s-binaries.sh)".
set -euo pipefail

K8S_VERSION="${K8S_VERSION:-1.37.2}"
ETCD_VERSION="${ETCD_VERSION:-3.7.3}"
GOOS="$(go env GOOS)"
GOARCH="$(go env GOARCH)"
STORE="${KUBEBUILDER_ASSETS_STORE:-${XDG_DATA_HOME:-$HOME/.local/share}/kubebuilder-envtest}"
DEST="${STORE}/k8s/${K8S_VERSION}-${GOOS}-${GOARCH}"

log() { echo "k8s-binaries: $*" >&2; }

wanted=("$@")
[ ${#wanted[@]} -gt 0 ] || wanted=(kube-apiserver etcd kubectl)

missing=()
for b in "${wanted[@]}"; do
  case "$b" in
    kube-apiserver|kube-controller-manager|kube-scheduler|kube-proxy|kubectl|etcd) ;;
    *) log "unknown binary '$b'"; exit 2 ;;
  esac
  [ -x "${DEST}/${b}" ] || missing+=("$b")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "${DEST}"
  exit 0
fi

# A store filled by setup-envtest may hold another patch release of the same
# minor version: use it when it has everything asked for.
minor="${K8S_VERSION%.*}"
for dir in "${STORE}"/k8s/"${minor}".*-"${GOOS}"-"${GOARCH}"; do
  [ -d "${dir}" ] || continue
  ok=1
  for b in "${wanted[@]}"; do [ -x "${dir}/${b}" ] || ok=0; done
  if [ "${ok}" = 1 ]; then
    echo "${dir}"
    exit 0
  fi
done

mkdir -p "${DEST}"
work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT
export GOFLAGS=-mod=mod GOWORK=off CGO_ENABLED=0

build_kube() {
  local bin="$1"
  local mod="${work}/kube"
  if [ ! -f "${mod}/go.mod" ]; then
    mkdir -p "${mod}"
    log "resolving k8s.io/kubernetes v${K8S_VERSION} (first build on this machine takes ~5 minutes per binary on 2 cores)"
    (
      cd "${mod}"
      go mod init k8s-binaries >/dev/null 2>&1
      go mod download -json "k8s.io/kubernetes@v${K8S_VERSION}" >/dev/null
      kdir="$(go mod download -json "k8s.io/kubernetes@v${K8S_VERSION}" | sed -n 's/.*"Dir": "\(.*\)",/\1/p')"
      {
        echo "require k8s.io/kubernetes v${K8S_VERSION}"
        # k8s.io/kubernetes replaces its staging modules with local paths; a
        # module that requires it must pin each of them to the matching tag.
        sed -n 's#^[[:space:]]*\(k8s.io/[a-z0-9-]*\) => ./staging/.*#replace \1 => \1 v0.'"${K8S_VERSION#1.}"'#p' "${kdir}/go.mod"
      } >> go.mod
      echo 'package tools' > tools.go
      go mod tidy >/dev/null 2>&1 || true
    ) || { log "could not resolve k8s.io/kubernetes v${K8S_VERSION} from the Go module proxy"; exit 1; }
  fi
  local major="${K8S_VERSION%%.*}" rest="${K8S_VERSION#*.}"
  local minor="${rest%%.*}"
  local ld=""
  for pkg in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
    ld+=" -X '${pkg}.gitVersion=v${K8S_VERSION}' -X '${pkg}.gitMajor=${major}' -X '${pkg}.gitMinor=${minor}'"
    ld+=" -X '${pkg}.gitTreeState=clean' -X '${pkg}.buildDate=1970-01-01T00:00:00Z'"
  done
  log "building ${bin} v${K8S_VERSION}"
  (cd "${mod}" && go build -trimpath -ldflags "-s -w ${ld}" -o "${DEST}/${bin}.tmp" "k8s.io/kubernetes/cmd/${bin}") \
    || { log "building ${bin} failed (see the go output above)"; exit 1; }
  mv "${DEST}/${bin}.tmp" "${DEST}/${bin}"
}

build_etcd() {
  local mod="${work}/etcd"
  mkdir -p "${mod}"
  log "building etcd v${ETCD_VERSION}"
  (
    cd "${mod}"
    go mod init etcd-binary >/dev/null 2>&1
    go get "go.etcd.io/etcd/server/v3@v${ETCD_VERSION}" >/dev/null 2>&1
    go build -trimpath -ldflags "-s -w" -o "${DEST}/etcd.tmp" go.etcd.io/etcd/server/v3
  ) || { log "building etcd failed (see the go output above)"; exit 1; }
  mv "${DEST}/etcd.tmp" "${DEST}/etcd"
}

for b in "${missing[@]}"; do
  case "$b" in
    etcd) build_etcd ;;
    *) build_kube "$b" ;;
  esac
done
log "binaries ready in ${DEST}"
echo "${DEST}"
