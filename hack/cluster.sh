#!/usr/bin/env bash
# A local Kubernetes cluster the project starts itself: a kwok "binary runtime"
# cluster on loopback with a real kube-apiserver, etcd, kube-controller-manager
# (Deployments get ReplicaSets, garbage collection, HPAs), kube-scheduler and
# metrics-server, and kwok simulating nodes and Pods (Pods turn Ready in about
# a second; a Pod's CPU use is what its kwok.x-k8s.io/usage-cpu annotation
# says, so HPAs scale on simulated load), and the Vertical Pod Autoscaler
# (recommender, updater, admission controller; CLUSTER_VPA=off leaves it out).
#
#   hack/cluster.sh up          start the cluster, or reuse it when it runs
#   hack/cluster.sh down        stop it and leave no process behind
#   hack/cluster.sh status      say whether it runs
#   hack/cluster.sh kubeconfig  print the kubeconfig path
#   hack/cluster.sh audit-log   print the API server's audit log path (the
#                               writes to the shard spec's namespaces only)
#   hack/cluster.sh nodes N     grow the running cluster to N simulated nodes
#                               (110 Pods each, like a kubelet's default)
#
# Every binary is built from the Go module proxy when missing and cached
# outside the clone, keyed by version (see hack/k8s-binaries.sh).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CLUSTER_NAME="${CLUSTER_NAME:-restapi-dev}"
KWOK_VERSION="${KWOK_VERSION:-0.8.0}"
NODES="${NODES:-3}"
KWOK_BIN="$(KWOK_VERSION="${KWOK_VERSION}" "${ROOT}/hack/k8s-binaries.sh" --where kwok)"
METRICS_SERVER_VERSION="${METRICS_SERVER_VERSION:-0.9.0}"
METRICS_SERVER_BIN="$(METRICS_SERVER_VERSION="${METRICS_SERVER_VERSION}" "${ROOT}/hack/k8s-binaries.sh" --where metrics-server)"
KWOK_HOME="${KWOK_WORKDIR:-$HOME/.kwok}"
CLUSTER_DIR="${KWOK_HOME}/clusters/${CLUSTER_NAME}"
# The kubeconfig of the local cluster; also what 'make demo' and 'make test-e2e' use.
KUBECONFIG_PATH="${LOCAL_KUBECONFIG:-${CLUSTER_DIR}/restapi-kubeconfig.yaml}"
export KWOK_WORKDIR="${KWOK_HOME}"

log() { echo "cluster: $*" >&2; }
die() { echo "cluster: ERROR: $*" >&2; exit 1; }

# ensure_binaries builds, in parallel and once, what the cluster runs.
ensure_binaries() {
  "${ROOT}/hack/k8s-binaries.sh" kube-apiserver kube-controller-manager kube-scheduler etcd kubectl kwok metrics-server >/dev/null \
    || die "building the cluster's binaries failed (see the output above)"
}

# metrics_server_config writes the kwokctl configuration that points kwokctl
# at metrics-server's own manifests (its RBAC and APIService; kwokctl runs
# the binary itself) in the module cache, instead of downloading them.
metrics_server_config() {
  local dir
  dir="$(cd "${TMPDIR:-/tmp}" && GOFLAGS= GOWORK=off go mod download -json "sigs.k8s.io/metrics-server@v${METRICS_SERVER_VERSION}" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [ -d "${dir}/manifests/base" ] || die "metrics-server v${METRICS_SERVER_VERSION} manifests not found in the module cache"
  mkdir -p "${KWOK_HOME}"
  local conf="${KWOK_HOME}/${CLUSTER_NAME}-metrics-server.yaml"
  printf '%s\n' \
    'apiVersion: config.kwok.x-k8s.io/v1alpha1' \
    'kind: KwokctlConfiguration' \
    'options:' \
    '  metricsServerManifests:' \
    "  - ${dir}/manifests/base" >"${conf}"
  echo "${conf}"
}

# The Vertical Pod Autoscaler (CLUSTER_VPA=on, the default): its CRDs and
# its three programs as processes of this cluster, from its directory (so
# 'down' stops them with the rest). The recommender reads Pods' usage from
# metrics-server (kwok's simulated usage); the admission controller is a
# webhook the API server reaches at 127.0.0.1, with a CA made here; the
# updater evicts Pods whose requests are off the recommendation. Lab time
# is compressed (docs/development.md): recommendations every 10 s, and
# the updater acts on a Pod 30 s old, not 12 hours.
VPA_DIR="${CLUSTER_DIR}/vpa"

vpa_running() {
  local p
  for p in recommender updater admission-controller; do
    [ -f "${VPA_DIR}/${p}.pid" ] && kill -0 "$(cat "${VPA_DIR}/${p}.pid")" 2>/dev/null || return 1
  done
}

