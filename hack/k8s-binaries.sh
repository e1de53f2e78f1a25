#!/usr/bin/env bash
# Builds the third-party binaries the tests, the local cluster and the demo
# run, from the Go module proxy, when they are missing; prints the directory
# of the Kubernetes ones.
#
#   hack/k8s-binaries.sh [name...]   build what is missing (default:
#                                    kube-apiserver etcd kubectl, what envtest
#                                    needs); print the Kubernetes directory
#   hack/k8s-binaries.sh all         everything below, for CI and the demo
#   hack/k8s-binaries.sh --where N   print the directory that holds N; no build
#
# Names: kube-apiserver kube-controller-manager kube-scheduler kube-proxy
# kubectl etcd (in the setup-envtest store layout, k8s/<version>-<os>-<arch>),
# kwok (kwok and kwokctl), metrics-server, coredns, kube-network-policies
# (the NetworkPolicy enforcer, hack/kube-network-policies/main.go),
# prometheus, helm, jaeger, vpa (the VPA's recommender, updater and
# admission controller, and its CRDs) (each in <store>/<name>/<version>-...). The store is outside the clone
# (KUBEBUILDER_ASSETS_STORE, default ~/.local/share/kubebuilder-envtest), so a
# store setup-envtest filled is used as it is and a new machine builds only
# what it lacks.
#
# A first build is mostly compiling, on every core. The Kubernetes binaries,
# kwok, metrics-server, CoreDNS and kube-network-policies go through one
# `go build`: one module that
# requires k8s.io/kubernetes with every staging module pinned to its tag and
# the other three beside it, so all of them are built against the same
# k8s.io libraries (v0.<minor>.<patch> of K8S_VERSION) and the packages they
# share (k8s.io/api, client-go, apiserver, ...) compile once: from an empty
# Go cache, 17 minutes and 30 CPU-minutes on two cores for the ten binaries
# and etcd beside them (2026-12-07; client-go alone is 4.7 CPU-minutes,
# the scheduler's plugins 3), where building each against its own k8s.io
# version took twice as long. metrics-server is v0.9.0: v0.8.0's generated OpenAPI is for
# k8s.io v0.33 and it panics at start against v0.37. Minimal version
# selection may raise a shared third-party library (grpc, the etcd client)
# a minor or patch version above what Kubernetes pins; the local cluster's
# suites run on these binaries. etcd,
# Prometheus and Helm are built at the same time in modules of their own. An
# installed kubectl within one minor version of the cluster's is used instead
# of building one. While it builds, it says every 20 s what is still building
# and for how long.
#
# Everything goes to stderr except the directory on stdout, so callers can do:
# export KUBEBUILDER_ASSETS="$(hack/k8s-binaries.sh)".
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
K8S_VERSION="${K8S_VERSION:-1.37.2}"
ETCD_VERSION="${ETCD_VERSION:-3.7.3}"
KWOK_VERSION="${KWOK_VERSION:-0.8.0}"
METRICS_SERVER_VERSION="${METRICS_SERVER_VERSION:-0.9.0}"
COREDNS_VERSION="${COREDNS_VERSION:-1.15.0}"
KNP_VERSION="${KNP_VERSION:-0.8.0}"
JAEGER_VERSION="${JAEGER_VERSION:-1.75.0}"
VPA_VERSION="${VPA_VERSION:-1.8.1}"
HELM_VERSION="${HELM_VERSION:-3.22.0}"
GOOS="$(go env GOOS)"
GOARCH="$(go env GOARCH)"
STORE="${KUBEBUILDER_ASSETS_STORE:-${XDG_DATA_HOME:-$HOME/.local/share}/kubebuilder-envtest}"
DEST="${STORE}/k8s/${K8S_VERSION}-${GOOS}-${GOARCH}"
KUBE=(kube-apiserver kube-controller-manager kube-scheduler kube-proxy kubectl)

log() { echo "k8s-binaries: $*" >&2; }

