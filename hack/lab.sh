#!/usr/bin/env bash
# The traffic lab: the local cluster's data plane in a network namespace of
# its own, so simulated Pods answer HTTP at their own addresses and requests
# reach them through real Service routing, without one packet leaving the
# namespace (docs/development.md, "The traffic lab").
#
#   hack/lab.sh up           start the lab (the local cluster must run)
#   hack/lab.sh down         stop every lab process and remove the namespace
#   hack/lab.sh status       say whether it runs and NetworkPolicies are enforced
#   hack/lab.sh exec CMD...  run CMD inside the namespace
#   hack/lab.sh usage        each lab process's CPU seconds, RSS and peak RSS (KiB)
#   hack/lab.sh load ARGS... run the load generator inside (test/lab/cmd/load;
#                            SIGTERM ends it and it prints its report)
#
# The control plane stays where hack/cluster.sh runs it, on the host's
# loopback. In the namespace run: kube-proxy (nftables mode, as a node's),
# kube-network-policies (the NetworkPolicy enforcer kind uses, one
# controller for every Node: hack/kube-network-policies/main.go), CoreDNS
# (kubernetes plugin, behind the kube-dns Service), Jaeger (unless
# LAB_JAEGER=off: the simulated Pods' and the manager's traces), the pod
# simulator (test/lab/cmd/podsim) and, when a test or the demo asks, the
# load generator (test/lab/cmd/load). The pod simulator and the load generator
# run as LAB_USER (default nobody, 65534:65534) once they have read the
# kubeconfig: the enforcer lets root's connections through unjudged, as a
# node's own daemons', so a Pod's connections must not be root's. They reach the API server through
# a Unix socket bridged to its loopback port by socat on both sides, so the
# cluster's kubeconfig works unchanged inside.
#
# Inside the namespace the Pod range and the Service range are local
# addresses (ip route add local ... dev lo): a process can listen on any
# Pod address, and kube-proxy's rules turn a Service address into one.
# Needs root (network namespaces, nftables); without it the lab says so and
# fails.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
NETNS="${LAB_NETNS:-restapi-lab}"
POD_CIDR="${LAB_POD_CIDR:-10.244.0.0/16}"
SERVICE_CIDR="${LAB_SERVICE_CIDR:-10.96.0.0/16}"
KWOK_HOME="${KWOK_WORKDIR:-$HOME/.kwok}"
LAB_USER="${LAB_USER:-65534:65534}"
# The enforcer's nfqueue; its nftables table is inet kube-network-policies.
NETPOL_QUEUE="${LAB_NETPOL_QUEUE:-100}"
LAB_DIR="${LAB_DIR:-${KWOK_HOME}/labs/${NETNS}}"
# Jaeger (on unless LAB_JAEGER=off): the all-in-one, in-memory, at an
# address of the Pod range no node gives out, behind the Service
# jaeger.restapi-lab (OTLP gRPC 4317, OTLP HTTP 4318, query 16686). Its
# query API and its OTLP gRPC port are bridged to the host's loopback, for
# tests and a manager that runs outside the namespace.
JAEGER="${LAB_JAEGER:-on}"
JAEGER_IP="${LAB_JAEGER_IP:-10.244.255.252}"
JAEGER_QUERY_PORT="${LAB_JAEGER_QUERY_PORT:-16686}"
JAEGER_OTLP_PORT="${LAB_JAEGER_OTLP_PORT:-4317}"

log() { echo "lab: $*" >&2; }
die() { echo "lab: ERROR: $*" >&2; exit 1; }

kubeconfig() { "${ROOT}/hack/cluster.sh" kubeconfig; }

# apiserver_port is the local cluster's API server port, from its kubeconfig.
apiserver_port() {
  local server
  server="$(grep -m1 'server:' "$(kubeconfig)" | awk '{print $2}')"
  case "${server}" in
    https://127.0.0.1:*) echo "${server##*:}" ;;
    *) die "the local cluster's API server is not on 127.0.0.1 (${server}); the lab bridges only loopback" ;;
  esac
}

need_root() {
  [ "$(id -u)" -eq 0 ] || die "the lab needs root: it creates a network namespace and nftables rules (run as root, or use the e2e and demo without traffic)"
}