vpa_up() {
  if [ "${CLUSTER_VPA:-on}" != on ]; then
    vpa_down
    return 0
  fi
  vpa_running && return 0
  # One of the three stopped: start all of them again.
  local pidf
  for pidf in "${VPA_DIR}"/*.pid; do
    [ -f "${pidf}" ] && kill "$(cat "${pidf}")" 2>/dev/null || true
  done
  "${ROOT}/hack/k8s-binaries.sh" vpa >/dev/null || die "building the VPA failed (see the output above)"
  local bin kc="${CLUSTER_DIR}/kubeconfig.yaml" port
  bin="$("${ROOT}/hack/k8s-binaries.sh" --where vpa)"
  mkdir -p "${VPA_DIR}" "${CLUSTER_DIR}/logs"
  kubectl_local apply --server-side --force-conflicts -f "${bin}/vpa-v1-crd-gen.yaml" >/dev/null ||
    die "could not install the VPA's CRDs"
  if [ ! -f "${VPA_DIR}/serverCert.pem" ]; then
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=restapi-lab-vpa-ca" \
      -keyout "${VPA_DIR}/caKey.pem" -out "${VPA_DIR}/caCert.pem" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=vpa-webhook" \
      -keyout "${VPA_DIR}/serverKey.pem" -out "${VPA_DIR}/server.csr" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1\n' >"${VPA_DIR}/san.ext"
    openssl x509 -req -in "${VPA_DIR}/server.csr" -CA "${VPA_DIR}/caCert.pem" -CAkey "${VPA_DIR}/caKey.pem" \
      -CAcreateserial -days 30 -extfile "${VPA_DIR}/san.ext" -out "${VPA_DIR}/serverCert.pem" 2>/dev/null ||
      die "could not make the VPA webhook's certificate"
  fi
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  local common=(--kubeconfig "${kc}" --kube-api-qps 100 --kube-api-burst 200 --v 2)
  start_vpa admission-controller "${bin}" "${common[@]}" \
    --client-ca-file "${VPA_DIR}/caCert.pem" --tls-cert-file "${VPA_DIR}/serverCert.pem" --tls-private-key "${VPA_DIR}/serverKey.pem" \
    --port "${port}" --address 127.0.0.1:0 --register-by-url --webhook-address https://127.0.0.1 --webhook-port "${port}" \
    --webhook-timeout-seconds 5 --status-lease-namespace kube-system
  start_vpa recommender "${bin}" "${common[@]}" --address 127.0.0.1:0 \
    --recommender-interval 10s --memory-saver
  start_vpa updater "${bin}" "${common[@]}" --address 127.0.0.1:0 \
    --updater-interval 10s --in-recommendation-bounds-eviction-lifetime-threshold 30s \
    --admission-controller-status-lease-namespace kube-system
  local i
  for i in $(seq 1 60); do
    if kubectl_local get mutatingwebhookconfiguration vpa-webhook-config >/dev/null 2>&1; then
      log "the VPA runs: recommender, updater, admission controller (webhook at https://127.0.0.1:${port})"
      return 0
    fi
    vpa_running || break
    sleep 1
  done
  tail -n 20 "${CLUSTER_DIR}/logs/vpa-admission-controller.log" >&2 2>/dev/null || true
  die "the VPA admission controller did not register its webhook (its log ends above)"
}

# vpa_down stops the VPA of a running cluster and removes its webhook,
# which every Pod's creation goes through (make test-load creates
# thousands); its CRDs stay.
vpa_down() {
  local pidf stopped=0
  for pidf in "${VPA_DIR}"/*.pid; do
    [ -f "${pidf}" ] || continue
    kill "$(cat "${pidf}")" 2>/dev/null && stopped=1
    rm -f "${pidf}"
  done
  kubectl_local delete mutatingwebhookconfiguration vpa-webhook-config --ignore-not-found >/dev/null 2>&1 || true
  [ "${stopped}" = 0 ] || log "the VPA is stopped (CLUSTER_VPA=off)"
}

# start_vpa starts VPA program $1 from directory $2 with the flags after.
start_vpa() {
  local p="$1" bin="$2"
  shift 2
  "${bin}/vpa-${p}" "$@" >"${CLUSTER_DIR}/logs/vpa-${p}.log" 2>&1 &
  echo $! >"${VPA_DIR}/${p}.pid"
}

k8s_dir() {
  "${ROOT}/hack/k8s-binaries.sh" kube-apiserver kube-controller-manager kube-scheduler etcd kubectl \
    || die "building the Kubernetes binaries failed (see the output above)"
}

kubectl_local() { "$(k8s_dir)/kubectl" --kubeconfig "${KUBECONFIG_PATH}" "$@"; }

running() {
  [ -f "${KUBECONFIG_PATH}" ] || return 1
  kubectl_local get --raw /readyz >/dev/null 2>&1
}

# stray_pids lists processes started for this cluster (they run from its directory).
stray_pids() {
  pgrep -f -- "${CLUSTER_DIR}/" 2>/dev/null || true
}

up() {
  ensure_binaries
  local bins
  bins="$(k8s_dir)"
  if running; then
    log "cluster '${CLUSTER_NAME}' is already running; reusing it"
    vpa_up
    echo "${KUBECONFIG_PATH}"
    return
  fi
  if [ -d "${CLUSTER_DIR}" ]; then
    log "cluster '${CLUSTER_NAME}' exists but does not answer; recreating it"
    down_quiet
  fi
  if [ -n "${KUBE_APISERVER_PORT:-}" ] && (exec 3<>"/dev/tcp/127.0.0.1/${KUBE_APISERVER_PORT}") 2>/dev/null; then
    die "port ${KUBE_APISERVER_PORT} is taken by another process: free it or choose another KUBE_APISERVER_PORT"
  fi
  create "${bins}"
  if ! metrics_up; then
    # Seen in CI (2026-12-01, 2026-12-07): the metrics API never became
    # available in a new cluster. Say it here, with metrics-server's own
    # words, and try one new cluster.
    log "metrics-server's API (v1beta1.metrics.k8s.io) is not available; its log ends with:"
    tail -n 20 "${CLUSTER_DIR}/logs/metrics-server.log" >&2 2>/dev/null || true
    log "recreating the cluster once"
    down_quiet
    create "${bins}"
    if ! metrics_up; then
      tail -n 20 "${CLUSTER_DIR}/logs/metrics-server.log" >&2 2>/dev/null || true
      die "metrics-server's API is still not available (its log is above)"
    fi
  fi
  vpa_up
  log "cluster '${CLUSTER_NAME}' is up: export KUBECONFIG=${KUBECONFIG_PATH}"
  echo "${KUBECONFIG_PATH}"
}

# metrics_up waits up to 120 s for the metrics API. kwokctl starts
# metrics-server right after kube-apiserver without waiting for it to listen;
# on a busy machine metrics-server finds the port closed and exits
# ("unable to load configmap based request-header-client-ca-file ...
# connection refused"; seen in CI on 2026-12-07), and nothing starts it
# again. So a metrics-server that has exited is started again, up to three
# times ('kwokctl start cluster' starts only the components that do not run).
metrics_up() {
  local i restarts=0 pidfile="${CLUSTER_DIR}/pids/metrics-server.pid"
  for i in $(seq 1 120); do
    metrics_available 1 && return 0
    if [ -f "${pidfile}" ] && ! kill -0 "$(cat "${pidfile}")" 2>/dev/null; then
      [ "${restarts}" -lt 3 ] || return 1
      restarts=$((restarts + 1))
      log "metrics-server exited (its log ends with the lines below); starting it again (${restarts} of 3)"
      tail -n 3 "${CLUSTER_DIR}/logs/metrics-server.log" >&2 2>/dev/null || true
      "${KWOK_BIN}/kwokctl" start cluster --name "${CLUSTER_NAME}" >/dev/null 2>&1 ||
        log "kwokctl start cluster failed; waiting on"
    fi
  done
  return 1
}

# metrics_available waits up to $1 seconds for the metrics API to be served.
metrics_available() {
  local i
  for i in $(seq 1 "$1"); do
    [ "$(kubectl_local get apiservice v1beta1.metrics.k8s.io \
      -o jsonpath='{.status.conditions[?(@.type=="Available")].status}' 2>/dev/null)" = True ] && return 0
    sleep 1
  done
  return 1
}

# create starts a new cluster with the binaries in $1.
create() {
  local bins="$1"
  log "creating cluster '${CLUSTER_NAME}' with ${NODES} simulated nodes"
  local ms_conf
  ms_conf="$(metrics_server_config)" || exit 1
  local args=(
    create cluster --name "${CLUSTER_NAME}" --runtime binary
    --kube-apiserver-binary "${bins}/kube-apiserver"
    --kube-controller-manager-binary "${bins}/kube-controller-manager"
    --kube-scheduler-binary "${bins}/kube-scheduler"
    --etcd-binary "${bins}/etcd"
    --kwok-controller-binary "${KWOK_BIN}/kwok"
    --config "${ROOT}/hack/kwok/stages.yaml"
    --enable metrics-server
    --metrics-server-binary "${METRICS_SERVER_BIN}/metrics-server"
    --config "${ms_conf}"
    --config "${ROOT}/hack/kwok/metrics-resource.yaml"
    --config "${ROOT}/hack/kwok/usage-from-annotation.yaml"
    --kubeconfig "${KUBECONFIG_PATH}"
    # The writes to two namespaces of the e2e suite, and nothing else
    # (kwokctl logs audit; hack/cluster.sh audit-log).
    --kube-audit-policy "${ROOT}/hack/kwok/audit-policy.yaml"
    # A blue-green RestAPI uses up to 16 Services: the default /24 runs out.
    --extra-args "kube-apiserver=service-cluster-ip-range=10.96.0.0/16"
    --extra-args "kube-controller-manager=service-cluster-ip-range=10.96.0.0/16"
    # kube-controller-manager's own client is limited to 20 requests a second
    # by default: with hundreds of RestAPIs (make test-load) it, not the
    # operator, sets the pace of every rollout.
    --disable-qps-limits
    --wait 120s
  )
  if [ -n "${KUBE_APISERVER_PORT:-}" ]; then
    args+=(--kube-apiserver-port "${KUBE_APISERVER_PORT}")
  fi
  local out
  # kwokctl builds metrics-server's manifests with 'kubectl kustomize': ours first.
  if ! out="$(PATH="${bins}:${PATH}" "${KWOK_BIN}/kwokctl" "${args[@]}" 2>&1)"; then
    echo "${out}" >&2
    if grep -qiE "address already in use|port .* (is )?(already )?(in use|taken)" <<<"${out}"; then
      die "a port the cluster needs is taken by another process (see above)"
    fi
    die "kwokctl could not create the cluster (see above); 'hack/cluster.sh down' cleans up"
  fi
  nodes "${NODES}"
}

# nodes grows the running cluster to $1 simulated nodes (never shrinks it).
nodes() {
  local want="${1:-}"
  [[ "${want}" =~ ^[0-9]+$ ]] || die "usage: $0 nodes N"
  running || die "cluster '${CLUSTER_NAME}' is not running: 'hack/cluster.sh up' first"
  local have
  have="$(kubectl_local get nodes --no-headers 2>/dev/null | wc -l)"
  if [ "${have}" -ge "${want}" ]; then
    log "cluster '${CLUSTER_NAME}' has ${have} nodes already"
    return
  fi
  local out
  # Loopback node addresses: metrics-server scrapes the simulated kubelets
  # (the kwok controller, listening on every address) at them. Node n's
  # Pods get addresses from 10.244.n.0/24: the range the traffic lab makes
  # local in its network namespace (hack/lab.sh), never an address of this
  # machine's own network.
  if ! out="$("${KWOK_BIN}/kwokctl" --name "${CLUSTER_NAME}" scale node --replicas "${want}" \
    --param '.nodeIPs=["127.0.0.1"]' --param '.podCIDRs=["10.244.0.0/24"]' 2>&1)"; then
    echo "${out}" >&2
    die "could not create the simulated nodes"
  fi
  local i
  for i in $(seq 1 120); do
    if [ "$(kubectl_local get nodes --no-headers 2>/dev/null | grep -c ' Ready')" -ge "${want}" ]; then
      log "cluster '${CLUSTER_NAME}' has ${want} Ready nodes"
      return
    fi
    sleep 1
  done
  die "only $(kubectl_local get nodes --no-headers 2>/dev/null | grep -c ' Ready') of ${want} nodes turned Ready in 120 s"
}

down_quiet() {
  # The traffic lab runs on this cluster: it goes first (hack/lab.sh).
  if ip netns list 2>/dev/null | grep -qw "${LAB_NETNS:-restapi-lab}"; then
    "${ROOT}/hack/lab.sh" down >/dev/null 2>&1 || true
  fi
  if [ -x "${KWOK_BIN}/kwokctl" ]; then
    "${KWOK_BIN}/kwokctl" delete cluster --name "${CLUSTER_NAME}" >/dev/null 2>&1 || true
  fi
  local pids
  pids="$(stray_pids)"
  if [ -n "${pids}" ]; then
    kill ${pids} 2>/dev/null || true
    sleep 1
    pids="$(stray_pids)"
    [ -z "${pids}" ] || kill -9 ${pids} 2>/dev/null || true
  fi
  rm -rf "${CLUSTER_DIR}"
}

down() {
  down_quiet
  local left
  left="$(stray_pids)"
  [ -z "${left}" ] || die "processes still running after cluster-down: ${left}"
  log "cluster '${CLUSTER_NAME}' is down; no process left"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) if running; then echo "running: export KUBECONFIG=${KUBECONFIG_PATH}"; else echo "not running"; exit 1; fi ;;
  kubeconfig) echo "${KUBECONFIG_PATH}" ;;
  audit-log) echo "${CLUSTER_DIR}/logs/audit.log" ;;
  nodes) nodes "${2:-}" ;;
  *) echo "usage: $0 up|down|status|kubeconfig|audit-log|nodes N" >&2; exit 2 ;;
esac