# where prints the directory that holds a binary.
where() {
  case "$1" in
    kube-apiserver|kube-controller-manager|kube-scheduler|kube-proxy|kubectl|etcd) echo "${DEST}" ;;
    kwok|kwokctl) echo "${STORE}/kwok/${KWOK_VERSION}-${GOOS}-${GOARCH}" ;;
    metrics-server) echo "${STORE}/metrics-server/${METRICS_SERVER_VERSION}-${GOOS}-${GOARCH}" ;;
    coredns) echo "${STORE}/coredns/${COREDNS_VERSION}-${GOOS}-${GOARCH}" ;;
    kube-network-policies) echo "${STORE}/kube-network-policies/${KNP_VERSION}-${GOOS}-${GOARCH}" ;;
    helm) echo "${STORE}/helm/${HELM_VERSION}-${GOOS}-${GOARCH}" ;;
    jaeger) echo "${STORE}/jaeger/${JAEGER_VERSION}-${GOOS}-${GOARCH}" ;;
    vpa) echo "${STORE}/vpa/${VPA_VERSION}-${GOOS}-${GOARCH}" ;;
    prometheus) "${ROOT}/hack/prometheus.sh" --where ;;
    *) log "unknown binary '$1'"; return 2 ;;
  esac
}

if [ "${1:-}" = --where ]; then
  where "${2:?--where needs a name}"
  exit
fi

wanted=("$@")
[ ${#wanted[@]} -gt 0 ] || wanted=(kube-apiserver etcd kubectl)
if [ "${wanted[*]}" = all ]; then
  wanted=("${KUBE[@]}" etcd kwok metrics-server coredns kube-network-policies prometheus helm jaeger vpa)
fi

present() {
  local dir
  dir="$(where "$1")" || exit 2
  case "$1" in
    kwok) [ -x "${dir}/kwok" ] && [ -x "${dir}/kwokctl" ] ;;
    vpa) [ -x "${dir}/vpa-recommender" ] && [ -x "${dir}/vpa-updater" ] && [ -x "${dir}/vpa-admission-controller" ] ;;
    *) [ -x "${dir}/$1" ] ;;
  esac
}

missing=()
for b in "${wanted[@]}"; do
  present "$b" || missing+=("$b")
done

# A store filled by setup-envtest may hold another patch release of the same
# minor version: use it when it has every Kubernetes binary asked for.
k8s_only=1
for b in "${wanted[@]}"; do
  case "$b" in kube-*|kubectl|etcd) ;; *) k8s_only=0 ;; esac