ensure_packages() {
  local missing=()
  command -v nft >/dev/null || missing+=(nftables)
  command -v socat >/dev/null || missing+=(socat)
  command -v ip >/dev/null || missing+=(iproute2)
  command -v curl >/dev/null || missing+=(curl)
  [ ${#missing[@]} -eq 0 ] && return
  log "installing ${missing[*]} (Debian packages)"
  command -v apt-get >/dev/null || die "missing ${missing[*]} and no apt-get to install them"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >&2 \
    || die "could not install ${missing[*]}"
}

ensure_binaries() {
  local bins
  bins="$("${ROOT}/hack/k8s-binaries.sh" kube-proxy kube-network-policies)" || die "kube-proxy and kube-network-policies could not be built"
  KUBE_PROXY="${bins}/kube-proxy"
  NETPOL="$("${ROOT}/hack/k8s-binaries.sh" --where kube-network-policies)/kube-network-policies"
  mkdir -p "${LAB_DIR}/bin"
  log "building the pod simulator and the load generator"
  (cd "${ROOT}" && go build -o "${LAB_DIR}/bin/podsim" ./test/lab/cmd/podsim && go build -o "${LAB_DIR}/bin/load" ./test/lab/cmd/load) \
    || die "building the lab's tools failed (see the go output above)"
}

# CoreDNS, built from the Go module proxy with only the plugins the lab uses
# (hack/k8s-binaries.sh), cached outside the clone next to the control-plane
# binaries.
ensure_coredns() {
  COREDNS="$("${ROOT}/hack/k8s-binaries.sh" --where coredns)/coredns"
  [ -x "${COREDNS}" ] && return
  "${ROOT}/hack/k8s-binaries.sh" coredns >/dev/null || die "building CoreDNS from the Go module proxy failed"
}

# The cluster's DNS: the kube-dns Service at its usual address, its one
# endpoint CoreDNS at an address of the Pod range that no node gives out
# (node n gives 10.244.n.0/24, and there are fewer than 255).
DNS_SERVICE_IP="${LAB_DNS_SERVICE_IP:-10.96.0.10}"
DNS_POD_IP="${LAB_DNS_POD_IP:-10.244.255.253}"
dns_objects() {
  cat <<YAML
apiVersion: v1
kind: Service
metadata:
  name: kube-dns
  namespace: kube-system
  labels: {k8s-app: kube-dns, app.kubernetes.io/part-of: restapi-lab}
spec:
  clusterIP: ${DNS_SERVICE_IP}
  ports:
  - {name: dns, port: 53, protocol: UDP}
  - {name: dns-tcp, port: 53, protocol: TCP}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: kube-dns-lab
  namespace: kube-system
  labels: {kubernetes.io/service-name: kube-dns, endpointslice.kubernetes.io/managed-by: restapi-lab}
addressType: IPv4
ports:
- {name: dns, port: 53, protocol: UDP}
- {name: dns-tcp, port: 53, protocol: TCP}
endpoints:
- addresses: ["${DNS_POD_IP}"]
  conditions: {ready: true}
YAML
}

jaeger_objects() {
  cat <<YAML
apiVersion: v1
kind: Namespace
metadata:
  name: restapi-lab
  labels: {app.kubernetes.io/part-of: restapi-lab}
---
apiVersion: v1
kind: Service
metadata:
  name: jaeger
  namespace: restapi-lab
  labels: {app.kubernetes.io/name: jaeger, app.kubernetes.io/part-of: restapi-lab}
spec:
  ports:
  - {name: otlp-grpc, port: 4317, protocol: TCP}
  - {name: otlp-http, port: 4318, protocol: TCP}
  - {name: query, port: 16686, protocol: TCP}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: jaeger-lab
  namespace: restapi-lab
  labels: {kubernetes.io/service-name: jaeger, endpointslice.kubernetes.io/managed-by: restapi-lab}
addressType: IPv4
ports:
- {name: otlp-grpc, port: 4317, protocol: TCP}
- {name: otlp-http, port: 4318, protocol: TCP}
- {name: query, port: 16686, protocol: TCP}
endpoints:
- addresses: ["${JAEGER_IP}"]
  conditions: {ready: true}
YAML
}

# jaeger_config is the lab's Jaeger: OTLP in, memory storage, the query
# API; none of the all-in-one's other receivers and extensions.
jaeger_config() {
  cat <<YAML
service:
  extensions: [jaeger_storage, jaeger_query]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [jaeger_storage_exporter]
  telemetry:
    metrics:
      level: none
    traces:
      level: none
    logs:
      level: warn
extensions:
  jaeger_storage:
    backends:
      memory:
        memory:
          max_traces: 200000
  jaeger_query:
    storage:
      traces: memory
    http:
      endpoint: ${JAEGER_IP}:16686
    grpc:
      endpoint: ${JAEGER_IP}:16685
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: ${JAEGER_IP}:4317
      http:
        endpoint: ${JAEGER_IP}:4318
processors:
  batch:
exporters:
  jaeger_storage_exporter:
    trace_storage: memory
YAML
}

jaeger_running() { kill -0 "$(cat "${LAB_DIR}/jaeger.pid" 2>/dev/null)" 2>/dev/null; }

# start_jaeger starts Jaeger in the namespace and its bridges to the host,
# and waits until its query API answers through them.
start_jaeger() {
  local bin
  "${ROOT}/hack/k8s-binaries.sh" jaeger >/dev/null || die "Jaeger could not be built"
  bin="$("${ROOT}/hack/k8s-binaries.sh" --where jaeger)"
  jaeger_objects | lab_kubectl apply --server-side --force-conflicts -f - >/dev/null
  jaeger_config >"${LAB_DIR}/jaeger.yaml"
  log "starting Jaeger at ${JAEGER_IP} (Service jaeger.restapi-lab; query and OTLP gRPC on 127.0.0.1:${JAEGER_QUERY_PORT} and :${JAEGER_OTLP_PORT})"
  start jaeger ip netns exec "${NETNS}" "${bin}/jaeger" --config "${LAB_DIR}/jaeger.yaml"
  local name port host_port
  for name in query:16686:${JAEGER_QUERY_PORT} otlp:4317:${JAEGER_OTLP_PORT}; do
    IFS=: read -r name port host_port <<<"${name}"
    rm -f "${LAB_DIR}/jaeger-${name}.sock"
    start "jaeger-${name}-netns" ip netns exec "${NETNS}" socat "UNIX-LISTEN:${LAB_DIR}/jaeger-${name}.sock,fork,unlink-early" "TCP:${JAEGER_IP}:${port}"
    for _ in $(seq 50); do [ -S "${LAB_DIR}/jaeger-${name}.sock" ] && break; sleep 0.1; done
    start "jaeger-${name}-host" socat "TCP-LISTEN:${host_port},bind=127.0.0.1,fork,reuseaddr" "UNIX-CONNECT:${LAB_DIR}/jaeger-${name}.sock"
  done
  for _ in $(seq 150); do
    curl -fsS -o /dev/null "http://127.0.0.1:${JAEGER_QUERY_PORT}/api/services" 2>/dev/null && return
    jaeger_running || break
    sleep 0.2
  done
  tail -n 20 "${LAB_DIR}/jaeger.log" >&2 || true
  die "Jaeger's query API did not answer on 127.0.0.1:${JAEGER_QUERY_PORT} within 30 s (its log above)"
}

lab_kubectl() { "$("${ROOT}/hack/k8s-binaries.sh" kubectl)/kubectl" --kubeconfig "$(kubeconfig)" "$@"; }

running() { ip netns list 2>/dev/null | grep -qw "${NETNS}"; }

# start runs a command in the background, its output in LAB_DIR/<name>.log,
# its pid in LAB_DIR/<name>.pid.
start() {
  local name="$1"; shift
  "$@" >"${LAB_DIR}/${name}.log" 2>&1 &
  echo $! >"${LAB_DIR}/${name}.pid"
}

# first_node is a Node of the local cluster whose addresses kube-proxy takes
# as its own: it waits for its Node object to have addresses.
first_node() {
  "$("${ROOT}/hack/k8s-binaries.sh" kubectl)/kubectl" --kubeconfig "$(kubeconfig)" get nodes \
    -o jsonpath='{.items[0].metadata.name}' 2>/dev/null
}

up() {
  need_root
  "${ROOT}/hack/cluster.sh" status >/dev/null 2>&1 || die "the local cluster does not run: hack/cluster.sh up first"
  if running && enforced; then
    log "already running; reusing it"
    ensure_binaries
    if [ "${JAEGER}" = on ] && ! jaeger_running; then
      start_jaeger
    fi
    return
  fi
  if running; then
    log "running without a NetworkPolicy enforcer (a lab from before, or the enforcer died): starting it again"
    down
  fi
  ensure_packages
  ensure_binaries
  ensure_coredns
  local port node
  port="$(apiserver_port)"
  node="$(first_node)"
  [ -n "${node}" ] || die "the local cluster has no Node for kube-proxy to run as"
  mkdir -p "${LAB_DIR}"
  rm -f "${LAB_DIR}/apiserver.sock"

  log "creating network namespace ${NETNS} (Pods ${POD_CIDR}, Services ${SERVICE_CIDR}, local)"
  ip netns add "${NETNS}"
  ip -n "${NETNS}" link set lo up
  ip -n "${NETNS}" route add local "${POD_CIDR}" dev lo
  ip -n "${NETNS}" route add local "${SERVICE_CIDR}" dev lo
  # Any port of a Pod address, for LAB_USER too (this namespace only).
  ip netns exec "${NETNS}" sysctl -qw net.ipv4.ip_unprivileged_port_start=0

  log "bridging the API server (127.0.0.1:${port}) into the namespace"
  start bridge-host socat "UNIX-LISTEN:${LAB_DIR}/apiserver.sock,fork,unlink-early" "TCP:127.0.0.1:${port}"
  for _ in $(seq 50); do [ -S "${LAB_DIR}/apiserver.sock" ] && break; sleep 0.1; done
  start bridge-netns ip netns exec "${NETNS}" socat "TCP-LISTEN:${port},bind=127.0.0.1,fork,reuseaddr" "UNIX-CONNECT:${LAB_DIR}/apiserver.sock"

  log "starting kube-proxy (nftables, as node ${node})"
  start kube-proxy ip netns exec "${NETNS}" "${KUBE_PROXY}" --kubeconfig "$(kubeconfig)" \
    --proxy-mode nftables --hostname-override "${node}" --cluster-cidr "${POD_CIDR}" \
    --conntrack-max-per-core 0 --metrics-bind-address 127.0.0.1:10249 --healthz-bind-address 127.0.0.1:10256
  log "starting CoreDNS (kubernetes plugin) behind the kube-dns Service ${DNS_SERVICE_IP}"
  dns_objects | lab_kubectl apply --server-side --force-conflicts -f - >/dev/null
  cat >"${LAB_DIR}/Corefile" <<COREFILE
.:53 {
    bind ${DNS_POD_IP}
    errors
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        kubeconfig $(kubeconfig)
    }
}
COREFILE
  start coredns ip netns exec "${NETNS}" "${COREDNS}" -conf "${LAB_DIR}/Corefile"
  log "starting kube-network-policies (every Node's Pods, nfqueue ${NETPOL_QUEUE})"
  start netpol ip netns exec "${NETNS}" "${NETPOL}" --kubeconfig "$(kubeconfig)" --nfqueue-id "${NETPOL_QUEUE}"
  log "starting the pod simulator (as ${LAB_USER})"
  start podsim ip netns exec "${NETNS}" "${LAB_DIR}/bin/podsim" --kubeconfig "$(kubeconfig)" --dns "${DNS_SERVICE_IP}:53" --user "${LAB_USER}"

  local proxy=0 dns=0 netpol=0
  for _ in $(seq 100); do
    ip netns exec "${NETNS}" nft list table ip kube-proxy >/dev/null 2>&1 && proxy=1
    # CoreDNS says its server block once the kubernetes plugin has synced.
    grep -q "^\.:53 on ${DNS_POD_IP}" "${LAB_DIR}/coredns.log" 2>/dev/null && dns=1
    enforced && netpol=1
    if [ "${proxy}" = 1 ] && [ "${dns}" = 1 ] && [ "${netpol}" = 1 ]; then
      [ "${JAEGER}" != on ] || start_jaeger
      log "ready: kube-proxy routes Services, CoreDNS answers at ${DNS_SERVICE_IP}, NetworkPolicies enforced; 'hack/lab.sh exec CMD' runs CMD inside"
      return
    fi
    # An enforcer that exits fails the lab at once: never silently unenforced.
    kill -0 "$(cat "${LAB_DIR}/netpol.pid")" 2>/dev/null || break
    sleep 0.2
  done
  if [ "${netpol}" = 0 ]; then
    tail -n 20 "${LAB_DIR}/netpol.log" >&2 || true
    down >/dev/null 2>&1 || true
    die "kube-network-policies did not start enforcing (its log above); the lab does not run without it"
  fi
  if [ "${proxy}" = 0 ]; then
    tail -n 20 "${LAB_DIR}/kube-proxy.log" >&2 || true
    die "kube-proxy programmed no rules within 20 s (its log above)"
  fi
  tail -n 20 "${LAB_DIR}/coredns.log" >&2 || true
  die "CoreDNS did not start serving within 20 s (its log above)"
}

# enforced says whether kube-network-policies runs and has programmed its
# table.
enforced() {
  local pid
  pid="$(cat "${LAB_DIR}/netpol.pid" 2>/dev/null)" || return 1
  kill -0 "${pid}" 2>/dev/null || return 1
  ip netns exec "${NETNS}" nft list table inet kube-network-policies >/dev/null 2>&1
}

status() {
  running || { echo "not running"; exit 1; }
  if ! enforced; then
    echo "running: network namespace ${NETNS}, but NetworkPolicies are NOT enforced (kube-network-policies is not running; ${LAB_DIR}/netpol.log)"
    exit 1
  fi
  local traces="no Jaeger (LAB_JAEGER=off)"
  jaeger_running && traces="Jaeger at ${JAEGER_IP} (query http://127.0.0.1:${JAEGER_QUERY_PORT})"
  echo "running: network namespace ${NETNS}; NetworkPolicies enforced by kube-network-policies (queue ${NETPOL_QUEUE}); ${traces}"
}

down() {
  local pids=""
  if running; then
    pids="$(ip netns pids "${NETNS}" 2>/dev/null || true)"
  fi
  for f in "${LAB_DIR}"/*.pid; do
    [ -e "$f" ] || continue
    pids="${pids} $(cat "$f")"
    rm -f "$f"
  done
  # shellcheck disable=SC2086 # a list of pids
  [ -n "${pids// }" ] && kill ${pids} 2>/dev/null || true
  for _ in $(seq 50); do
    local alive=0
    for p in ${pids}; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ "${alive}" -eq 0 ] && break
    sleep 0.1
  done
  # shellcheck disable=SC2086
  [ -n "${pids// }" ] && kill -9 ${pids} 2>/dev/null || true
  if running; then
    ip netns del "${NETNS}"
  fi
  rm -f "${LAB_DIR}/apiserver.sock" "${LAB_DIR}"/jaeger-*.sock
  # The cluster's DNS and Jaeger objects are the lab's: gone with it, when
  # the cluster still runs.
  if "${ROOT}/hack/cluster.sh" status >/dev/null 2>&1; then
    dns_objects | lab_kubectl delete --ignore-not-found -f - >/dev/null 2>&1 || true
    jaeger_objects | lab_kubectl delete --ignore-not-found --wait=false -f - >/dev/null 2>&1 || true
  fi
  log "stopped"
}

# usage prints each lab process's CPU time so far and its memory:
#   name cpu_seconds rss_kib peak_rss_kib
usage() {
  local tck f pid stat
  tck="$(getconf CLK_TCK)"
  for f in "${LAB_DIR}"/*.pid; do
    [ -e "$f" ] || continue
    pid="$(cat "$f")"
    [ -r "/proc/${pid}/stat" ] || continue
    # Fields 14 and 15 of stat are user and system time, in clock ticks
    # (after the command name, which is in parentheses).
    stat="$(sed 's/^.*) //' "/proc/${pid}/stat")"
    awk -v name="$(basename "$f" .pid)" -v tck="${tck}" -v stat="${stat}" \
      '/^VmRSS:/ {rss=$2} /^VmHWM:/ {hwm=$2} END {split(stat, s, " "); printf "%s %.2f %d %d\n", name, (s[12]+s[13])/tck, rss, hwm}' \
      "/proc/${pid}/status"
  done
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  usage) usage ;;
  status) status ;;
  exec) shift; need_root; running || die "the lab does not run: hack/lab.sh up first"; exec ip netns exec "${NETNS}" "$@" ;;
  load)
    shift; need_root; running || die "the lab does not run: hack/lab.sh up first"
    [ -x "${LAB_DIR}/bin/load" ] || die "the load generator is not built: hack/lab.sh up builds it"
    exec ip netns exec "${NETNS}" "${LAB_DIR}/bin/load" -user "${LAB_USER}" "$@" ;;
  *) echo "usage: $0 up|down|status|exec CMD...|load ARGS..." >&2; exit 2 ;;
esac
