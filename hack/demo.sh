#!/usr/bin/env bash
# make demo: see the operator do its job with one command.
#
# Brings up the local cluster (hack/cluster.sh), installs the CRD, runs the
# manager, applies the sample RestAPI, waits until it is Available, then ships
# a new image and shows it rolling out. On the local cluster, as root, the
# traffic lab answers real requests: the demo shows the application's answer
# before and after, and what a steady stream of requests saw across the
# switch ("rollout: N requests, 0 failed, 0 mixed").
#
# DEMO_CLUSTER=current runs the same flow against the cluster of $KUBECONFIG
# instead (it must be reachable; nothing is torn down there).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "${ROOT}"
NS="${DEMO_NAMESPACE:-demo}"
NAME=shop
TIMEOUT="${DEMO_TIMEOUT:-300}"

say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
die() { echo "demo: ERROR: $*" >&2; exit 1; }

# Everything the demo runs is built first, at the same time: the cluster's
# and the traffic lab's binaries (hack/k8s-binaries.sh, cached outside the
# clone: only the first run on a machine builds them) and the manager.
demo_start=$(date +%s)
wanted=(kubectl)
if [ "${DEMO_CLUSTER:-local}" != current ]; then
  wanted+=(kube-apiserver kube-controller-manager kube-scheduler etcd kwok metrics-server)
  [ "$(id -u)" -ne 0 ] || wanted+=(kube-proxy coredns kube-network-policies)
fi
say "Building what is missing: ${wanted[*]}, the manager (a first run on a new machine takes minutes; progress below)"
hack/k8s-binaries.sh "${wanted[@]}" >/dev/null &
binaries=$!
go build -o bin/manager ./cmd || die "building the manager failed"
wait "${binaries}" || die "building the binaries failed (see the output above)"
echo "built in $(( $(date +%s) - demo_start ))s"
K8S_BIN="$(hack/k8s-binaries.sh kubectl)"
if [ "${DEMO_CLUSTER:-local}" = current ]; then
  [ -n "${KUBECONFIG:-}" ] || die "DEMO_CLUSTER=current needs KUBECONFIG set"
  "${K8S_BIN}/kubectl" get --raw /readyz >/dev/null 2>&1 || die "the cluster in KUBECONFIG=${KUBECONFIG} does not answer"
  say "Using the cluster of KUBECONFIG=${KUBECONFIG}"
  STATE_DIR="${ROOT}/bin"
else
  say "Starting the local cluster"
  # The demo's sample asks for no VPA: the cluster runs none, and a cold
  # demo does not build one (hack/cluster.sh).
  KUBECONFIG="$(CLUSTER_VPA="${CLUSTER_VPA:-off}" hack/cluster.sh up)"
  export KUBECONFIG
  STATE_DIR="$(dirname "${KUBECONFIG}")"
fi
kubectl() { "${K8S_BIN}/kubectl" "$@"; }

# Real requests (issue 19): on the local cluster, the traffic lab
# (hack/lab.sh) makes the simulated Pods answer HTTP behind kube-proxy's
# Service routing. It needs root; without it the demo says so and shows the
# objects only.
LAB=0
if [ "${DEMO_CLUSTER:-local}" != current ]; then
  if [ "$(id -u)" -eq 0 ]; then
    say "Starting the traffic lab: Pods that answer HTTP, kube-proxy, CoreDNS, kube-network-policies (hack/lab.sh)"
    # Without Jaeger: its first build would add minutes to a first demo
    # (the e2e suite runs it; docs/observability.md shows a trace).
    LAB_JAEGER="${LAB_JAEGER:-off}" hack/lab.sh up
    LAB=1
  else
    echo "demo: no traffic: the traffic lab needs root (network namespace, nftables); showing the objects only" >&2
  fi
fi

# service_url is the URL of a Service's ClusterIP and first port.
service_url() {
  kubectl get svc "$1" -n "${NS}" -o jsonpath='http://{.spec.clusterIP}:{.spec.ports[0].port}/'
}

# ask_view prints what the application answers through the view's stable
# Service: the view, and the peers it called, with their revisions.
ask_view() {
  [ "${LAB}" = 1 ] || return 0
  local url answer
  url="$(service_url "${NAME}-view")"
  echo "GET ${url} (the view's Service, from a client Pod's address):"
  # kube-proxy follows a new Service's endpoints within a second or two.
  for _ in $(seq 20); do
    if answer="$(hack/lab.sh load -get "${url}" 2>&1)"; then
      sed 's/^/  /' <<<"${answer}"
      return 0
    fi
    sleep 0.5
  done
  die "the view does not answer at ${url}: ${answer}"
}

