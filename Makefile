# Image URL to use all building/pushing image targets
IMG ?= controller:latest

# Get the currently used golang install path (in GOPATH/bin, unless GOBIN is set)
ifeq (,$(shell go env GOBIN))
GOBIN=$(shell go env GOPATH)/bin
else
GOBIN=$(shell go env GOBIN)
endif

# CONTAINER_TOOL defines the container tool to be used for building images.
# Be aware that the target commands are only tested with Docker which is
# scaffolded by default. However, you might want to replace it to use other
# tools. (i.e. podman)
CONTAINER_TOOL ?= docker

# Setting SHELL to bash allows bash commands to be executed by recipes.
# Options are set to exit when a recipe line exits non-zero or a piped command fails.
SHELL = /usr/bin/env bash -o pipefail
.SHELLFLAGS = -ec

.PHONY: all
all: build

##@ General

# The help target prints out all targets with their descriptions organized
# beneath their categories. The categories are represented by '##@' and the
# target descriptions by '##'. The awk command is responsible for reading the
# entire set of makefiles included in this invocation, looking for lines of the
# file as xyz: ## something, and then pretty-format the target and help. Then,
# if there's a line with ##@ something, that gets pretty-printed as a category.
# More info on the usage of ANSI control characters for terminal formatting:
# https://en.wikipedia.org/wiki/ANSI_escape_code#SGR_parameters
# More info on the awk command:
# http://linuxcommand.org/lc3_adv_awk.php

.PHONY: help
help: ## Display this help.
	@awk 'BEGIN {FS = ":.*##"; printf "\nUsage:\n  make \033[36m<target>\033[0m\n"} /^[a-zA-Z_0-9-]+:.*?##/ { printf "  \033[36m%-15s\033[0m %s\n", $$1, $$2 } /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) } ' $(MAKEFILE_LIST)

##@ Development