done
if [ ${#missing[@]} -gt 0 ] && [ "${k8s_only}" = 1 ]; then
  for dir in "${STORE}"/k8s/"${K8S_VERSION%.*}".*-"${GOOS}"-"${GOARCH}"; do
    [ -d "${dir}" ] || continue
    ok=1
    for b in "${wanted[@]}"; do [ -x "${dir}/${b}" ] || ok=0; done
    if [ "${ok}" = 1 ]; then
      echo "${dir}"
      exit 0
    fi
  done
fi

# An installed kubectl within one minor version of the cluster's is as good
# as one built here (kubectl's version skew policy); linked, not copied.
if [[ " ${missing[*]} " == *" kubectl "* ]] && installed="$(command -v kubectl)"; then
  minor="$("${installed}" version --client -o json 2>/dev/null | sed -n 's/.*"minor": *"\([0-9]*\).*/\1/p' | head -n1)"
  want_minor="${K8S_VERSION#*.}"
  want_minor="${want_minor%%.*}"
  if [ -n "${minor}" ] && [ $(( minor - want_minor )) -ge -1 ] && [ $(( minor - want_minor )) -le 1 ]; then
    log "using the installed kubectl ${installed} (1.${minor}, within one minor version of ${K8S_VERSION})"
    mkdir -p "${DEST}"
    ln -sf "${installed}" "${DEST}/kubectl"
    missing=("${missing[@]/kubectl}")
  fi
fi

# An installed helm of exactly the chart tests' version is used as it is.
if [[ " ${missing[*]} " == *" helm "* ]] && installed="$(command -v helm)" &&
   [ "$("${installed}" version --template '{{.Version}}' 2>/dev/null)" = "v${HELM_VERSION}" ]; then
  log "using the installed helm ${installed} (v${HELM_VERSION})"
  mkdir -p "$(where helm)"
  ln -sf "${installed}" "$(where helm)/helm"
  missing=("${missing[@]/helm}")
fi

# Drop the empty entries the substitutions above may have left.
todo=()
for b in "${missing[@]}"; do [ -n "$b" ] && todo+=("$b"); done
if [ ${#todo[@]} -eq 0 ]; then
  echo "${DEST}"
  exit 0
fi

work="$(mktemp -d)"
trap 'jobs -p | xargs -r kill 2>/dev/null || true; rm -rf "${work}"' EXIT
export GOFLAGS=-mod=mod GOWORK=off CGO_ENABLED=0
# The compiler is a Go program: with GOGC=400 it collects garbage a
# quarter as often, for a few hundred MB more per compile. From an empty Go
# cache on 2 cores (2026-12-07), the Kubernetes binaries' build took 1043 s
# and 30.5 CPU-minutes with it, 1303 s and about 38 without.
export GOGC="${GOGC:-400}"

# build_go builds, in one go build, the binaries given among the Kubernetes
# ones, kwok, metrics-server, coredns and kube-network-policies, against the
# same k8s.io libraries.
build_go() {
  local mod="${work}/go" b
  mkdir -p "${mod}"
  (
    cd "${mod}"
    go mod init k8s-binaries >/dev/null 2>&1
    kdir="$(go mod download -json "k8s.io/kubernetes@v${K8S_VERSION}" | sed -n 's/.*"Dir": "\(.*\)",/\1/p')"
    {
      echo "require k8s.io/kubernetes v${K8S_VERSION}"
      # k8s.io/kubernetes replaces its staging modules with local paths; a
      # module that requires it must pin each of them to the matching tag.
      # The pins hold for kwok, metrics-server, CoreDNS and
      # kube-network-policies too (v0.8.0 asks for k8s.io v0.32; it builds
      # and runs against these).
      sed -n 's#^[[:space:]]*\(k8s.io/[a-z0-9-]*\) => ./staging/.*#replace \1 => \1 v0.'"${K8S_VERSION#1.}"'#p' "${kdir}/go.mod"
    } >> go.mod
  ) || { echo "could not resolve k8s.io/kubernetes v${K8S_VERSION} from the Go module proxy"; return 1; }
  local major="${K8S_VERSION%%.*}" rest="${K8S_VERSION#*.}"
  local minor="${rest%%.*}" ld="" pkgs=() mods=()
  for pkg in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
    ld+=" -X '${pkg}.gitVersion=v${K8S_VERSION}' -X '${pkg}.gitMajor=${major}' -X '${pkg}.gitMinor=${minor}'"
    ld+=" -X '${pkg}.gitTreeState=clean' -X '${pkg}.buildDate=1970-01-01T00:00:00Z'"
  done
  for b in "$@"; do
    case "$b" in
      kwok)
        mods+=("sigs.k8s.io/kwok@v${KWOK_VERSION}")
        pkgs+=(sigs.k8s.io/kwok/cmd/kwok sigs.k8s.io/kwok/cmd/kwokctl) ;;
      metrics-server)
        mods+=("sigs.k8s.io/metrics-server@v${METRICS_SERVER_VERSION}")
        pkgs+=(sigs.k8s.io/metrics-server/cmd/metrics-server) ;;
      coredns)
        mods+=("github.com/coredns/coredns@v${COREDNS_VERSION}")
        coredns_main "${mod}/coredns"
        pkgs+=(./coredns) ;;
      kube-network-policies)
        # Upstream's enforcer, one controller for every Node (the lab's
        # main: hack/kube-network-policies/main.go, without the build tag
        # that keeps it out of the operator's module).
        # It asks for containerd/nri v0.9.0, which does not compile against
        # the runtime-spec v1.3.0 Kubernetes pins (a Pids limit became a
        # pointer); v0.11.0 is the first that does, and the enforcer's NRI
        # plugin (off in the lab) compiles against it unchanged.
        mods+=("sigs.k8s.io/kube-network-policies@v${KNP_VERSION}" "github.com/containerd/nri@v0.11.0")
        mkdir -p "${mod}/kube-network-policies"
        sed '1{/^\/\/go:build ignore$/d}' "${ROOT}/hack/kube-network-policies/main.go" >"${mod}/kube-network-policies/main.go"
        knp_source "${mod}" || return 1
        pkgs+=(./kube-network-policies) ;;
      *) pkgs+=("k8s.io/kubernetes/cmd/${b}") ;;
    esac
  done
  if [ ${#mods[@]} -gt 0 ]; then
    (cd "${mod}" && go get "${mods[@]}") || return 1
  fi
  mkdir -p "${mod}/out"
  (cd "${mod}" && go build -trimpath -ldflags "-s -w ${ld}" -o out/ "${pkgs[@]}") || return 1
  for b in "$@"; do
    case "$b" in
      kwok) install_bin "${mod}/out" kwok kwok kwokctl ;;
      *) install_bin "${mod}/out" "$b" "$b" ;;
    esac
  done
}