say "Installing the RestAPI CRD"
kubectl apply --server-side -f config/crd/bases/ >/dev/null
# kubectl wait fails at once on a CRD so new it has no conditions yet.
for _ in $(seq 30); do
  kubectl wait --for=condition=Established crd/restapis.apps.restapi.dev --timeout=10s >/dev/null 2>&1 && break
  sleep 1
done
kubectl wait --for=condition=Established crd/restapis.apps.restapi.dev --timeout=10s >/dev/null
if [ "${DEMO_CLUSTER:-local}" != current ]; then
  # The sample exposes the view through a Gateway: the local cluster gets
  # the Gateway API CRDs (no Gateway controller runs here, so its routes
  # wait for one; docs/exposure.md). Another cluster is left as it is.
  say "Installing the Gateway API CRDs (v1.6.3, standard channel) on the local cluster"
  kubectl apply --server-side --force-conflicts -f test/crds/gateway-api-v1.6.3/ >/dev/null
  kubectl wait --for=condition=Established crd/httproutes.gateway.networking.k8s.io --timeout=60s >/dev/null
fi

say "Starting the manager (logs: ${STATE_DIR}/demo-manager.log)"
pidfile="${STATE_DIR}/demo-manager.pid"
if [ -f "${pidfile}" ] && kill -0 "$(cat "${pidfile}")" 2>/dev/null; then
  kill "$(cat "${pidfile}")" 2>/dev/null || true
  sleep 1
fi
nohup bin/manager --kubeconfig "${KUBECONFIG}" --health-probe-bind-address=0 --metrics-bind-address=0 --zap-devel \
  > "${STATE_DIR}/demo-manager.log" 2>&1 &
echo $! > "${pidfile}"
sleep 2
kill -0 "$(cat "${pidfile}")" 2>/dev/null || { tail -20 "${STATE_DIR}/demo-manager.log"; die "the manager exited"; }

say "Applying the sample RestAPI '${NAME}' in namespace '${NS}' (Pod Security: restricted)"
kubectl create namespace "${NS}" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
kubectl label namespace "${NS}" --overwrite pod-security.kubernetes.io/enforce=restricted >/dev/null
# Start from scratch when the demo ran before, so the rollout below is real.
kubectl delete rapi "${NAME}" -n "${NS}" --ignore-not-found --wait=true >/dev/null
kubectl apply -n "${NS}" -f config/samples/apps_v1alpha1_restapi.yaml

# wait_available polls the RestAPI until the current generation is Available
# (every component fully rolled out), printing progress as it changes.
wait_available() {
  local start line last="" gen observed phase
  start=$(date +%s)
  while true; do
    IFS=' ' read -r gen observed phase < <(kubectl get rapi "${NAME}" -n "${NS}" \
      -o jsonpath='{.metadata.generation} {.status.observedGeneration} {.status.phase}' 2>/dev/null || true) || true
    line="phase=${phase:-?} $(kubectl get rapi "${NAME}" -n "${NS}" \
      -o jsonpath='ready={.status.ready} active={.status.activeEnvironment} blue-green={.status.blueGreen.state}' 2>/dev/null)"
    line+=" $(kubectl get deploy -n "${NS}" -l app.kubernetes.io/instance="${NAME}" \
      -o jsonpath='{range .items[*]}{.metadata.name}:{.status.updatedReplicas}/{.spec.replicas}-updated {end}' 2>/dev/null)"
    if [ "${line}" != "${last}" ]; then
      printf '  [%3ss] %s\n' "$(( $(date +%s) - start ))" "${line}"
      last="${line}"
    fi
    if [ -n "${gen}" ] && [ "${gen}" = "${observed}" ] && [ "${phase}" = Available ]; then
      return 0
    fi
    [ $(( $(date +%s) - start )) -lt "${TIMEOUT}" ] || die "not Available after ${TIMEOUT}s; see kubectl describe rapi ${NAME} -n ${NS}"
    sleep 0.5
  done
}

show() {
  kubectl get rapi -n "${NS}"
  echo
  kubectl get deploy,svc,hpa,cm -n "${NS}" -l app.kubernetes.io/instance="${NAME}"
}

say "Waiting until every component is Available"
wait_available
say "Available:"
show
echo
ask_view

# pod_ip prints the address of Pod $2 of namespace $1 once it has one
# (30 s at most).
pod_ip() {
  local ip=""
  for _ in $(seq 60); do
    ip="$(kubectl get pod "$2" -n "$1" -o jsonpath='{.status.podIP}' 2>/dev/null)"
    [ -n "${ip}" ] && { echo "${ip}"; return 0; }
    sleep 0.5
  done
  die "Pod $1/$2 got no address in 30 s"
}