.PHONY: manifests
manifests: controller-gen ## Generate WebhookConfiguration, ClusterRole and CustomResourceDefinition objects (and the Helm chart's copies).
	"$(CONTROLLER_GEN)" rbac:roleName=manager-role crd paths="./..." output:crd:artifacts:config=config/crd/bases
	cp config/crd/bases/*.yaml dist/chart/crds/
	cp config/rbac/role.yaml dist/chart/files/role.yaml

.PHONY: generate
generate: controller-gen ## Generate code containing DeepCopy, DeepCopyInto, and DeepCopyObject method implementations.
	"$(CONTROLLER_GEN)" object:headerFile="hack/boilerplate.go.txt" paths="./..."

.PHONY: fmt
fmt: ## Run go fmt against code.
	go fmt ./...

.PHONY: vet
vet: ## Run go vet against code.
	go vet ./...

.PHONY: test
test: verify-generated vet lint envtest-binaries ## Run everything CI runs: generated files up to date, vet, lint, unit and envtest suites, the chart and the image.
	KUBEBUILDER_ASSETS="$$(hack/k8s-binaries.sh)" KUBECTL="$$(hack/k8s-binaries.sh)/kubectl" KUSTOMIZE="$(KUSTOMIZE)" \
		HELM="$$(hack/k8s-binaries.sh --where helm)/helm" PROMETHEUS="$$(hack/prometheus.sh)/prometheus" hack/go-test.sh

.PHONY: test-unit
test-unit: envtest-binaries ## Run the unit and envtest suites only (no lint, no generation check).
	KUBEBUILDER_ASSETS="$$(hack/k8s-binaries.sh)" KUBECTL="$$(hack/k8s-binaries.sh)/kubectl" KUSTOMIZE="$(KUSTOMIZE)" \
		HELM="$$(hack/k8s-binaries.sh --where helm)/helm" PROMETHEUS="$$(hack/prometheus.sh)/prometheus" go test ./... -timeout 20m

.PHONY: bench
bench: envtest-binaries ## Measure the operator against a bare client on its own control plane; writes docs/performance-results.md and the README's figures.
	@printf '# Benchmark results\n\nWritten by `make bench` (BENCH_N=%s RestAPIs for the steady state, BENCH_BURST=%s); see performance.md.\n\n' "$${BENCH_N:-500}" "$${BENCH_BURST:-50,200,500}" > docs/performance-results.md
	KUBEBUILDER_ASSETS="$$(hack/k8s-binaries.sh)" BENCH_OUT=$(CURDIR)/docs/performance-results.md \
		go test -tags bench ./test/bench/ -run . -v -count=1 -timeout 60m
	UPDATE_README=1 go test ./test/docs/ -run TestTheReadmeQuotesTheLatestBenchmarkResults -count=1

.PHONY: bench-scale
bench-scale: envtest-binaries ## Measure what one manager costs at BENCH_SCALE RestAPIs (50,500,2000; about 40 minutes): requests, objects, ClusterIPs, etcd, heap; writes docs/scale-results.md.
	@printf '# Scale results\n\nWritten by `make bench-scale` (BENCH_SCALE=%s); docs/scale.md reads them.\n\n' "$${BENCH_SCALE:-50,500,2000}" > docs/scale-results.md
	KUBEBUILDER_ASSETS="$$(hack/k8s-binaries.sh)" BENCH_OUT=$(CURDIR)/docs/scale-results.md BENCH_COMMAND="make bench-scale" \
		go test -tags bench,scale ./test/bench/ -run TestScale -v -count=1 -timeout 120m

.PHONY: docs
docs: crd-ref-docs ## Generate the API reference (docs/api-reference.md) from the Go types.
	$(CRD_REF_DOCS) --source-path=./api/v1alpha1 --config=hack/crd-ref-docs/config.yaml \
		--renderer=markdown --output-path=docs/api-reference.md --log-level=ERROR

.PHONY: verify-generated
verify-generated: kustomize crd-ref-docs ## Fail when the committed CRDs, RBAC, deepcopy code or API reference differ from what the sources generate.
	@tmp="$$(mktemp -d)"; trap 'rm -rf "$$tmp"' EXIT; \
	for f in $(GENERATED); do mkdir -p "$$tmp/$$(dirname $$f)"; cp "$$f" "$$tmp/$$f" 2>/dev/null || true; done; \
	$(MAKE) --no-print-directory manifests generate docs >/dev/null; \
	stale=""; for f in $(GENERATED); do cmp -s "$$f" "$$tmp/$$f" || stale="$$stale $$f"; done; \
	if [ -n "$$stale" ]; then echo "Generated files were out of date and have been regenerated:$$stale"; echo "Commit them and run again."; exit 1; fi; \
	echo "Generated files are up to date."

GENERATED = config/crd/bases/apps.restapi.dev_restapis.yaml config/rbac/role.yaml api/v1alpha1/zz_generated.deepcopy.go docs/api-reference.md \
	dist/chart/crds/apps.restapi.dev_restapis.yaml dist/chart/files/role.yaml

##@ Local cluster and end-to-end tests

.PHONY: cluster-up
cluster-up: ## Start the local kwok cluster (builds its binaries when missing), or reuse it.
	@hack/cluster.sh up >/dev/null

.PHONY: cluster-down
cluster-down: ## Stop the local cluster and the demo manager; no process is left.
	@hack/cluster.sh down

.PHONY: lab-up
lab-up: cluster-up ## Start the traffic lab on the local cluster: Pods that answer HTTP, kube-proxy's Service routing (needs root).
	@hack/lab.sh up

.PHONY: lab-down
lab-down: ## Stop the traffic lab (cluster-down stops it too).
	@hack/lab.sh down

.PHONY: demo
demo: ## See the operator work: local cluster, CRD, manager, sample, rollout. DEMO_CLUSTER=current uses $$KUBECONFIG.
	@hack/demo.sh

# E2E_CLUSTER=current runs the e2e suite against $$KUBECONFIG instead of the local cluster;
# there no traffic lab runs: add E2E_TRAFFIC=off (the specs then send no request).
E2E_CLUSTER ?= local
E2E_TRAFFIC ?= on

.PHONY: test-e2e
test-e2e: kustomize ## Run the e2e suite with real requests on the local cluster and its traffic lab (started when needed; root), or $$KUBECONFIG with E2E_CLUSTER=current.
	@if [ "$(E2E_CLUSTER)" = current ]; then kc="$$KUBECONFIG"; else kc="$$(hack/cluster.sh up)" && hack/lab.sh up; fi && \
	KUBECONFIG="$$kc" KUBECTL="$$(hack/k8s-binaries.sh kubectl)/kubectl" KUSTOMIZE="$(KUSTOMIZE)" E2E_TRAFFIC="$(E2E_TRAFFIC)" \
		PROMETHEUS="$$(hack/prometheus.sh)/prometheus" go test -tags=e2e ./test/e2e/ -v -count=1 -timeout 20m -ginkgo.v -ginkgo.label-filter='!load && !fleet'

.PHONY: test-chart
test-chart: kustomize ## Install, upgrade and uninstall the Helm chart on the local cluster with the real Helm, the manager running as the chart's ServiceAccount.
	@hack/k8s-binaries.sh helm kubectl >/dev/null
	@if [ "$(E2E_CLUSTER)" = current ]; then kc="$$KUBECONFIG"; else kc="$$(hack/cluster.sh up)"; fi && \
	KUBECONFIG="$$kc" KUBECTL="$$(hack/k8s-binaries.sh kubectl)/kubectl" HELM="$$(hack/k8s-binaries.sh --where helm)/helm" KUSTOMIZE="$(KUSTOMIZE)" \
		go test -tags=e2e ./test/chart/ -v -count=1 -timeout 15m -run TestHelmInstallUpgradeUninstall

# The earlier manager the upgrade spec starts from: the last commit before
# status.rendering (it renders the spec as this version does; the current
# manager is built with a newer rendering, the tag newer_rendering).
UPGRADE_FROM ?= 3be880bccf83b886df37b157c7989fdf2900e940
.PHONY: test-fleet
test-fleet: kustomize ## Fleet operations on the local cluster, with managers of their own: an operator upgrade ($$UPGRADE_FROM in a git worktree, then the current manager with a newer rendering) and two shards (the audit log says who wrote).
	@if [ "$(E2E_CLUSTER)" = current ]; then kc="$$KUBECONFIG"; else kc="$$(hack/cluster.sh up)" && hack/lab.sh up; fi && \
	KUBECONFIG="$$kc" KUBECTL="$$(hack/k8s-binaries.sh kubectl)/kubectl" KUSTOMIZE="$(KUSTOMIZE)" E2E_TRAFFIC="$(E2E_TRAFFIC)" UPGRADE_FROM="$(UPGRADE_FROM)" \
		E2E_AUDIT_LOG="$${E2E_AUDIT_LOG:-$$(hack/cluster.sh audit-log)}" \
		go test -tags=e2e ./test/e2e/ -v -count=1 -timeout 20m -ginkgo.v -ginkgo.label-filter=fleet

LOAD_N ?= 500
.PHONY: test-load
test-load: kustomize ## Load on the local cluster: LOAD_N RestAPIs (500) created and upgraded blue-green at once; grows the cluster to fit; no VPA.
	@if [ "$(E2E_CLUSTER)" = current ]; then kc="$$KUBECONFIG"; else kc="$$(CLUSTER_VPA=off hack/cluster.sh up)" && hack/cluster.sh nodes $$(( ($(LOAD_N) * 10 + 100) / 110 + 1 )) && hack/lab.sh up; fi && \
	KUBECONFIG="$$kc" KUBECTL="$$(hack/k8s-binaries.sh kubectl)/kubectl" KUSTOMIZE="$(KUSTOMIZE)" LOAD_N=$(LOAD_N) E2E_TRAFFIC="$(E2E_TRAFFIC)" \
		go test -tags=e2e ./test/e2e/ -v -count=1 -timeout 60m -ginkgo.v -ginkgo.label-filter=load

.PHONY: lint
lint: golangci-lint ## Run golangci-lint linter
	"$(GOLANGCI_LINT)" run

.PHONY: lint-fix
lint-fix: golangci-lint ## Run golangci-lint linter and perform fixes
	"$(GOLANGCI_LINT)" run --fix

.PHONY: lint-config
lint-config: golangci-lint ## Verify golangci-lint linter configuration
	"$(GOLANGCI_LINT)" config verify

##@ Build

.PHONY: build
build: manifests generate fmt vet ## Build the manager and the kubectl-restapi plugin into bin/.
	go build -o bin/manager ./cmd
	go build -o bin/kubectl-restapi ./cmd/kubectl-restapi

.PHONY: run
run: manifests generate fmt vet ## Run a controller from your host.
	go run ./cmd --zap-devel

# If you wish to build the manager image targeting other platforms you can use the --platform flag.
# (i.e. docker build --platform linux/arm64). However, you must enable docker buildKit for it.
# More info: https://docs.docker.com/develop/develop-images/build_enhancements/
# Override BASE_IMAGE to build from another registry, e.g.
# make docker-build IMG=<img> BASE_IMAGE=docker.io/library/golang:1.26
.PHONY: docker-build
docker-build: ## Build docker image with the manager.
	$(CONTAINER_TOOL) build $(if $(BASE_IMAGE),--build-arg BASE_IMAGE=$(BASE_IMAGE)) -t ${IMG} .

IMAGE_ARCH ?= $(shell go env GOARCH)
IMAGE_TAR ?= dist/manager-image.tar
.PHONY: image
image: ## Build the manager's image without Docker: a static binary, user 65532, no shell; writes $(IMAGE_TAR) (OCI layout and docker-load format).
	CGO_ENABLED=0 GOOS=linux GOARCH=$(IMAGE_ARCH) go build -trimpath -ldflags="-s -w" -o bin/manager-linux-$(IMAGE_ARCH) ./cmd
	go run ./hack/image -binary bin/manager-linux-$(IMAGE_ARCH) -arch $(IMAGE_ARCH) -tag $(IMG) -out $(IMAGE_TAR)

.PHONY: docker-push
docker-push: ## Push docker image with the manager.
	$(CONTAINER_TOOL) push ${IMG}

# PLATFORMS defines the target platforms for the manager image be built to provide support to multiple
# architectures. (i.e. make docker-buildx IMG=myregistry/mypoperator:0.0.1). To use this option you need to:
# - be able to use docker buildx. More info: https://docs.docker.com/build/buildx/
# - have enabled BuildKit. More info: https://docs.docker.com/develop/develop-images/build_enhancements/
# - be able to push the image to your registry (i.e. if you do not set a valid value via IMG=<myregistry/image:<tag>> then the export will fail)
# To adequately provide solutions that are compatible with multiple platforms, you should consider using this option.
PLATFORMS ?= linux/arm64,linux/amd64,linux/s390x,linux/ppc64le
.PHONY: docker-buildx
docker-buildx: ## Build and push docker image for the manager for cross-platform support
	# copy existing Dockerfile and insert --platform=${BUILDPLATFORM} into Dockerfile.cross, and preserve the original Dockerfile
	sed -e '1 s/\(^FROM\)/FROM --platform=\$$\{BUILDPLATFORM\}/; t' -e ' 1,// s//FROM --platform=\$$\{BUILDPLATFORM\}/' Dockerfile > Dockerfile.cross
	- $(CONTAINER_TOOL) buildx create --name restapi-operator-builder
	$(CONTAINER_TOOL) buildx use restapi-operator-builder
	- $(CONTAINER_TOOL) buildx build --push --platform=$(PLATFORMS) $(if $(BASE_IMAGE),--build-arg BASE_IMAGE=$(BASE_IMAGE)) --tag ${IMG} -f Dockerfile.cross .
	- $(CONTAINER_TOOL) buildx rm restapi-operator-builder
	rm Dockerfile.cross

.PHONY: build-installer
build-installer: manifests generate kustomize ## Generate a consolidated YAML with CRDs and deployment.
	mkdir -p dist
	cd config/manager && "$(KUSTOMIZE)" edit set image controller=${IMG}
	"$(KUSTOMIZE)" build config/default > dist/install.yaml

##@ Deployment

ifndef ignore-not-found
  ignore-not-found = false
endif

.PHONY: install
install: manifests kustomize ## Install CRDs into the K8s cluster specified in ~/.kube/config.
	@out="$$( "$(KUSTOMIZE)" build config/crd 2>/dev/null || true )"; \
	if [ -n "$$out" ]; then echo "$$out" | "$(KUBECTL)" apply -f -; else echo "No CRDs to install; skipping."; fi

.PHONY: uninstall
uninstall: manifests kustomize ## Uninstall CRDs from the K8s cluster specified in ~/.kube/config. Call with ignore-not-found=true to ignore resource not found errors during deletion.
	@out="$$( "$(KUSTOMIZE)" build config/crd 2>/dev/null || true )"; \
	if [ -n "$$out" ]; then echo "$$out" | "$(KUBECTL)" delete --ignore-not-found=$(ignore-not-found) -f -; else echo "No CRDs to delete; skipping."; fi

.PHONY: deploy
deploy: manifests kustomize ## Deploy controller to the K8s cluster specified in ~/.kube/config.
	cd config/manager && "$(KUSTOMIZE)" edit set image controller=${IMG}
	"$(KUSTOMIZE)" build config/default | "$(KUBECTL)" apply -f -

.PHONY: undeploy
undeploy: kustomize ## Undeploy controller from the K8s cluster specified in ~/.kube/config. Call with ignore-not-found=true to ignore resource not found errors during deletion.
	"$(KUSTOMIZE)" build config/default | "$(KUBECTL)" delete --ignore-not-found=$(ignore-not-found) -f -

##@ Dependencies

## Location to install dependencies to
LOCALBIN ?= $(shell pwd)/bin
$(LOCALBIN):
	mkdir -p "$(LOCALBIN)"

## Tool Binaries
KUBECTL ?= kubectl
KUSTOMIZE ?= $(LOCALBIN)/kustomize
CONTROLLER_GEN ?= $(LOCALBIN)/controller-gen
GOLANGCI_LINT = $(LOCALBIN)/golangci-lint
CRD_REF_DOCS ?= $(LOCALBIN)/crd-ref-docs

## Tool Versions
KUSTOMIZE_VERSION ?= v5.8.1
CONTROLLER_TOOLS_VERSION ?= v0.23.0

GOLANGCI_LINT_VERSION ?= v2.15.0
CRD_REF_DOCS_VERSION ?= v0.2.0
.PHONY: kustomize
kustomize: $(KUSTOMIZE) ## Download kustomize locally if necessary.
$(KUSTOMIZE): $(LOCALBIN)
	$(call go-install-tool,$(KUSTOMIZE),sigs.k8s.io/kustomize/kustomize/v5,$(KUSTOMIZE_VERSION))

.PHONY: controller-gen
controller-gen: $(CONTROLLER_GEN) ## Download controller-gen locally if necessary.
$(CONTROLLER_GEN): $(LOCALBIN)
	$(call go-install-tool,$(CONTROLLER_GEN),sigs.k8s.io/controller-tools/cmd/controller-gen,$(CONTROLLER_TOOLS_VERSION))

.PHONY: envtest-binaries
envtest-binaries: ## Build kube-apiserver, etcd, kubectl, Prometheus and Helm from the Go module proxy when the envtest store lacks them.
	@hack/k8s-binaries.sh kube-apiserver etcd kubectl prometheus helm >/dev/null

.PHONY: crd-ref-docs
crd-ref-docs: $(CRD_REF_DOCS) ## Download crd-ref-docs locally if necessary.
$(CRD_REF_DOCS): $(LOCALBIN)
	$(call go-install-tool,$(CRD_REF_DOCS),github.com/elastic/crd-ref-docs,$(CRD_REF_DOCS_VERSION))

.PHONY: golangci-lint
golangci-lint: $(GOLANGCI_LINT) ## Download golangci-lint locally if necessary.
$(GOLANGCI_LINT): $(LOCALBIN)
	$(call go-install-tool,$(GOLANGCI_LINT),github.com/golangci/golangci-lint/v2/cmd/golangci-lint,$(GOLANGCI_LINT_VERSION))

# go-install-tool will 'go install' any package with custom target and name of binary, if it doesn't exist
# $1 - target path with name of binary
# $2 - package url which can be installed
# $3 - specific version of package
define go-install-tool
@[ -f "$(1)-$(3)" ] && [ "$$(readlink -- "$(1)" 2>/dev/null)" = "$(1)-$(3)" ] || { \
set -e; \
package=$(2)@$(3) ;\
echo "Downloading $${package}" ;\
rm -f "$(1)" ;\
GOBIN="$(LOCALBIN)" go install $${package} ;\
mv "$(LOCALBIN)/$$(basename "$(1)")" "$(1)-$(3)" ;\
} ;\
ln -sf "$$(realpath "$(1)-$(3)")" "$(1)"
endef

define gomodver
$(shell go list -m -f '{{if .Replace}}{{.Replace.Version}}{{else}}{{.Version}}{{end}}' $(1) 2>/dev/null)
endef