# knp_source puts a copy of kube-network-policies' source in the build
# module $1, in place of the module, with four changes
# (hack/kube-network-policies/lab.go says why): its NFQUEUE rules written
# as the xtables target through nft_compat, a nil check, one controller for
# every Node, and a table sync that keeps its hook. It fails if upstream's code is not the one the patches
# expect.
knp_source() {
  local src dst="$1/kube-network-policies-src" ctl
  src="$(cd "$1" && go mod download -json "sigs.k8s.io/kube-network-policies@v${KNP_VERSION}" | sed -n 's/.*"Dir": "\(.*\)",/\1/p')"
  [ -d "${src}" ] || { echo "kube-network-policies v${KNP_VERSION}: no source"; return 1; }
  rm -rf "${dst}"
  cp -r "${src}" "${dst}"
  chmod -R u+w "${dst}"
  ctl="${dst}/pkg/networkpolicy/controller.go"
  perl -0pi -e 's/queue := &expr\.Queue\{Num: uint16\(c\.config\.QueueID\)\}\n\tif c\.config\.FailOpen \{\n\t\tqueue\.Flag = expr\.QueueFlagBypass\n\t\}/queue := nfqueueCompat(uint16(c.config.QueueID), c.config.FailOpen)/g' "${ctl}"
  if [ "$(grep -c 'nfqueueCompat(' "${ctl}")" -ne 2 ] || grep -q 'expr\.Queue{' "${ctl}"; then
    echo "kube-network-policies v${KNP_VERSION}: its NFQUEUE rules are not the ones the lab's patch rewrites"
    return 1
  fi
  # Upstream asks its NRI plugin about an address no Pod has (a client
  # outside the cluster, CoreDNS here) even when there is no plugin (NRI
  # off, or no container runtime to reach): a nil dereference that kills
  # the enforcer on the first such packet. The lab's build asks only a
  # plugin that exists.
  perl -0pi -e 's/(\t+)podKey := c\.nriPlugin\.GetPodFromIP\(podIP\)/$1if c.nriPlugin == nil {\n$1\treturn nil\n$1}\n$1podKey := c.nriPlugin.GetPodFromIP(podIP)/' "${ctl}"
  if [ "$(grep -c 'if c.nriPlugin == nil {' "${ctl}")" -ne 1 ]; then
    echo "kube-network-policies v${KNP_VERSION}: its Pod lookup is not the one the lab's patch guards"
    return 1
  fi
  # Upstream guards the Pods of one Node (its own); the lab's Pods of every
  # Node share one network namespace, so the lab runs one controller whose
  # Node is "*": every Node's (lab.go).
  perl -pi -e 's/pod\.Spec\.NodeName != c\.config\.NodeName/!c.localNode(pod.Spec.NodeName)/g; s/pod\.Spec\.NodeName == c\.config\.NodeName/c.localNode(pod.Spec.NodeName)/g' \
    "${ctl}" "${dst}/pkg/networkpolicy/networkpolicy.go"
  if [ "$(cat "${ctl}" "${dst}/pkg/networkpolicy/networkpolicy.go" | grep -c 'c.localNode(pod.Spec.NodeName)')" -ne 4 ] ||
     grep -q 'c\.config\.NodeName' "${dst}/pkg/networkpolicy/networkpolicy.go"; then
    echo "kube-network-policies v${KNP_VERSION}: its local-Pod checks are not the ones the lab's patch rewrites"
    return 1
  fi
  # Upstream deletes and re-creates its table on every sync (any Pod or
  # policy change), which unregisters its hook and drops every connection
  # waiting in the queue; one controller for the whole cluster syncs many
  # times a second during a large rollout. The lab's build empties the
  # table's rules and sets instead, which keeps the hook (lab.go).
  perl -0pi -e 's/\tnft\.AddTable\(table\)\n\tnft\.DelTable\(table\)\n\tnft\.AddTable\(table\)\n\n\t\/\/ only if no admin/\tnft.AddTable(table)\n\tnft.FlushTable(table)\n\n\t\/\/ only if no admin/; s/nft\.AddSet\(v4Set, elementsV4\)/replaceSet(nft, v4Set, elementsV4)/; s/nft\.AddSet\(v6Set, elementsV6\)/replaceSet(nft, v6Set, elementsV6)/' "${ctl}"
  if [ "$(grep -c 'nft.FlushTable(table)\|replaceSet(nft, v[46]Set' "${ctl}")" -ne 3 ]; then
    echo "kube-network-policies v${KNP_VERSION}: its table sync is not the one the lab's patch rewrites"
    return 1
  fi
  sed '1{/^\/\/go:build ignore$/d}' "${ROOT}/hack/kube-network-policies/lab.go" >"${dst}/pkg/networkpolicy/lab.go"
  (cd "$1" && go mod edit -replace "sigs.k8s.io/kube-network-policies=./kube-network-policies-src")
}