# reachability measures, with packets, who may open a connection to each
# component's Pod: a client Pod in another namespace (outside the
# application) and the view's Pod. kube-network-policies, in the lab,
# enforces the NetworkPolicies the operator wrote; each cell is one TCP
# connection from that Pod's address, refused when unanswered in 1.5 s.
reachability() {
  [ "${LAB}" = 1 ] || return 0
  local outside="${NS}-outside" colour src ip c addr line
  kubectl create namespace "${outside}" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
  kubectl delete pod client -n "${outside}" --ignore-not-found --wait=true >/dev/null
  kubectl run client -n "${outside}" --image=registry.example/client:1.0.0 --restart=Never >/dev/null
  ip="$(pod_ip "${outside}" client)"
  colour="$(kubectl get rapi "${NAME}" -n "${NS}" -o jsonpath='{.status.activeEnvironment}')"
  declare -A to=()
  local addrs=()
  for c in model view controller repository; do
    addr="$(kubectl get pods -n "${NS}" -l "app.kubernetes.io/instance=${NAME},app.kubernetes.io/component=${c},apps.restapi.dev/environment=${colour}" \
      -o jsonpath='{.items[0].status.podIP}:{.items[0].spec.containers[0].ports[0].containerPort}')"
    to["${addr}"]="${c}"
    addrs+=("${addr}")
  done
  say "Who may connect to whom, measured with packets (NetworkPolicies enforced by kube-network-policies in the lab)"
  printf '  %-42s %-14s %-14s %-14s %-14s\n' "from" "to model" "to view" "to controller" "to repository"
  for src in "outside:${ip}" "view:$(kubectl get pods -n "${NS}" -l "app.kubernetes.io/instance=${NAME},app.kubernetes.io/component=view,apps.restapi.dev/environment=${colour}" -o jsonpath='{.items[0].status.podIP}')"; do
    declare -A got=()
    while read -r addr line; do
      got["${to[${addr}]}"]="${line%% *}"
    done < <(hack/lab.sh load -probe -text -timeout 1.5s -source "${src#*:}" "${addrs[@]}")
    case "${src%%:*}" in
      outside) line="a client Pod in namespace ${outside}" ;;
      *) line="the view's Pod (${NAME}, ${colour})" ;;
    esac
    printf '  %-42s %-14s %-14s %-14s %-14s\n' "${line}" \
      "${got[model]/answered/allowed}" "${got[view]/answered/allowed}" "${got[controller]/answered/allowed}" "${got[repository]/answered/allowed}"
    unset got
  done
  echo "  (the design: from outside only the view; the application's own Pods reach every component)"
}
reachability

# member_client starts a client Pod that belongs to the application (its
# instance labels, no component): the NetworkPolicies admit only the
# application's own Pods to model, controller and repository, so the
# traffic to their Services leaves from it. Prints its address.
member_client() {
  kubectl delete pod traffic-client -n "${NS}" --ignore-not-found --wait=true >/dev/null
  kubectl apply -n "${NS}" -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata:
  name: traffic-client
  labels: {app.kubernetes.io/instance: ${NAME}, app.kubernetes.io/managed-by: restapi-operator}
spec:
  securityContext: {runAsNonRoot: true, runAsUser: 65534, seccompProfile: {type: RuntimeDefault}}
  containers:
  - name: client
    image: registry.example/client:1.0.0
    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
YAML
  pod_ip "${NS}" traffic-client
}

traffic_pid=""
if [ "${LAB}" = 1 ]; then
  targets=()
  for c in model view controller repository; do
    targets+=(-target "${c}=$(service_url "${NAME}-${c}")")
  done
  client_ip="$(member_client)"
  say "Sending 50 requests/s to each stable Service through the whole rollout (from a client Pod of the application, ${client_ip})"
  hack/lab.sh load -rate 50 -duration 15m -text -source "${client_ip}" "${targets[@]}" >"${STATE_DIR}/demo-traffic.txt" 2>&1 &
  traffic_pid=$!
  sleep 2
fi