# install_bin moves binaries from a build's output into the store, where
# name is kept.
install_bin() {
  local out="$1" name="$2" dest
  shift 2
  dest="$(where "${name}")"
  mkdir -p "${dest}"
  for b in "$@"; do mv "${out}/${b}" "${dest}/${b}"; done
}

# coredns_main writes a CoreDNS main with only the plugins the traffic lab
# uses (the documented way to choose CoreDNS's plugins: a main that imports
# them and sets the directive order).
coredns_main() {
  mkdir -p "$1"
  cat >"$1/main.go" <<'GO'
package main

import (
	_ "github.com/coredns/coredns/plugin/bind"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/log"

	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/coremain"
)

// The plugins' order, as CoreDNS's plugin.cfg has them.
func init() { dnsserver.Directives = []string{"bind", "errors", "log", "kubernetes"} }

func main() { coremain.Run() }
GO
}

build_etcd() {
  local mod="${work}/etcd"
  mkdir -p "${mod}" "${DEST}"
  cd "${mod}"
  go mod init etcd-binary >/dev/null 2>&1
  go get "go.etcd.io/etcd/server/v3@v${ETCD_VERSION}"
  go build -trimpath -ldflags "-s -w" -o "${DEST}/etcd.tmp" go.etcd.io/etcd/server/v3
  mv "${DEST}/etcd.tmp" "${DEST}/etcd"
}

# Jaeger v2 (cmd/jaeger, the all-in-one built on the OpenTelemetry
# Collector), in a module of its own: it pins the Collector's libraries and
# shares little with the Kubernetes binaries. Its version goes in as its
# own Makefile sets it.
build_jaeger() {
  local mod="${work}/jaeger" v="github.com/jaegertracing/jaeger/internal/version"
  mkdir -p "${mod}"
  cd "${mod}"
  go mod init jaeger-binary >/dev/null 2>&1
  go get "github.com/jaegertracing/jaeger@v${JAEGER_VERSION}"
  go build -trimpath -ldflags "-s -w -X ${v}.latestVersion=v${JAEGER_VERSION}" -o "${mod}/out/" github.com/jaegertracing/jaeger/cmd/jaeger
  install_bin "${mod}/out" jaeger jaeger
}

# The Vertical Pod Autoscaler's three programs (recommender, updater,
# admission controller) and its CRDs, in a module of its own as its go.mod
# pins it (k8s.io v0.37.1, a patch below the shared build's): it shares
# client-go with the Kubernetes binaries but not their cache keys, and
# building it apart keeps it from moving their module graph.
build_vpa() {
  local mod="${work}/vpa" m="k8s.io/autoscaler/vertical-pod-autoscaler" dir
  mkdir -p "${mod}"
  cd "${mod}"
  go mod init vpa-binaries >/dev/null 2>&1
  go get "${m}@v${VPA_VERSION}"
  go build -trimpath -ldflags "-s -w" -o "${mod}/out/" "${m}/pkg/recommender" "${m}/pkg/updater" "${m}/pkg/admission-controller"
  for p in recommender updater admission-controller; do mv "${mod}/out/${p}" "${mod}/out/vpa-${p}"; done
  dir="$(go mod download -json "${m}@v${VPA_VERSION}" | sed -n 's/.*"Dir": "\(.*\)",/\1/p')"
  cp "${dir}/deploy/vpa-v1-crd-gen.yaml" "${mod}/out/vpa-v1-crd-gen.yaml"
  install_bin "${mod}/out" vpa vpa-recommender vpa-updater vpa-admission-controller vpa-v1-crd-gen.yaml
}

# helm with the ldflags of its own Makefile: its version, and the Kubernetes
# version of its client libraries as the default for `helm template` and
# `helm lint` (1.20 otherwise).
build_helm() {
  local dir minor ld
  dir="$(GOFLAGS= go mod download -json "helm.sh/helm/v3@v${HELM_VERSION}" | sed -n 's/.*"Dir": "\(.*\)",/\1/p')"
  minor="$(sed -n 's#^[[:space:]]*k8s.io/client-go v0\.\([0-9]*\)\..*#\1#p' "${dir}/go.mod")"
  ld="-s -w -X helm.sh/helm/v3/internal/version.version=v${HELM_VERSION}"
  for pkg in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
    ld+=" -X ${pkg}.k8sVersionMajor=1 -X ${pkg}.k8sVersionMinor=${minor}"
  done
  GOFLAGS= GOBIN="$(where helm)" go install -ldflags "${ld}" "helm.sh/helm/v3/cmd/helm@v${HELM_VERSION}"
}

# Jobs: one go build for the Kubernetes binaries, kwok, metrics-server,
# CoreDNS and kube-network-policies; etcd, Prometheus, Helm, Jaeger and the VPA each
# on their own, at the same time.
names=() together=()
for b in "${todo[@]}"; do
  case "$b" in
    kube-*|kubectl|kwok|metrics-server|coredns|kube-network-policies) together+=("$b") ;;
    *) names+=("$b") ;;
  esac
done
[ ${#together[@]} -eq 0 ] || names=("${together[*]}" "${names[@]}")

start=$(date +%s)
log "building ${todo[*]} from the Go module proxy (the first time on this machine: about 18 minutes on 2 cores)"
pids=()
for i in "${!names[@]}"; do
  job="${names[$i]}"
  (
    case "${job}" in
      etcd) build_etcd ;;
      helm) build_helm ;;
      jaeger) build_jaeger ;;
      vpa) build_vpa ;;
      prometheus) "${ROOT}/hack/prometheus.sh" >/dev/null ;;
      *) build_go ${job} ;;
    esac
  ) >"${work}/${i}.log" 2>&1 &
  pids+=($!)
done

# Wait for every job, saying every 20 s which are still running.
failed=()
left=${#pids[@]}
declare -A done_at=()
next_report=$(( start + 20 ))
while [ "${left}" -gt 0 ]; do
  for i in "${!pids[@]}"; do
    [ -z "${done_at[$i]:-}" ] || continue
    kill -0 "${pids[$i]}" 2>/dev/null && continue
    if wait "${pids[$i]}"; then
      log "built ${names[$i]} ($(( $(date +%s) - start ))s)"
    else
      failed+=("$i")
    fi
    done_at[$i]=$(date +%s)
    left=$(( left - 1 ))
  done
  [ "${left}" -gt 0 ] || break
  sleep 1
  if [ "$(date +%s)" -ge "${next_report}" ]; then
    next_report=$(( next_report + 20 ))
    elapsed=$(( $(date +%s) - start ))
    running=()
    for i in "${!pids[@]}"; do [ -n "${done_at[$i]:-}" ] || running+=("${names[$i]}"); done
    log "still building: ${running[*]} ($(( elapsed / 60 ))m$(( elapsed % 60 ))s)"
  fi
done
for i in "${failed[@]}"; do
  log "building ${names[$i]} failed; its output:"
  tail -n 40 "${work}/${i}.log" >&2
done
[ ${#failed[@]} -eq 0 ] || exit 1
log "built in $(( $(date +%s) - start ))s; binaries in ${STORE}"
echo "${DEST}"