say "Shipping a new version: image registry.example/shop:1.5.0"
kubectl patch rapi "${NAME}" -n "${NS}" --type=merge -p '{"spec":{"image":"registry.example/shop:1.5.0"}}'
wait_available
if [ -n "${traffic_pid}" ]; then
  say "Promoted; the old colour stays warm, then scales down: the traffic runs until it has"
  start=$(date +%s)
  until [ "$(kubectl get rapi "${NAME}" -n "${NS}" -o jsonpath='{.status.blueGreen.state}')" = Idle ]; do
    [ $(( $(date +%s) - start )) -lt "${TIMEOUT}" ] || die "the rollout did not finish within ${TIMEOUT}s"
    sleep 1
  done
  # The old colour's Pods leave after their preStop sleep (5 s).
  old="$(kubectl get rapi "${NAME}" -n "${NS}" -o jsonpath='{.status.activeEnvironment}' | sed 's/^blue$/x/;s/^green$/blue/;s/^x$/green/')"
  until [ -z "$(kubectl get pods -n "${NS}" -l "app.kubernetes.io/instance=${NAME},apps.restapi.dev/environment=${old}" -o name)" ]; do
    [ $(( $(date +%s) - start )) -lt "${TIMEOUT}" ] || die "the ${old} Pods did not go within ${TIMEOUT}s"
    sleep 1
  done
  kill -TERM "${traffic_pid}"
  wait "${traffic_pid}" || die "the load generator failed: $(cat "${STATE_DIR}/demo-traffic.txt")"
  kubectl delete pod traffic-client -n "${NS}" --ignore-not-found --wait=false >/dev/null
fi
say "Rolled out:"
kubectl get rapi -n "${NS}"
kubectl get deploy -n "${NS}" -l app.kubernetes.io/instance="${NAME}" \
  -o custom-columns='DEPLOYMENT:.metadata.name,IMAGE:.spec.template.spec.containers[0].image,READY:.status.readyReplicas,REVISION:.spec.template.metadata.labels.apps\.restapi\.dev/revision'
kubectl get rapi "${NAME}" -n "${NS}" \
  -o jsonpath='{range .status.conditions[*]}  {.type}={.status} ({.reason}){"\n"}{end}'
echo
echo "Stable Services now select: $(kubectl get svc "${NAME}-model" -n "${NS}" -o jsonpath='{.spec.selector.apps\.restapi\.dev/environment}')"
echo "Blue-green: $(kubectl get rapi "${NAME}" -n "${NS}" -o jsonpath='{.status.blueGreen.message}')"
echo "Exposed: $(kubectl get rapi "${NAME}" -n "${NS}" -o jsonpath='{.status.conditions[?(@.type=="Exposed")].message}')"
kubectl get httproutes -n "${NS}" -o custom-columns='HTTPROUTE:.metadata.name,HOSTNAMES:.spec.hostnames,SERVICE:.spec.rules[0].backendRefs[0].name' 2>/dev/null || true
echo
kubectl get events -n "${NS}" --field-selector involvedObject.kind=RestAPI -o custom-columns='REASON:.reason,MESSAGE:.message' 2>/dev/null \
  | grep -E '^(REASON|Deploy|Promoted|ScaledDown)' || true
if [ -n "${traffic_pid}" ]; then
  echo
  ask_view
  say "What users saw during the rollout (by Service; the view's answers include its peers' revisions):"
  sed -n '/^total: /!p' "${STATE_DIR}/demo-traffic.txt" | sed 's/^/  /'
  echo "rollout: $(sed -n 's/^total: //p' "${STATE_DIR}/demo-traffic.txt")"
  grep -q '^total: .* 0 failed, 0 mixed' "${STATE_DIR}/demo-traffic.txt" \
    || die "requests failed or mixed revisions during the rollout (above); the manager's log: ${STATE_DIR}/demo-manager.log"
fi

cat <<EOF

Look around:
  export KUBECONFIG=${KUBECONFIG}
  kubectl get rapi,deploy,svc,cm,pods -n ${NS}
  kubectl describe rapi ${NAME} -n ${NS}
  kubectl events -n ${NS}   # in order (the operator's Events carry eventTime, which --sort-by=.lastTimestamp does not see)
  tail -f ${STATE_DIR}/demo-manager.log
Roll back to the previous version while it is still warm (a selector flip):
  kubectl annotate rapi ${NAME} -n ${NS} apps.restapi.dev/rollback=\$(kubectl get rapi ${NAME} -n ${NS} -o jsonpath='{.status.blueGreen.activeRevision}') --overwrite
Try a version that never becomes ready (the old one keeps serving):
  kubectl patch rapi ${NAME} -n ${NS} --type=merge -p '{"spec":{"image":"registry.example/never-ready:1","blueGreen":{"progressDeadlineSeconds":30}}}'
Tear down:
EOF
if [ "${DEMO_CLUSTER:-local}" = current ]; then
  echo "  kill \$(cat ${pidfile}); kubectl delete namespace ${NS}"
else
  echo "  make cluster-down      # stops the manager and the cluster, no process left"
fi
echo
echo "demo: done in $(( $(date +%s) - demo_start ))s (the first run on a machine builds the binaries; later runs reuse them)"
