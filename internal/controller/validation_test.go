/*
Copyright 2026 The RestAPI Operator Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package controller

import (
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

// createYAML creates a RestAPI from YAML the way kubectl sends it, with
// strict field validation.
func createYAML(ns, doc string) error {
	var u unstructured.Unstructured
	Expect(yaml.Unmarshal([]byte(doc), &u.Object)).To(Succeed())
	u.SetAPIVersion("apps.restapi.dev/v1alpha1")
	u.SetKind("RestAPI")
	u.SetNamespace(ns)
	if u.GetName() == "" {
		u.SetName("app")
	}
	return k8sClient.Create(ctx, &u, client.FieldValidation("Strict"))
}

var _ = Describe("RestAPI admission", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	DescribeTable("rejects an invalid RestAPI with a message a person understands",
		func(doc, want string) {
			err := createYAML(ns, doc)
			Expect(err).To(HaveOccurred())
			Expect(err.Error()).To(ContainSubstring(want))
		},
		Entry("no image for an enabled component", `
spec:
  view: {image: web:1}
  controller: {image: web:1}
  repository: {image: web:1}`, "model needs an image: set spec.image or spec.model.image"),
		Entry("a name too long for its derived names", `
metadata: {name: a-very-long-application-name-that-goes-on-and-on}
spec: {image: app:1}`, "metadata.name must be at most 44 characters"),
		Entry("a name that cannot name a Service", `
metadata: {name: 1shop}
spec: {image: app:1}`, "metadata.name must start with a letter"),
		Entry("two enabled components on one port", `
spec:
  image: app:1
  view: {port: 8080}`, "spec.model.port and spec.view.port must differ"),
		Entry("a port above 65535", `
spec:
  image: app:1
  repository: {port: 70000}`, "spec.repository.port: Invalid value: 70000: spec.repository.port in body should be less than or equal to 65535"),
		Entry("port zero", `
spec:
  image: app:1
  controller: {port: 0}`, "spec.controller.port in body should be greater than or equal to 1"),
		Entry("every component disabled", `
spec:
  image: app:1
  model: {enabled: false}
  view: {enabled: false}
  controller: {enabled: false}
  repository: {enabled: false}`, "at least one component (model, view, controller, repository) must be enabled"),
		Entry("autoscaling min above max", `
spec:
  image: app:1
  model: {autoScaling: {minReplicas: 5, maxReplicas: 3}}`, "model: autoScaling.minReplicas must not be greater than autoScaling.maxReplicas"),
		Entry("autoscaling max below the role's default min", `
spec:
  image: app:1
  controller: {autoScaling: {maxReplicas: 1}}`, "controller defaults: 2 to 20"),
		Entry("a CPU target above 100%", `
spec:
  image: app:1
  view: {autoScaling: {targetCPUUtilizationPercentage: 150}}`, "targetCPUUtilizationPercentage in body should be less than or equal to 100"),
		Entry("a memory target of 0%", `
spec:
  image: app:1
  autoScaling: {targetMemoryUtilizationPercentage: 0}`, "targetMemoryUtilizationPercentage in body should be greater than or equal to 1"),
		Entry("a shared env var name starting with a digit", `
spec:
  image: app:1
  envVars: {1BAD: x}`, "envVars names must be valid environment variable names"),
		Entry("a component env var name with a dash", `
spec:
  image: app:1
  model: {envVars: {MY-VAR: x}}`, "envVars names must be valid environment variable names"),
		Entry("an envFrom entry naming nothing", `
spec:
  image: app:1
  envFrom: [{prefix: DB_}]`, "every envFrom entry must name a secretRef or a configMapRef"),
		Entry("zero replicas", `
spec:
  image: app:1
  replicas: 0`, "spec.replicas in body should be greater than or equal to 1"),
		Entry("a probe path that is not a path", `
spec:
  image: app:1
  healthCheck: {livenessPath: health}`, "spec.healthCheck.livenessPath in body should match '^/'"),
		Entry("a progress deadline shorter than the promotion wait", `
spec:
  image: app:1
  blueGreen: {autoPromotionSeconds: 900, progressDeadlineSeconds: 600}`, "blueGreen.progressDeadlineSeconds must be greater than blueGreen.autoPromotionSeconds"),
		Entry("an empty image", `
spec:
  image: ""`, "spec.image in body should be at least 1 chars long"),
		Entry("an unknown component field", `
spec:
  image: app:1
  model: {replica: 3}`, "unknown field \"spec.model.replica\""),
		Entry("replicas above 1000", `
spec: {image: app:1, replicas: 1001}`, "spec.replicas: Invalid value: 1001: spec.replicas in body should be less than or equal to 1000"),
		Entry("a component's replicas of 0", `
spec:
  image: app:1
  view: {replicas: 0}`, "spec.view.replicas in body should be greater than or equal to 1"),
		Entry("pods running as root", `
spec:
  image: app:1
  podSecurity: {runAsUser: 0}`, "spec.podSecurity.runAsUser in body should be greater than or equal to 1"),
		Entry("a negative fsGroup", `
spec:
  image: app:1
  podSecurity: {fsGroup: -1}`, "spec.podSecurity.fsGroup in body should be greater than or equal to 0"),
		Entry("repository storage mounted over /tmp", `
spec:
  image: app:1
  repository: {storage: {size: 1Gi, mountPath: /tmp}}`, "storage.mountPath must not be /tmp"),
		Entry("a relative storage mount path", `
spec:
  image: app:1
  repository: {storage: {size: 1Gi, mountPath: data}}`, "spec.repository.storage.mountPath in body should match '^/'"),
		Entry("a storage access mode a Deployment's pods cannot write through", `
spec:
  image: app:1
  repository: {storage: {size: 1Gi, accessMode: ReadOnlyMany}}`, `spec.repository.storage.accessMode: Unsupported value: "ReadOnlyMany": supported values: "ReadWriteOnce", "ReadWriteMany", "ReadWriteOncePod"`),
		Entry("storage without a size", `
spec:
  image: app:1
  repository: {storage: {mountPath: /data}}`, "spec.repository.storage.size: Required value"),
		Entry("a VPA update mode that does not exist", `
spec:
  image: app:1
  autoScaling: {vertical: {enabled: true, updateMode: Always}}`, `spec.autoScaling.vertical.updateMode: Unsupported value: "Always"`),
		Entry("a VPA that controls a resource the VPA does not know", `
spec:
  image: app:1
  autoScaling: {vertical: {enabled: true, controlledResources: [gpu]}}`, `spec.autoScaling.vertical.controlledResources[0]: Unsupported value: "gpu": supported values: "cpu", "memory"`),
		Entry("a VPA that controls nothing", `
spec:
  image: app:1
  autoScaling: {vertical: {enabled: true, controlledResources: []}}`, "spec.autoScaling.vertical.controlledResources in body should have at least 1 items"),
		Entry("a VPA that controls memory twice", `
spec:
  image: app:1
  autoScaling: {vertical: {enabled: true, controlledResources: [memory, memory]}}`, `spec.autoScaling.vertical.controlledResources[1]: Duplicate value: "memory"`),
		Entry("a predictive lead of 0 minutes", `
spec:
  image: app:1
  autoScaling: {predictive: {enabled: true, leadMinutes: 0}}`, "spec.autoScaling.predictive.leadMinutes in body should be greater than or equal to 1"),
		Entry("a metrics path that is not a path", `
spec:
  image: app:1
  observability: {metrics: {path: metrics}}`, "spec.observability.metrics.path in body should match '^/'"),
		Entry("a tracing endpoint without a scheme", `
spec:
  image: app:1
  observability: {tracing: {endpoint: "collector:4318"}}`, "spec.observability.tracing.endpoint in body should match '^https?://'"),
		Entry("a gRPC tracing protocol on OTLP's HTTP port", `
spec:
  image: app:1
  observability: {tracing: {endpoint: "http://collector.observability:4318"}}`, "tracing.protocol does not match the endpoint's port"),
		Entry("an HTTP tracing protocol on OTLP's gRPC port", `
spec:
  image: app:1
  observability: {tracing: {endpoint: "http://collector:4317/", protocol: http/protobuf}}`, "set tracing.protocol to the one the collector serves on that port"),
		Entry("a tracing protocol OTLP does not have", `
spec:
  image: app:1
  observability: {tracing: {endpoint: "http://collector:4317", protocol: http/json}}`, "spec.observability.tracing.protocol: Unsupported value: \"http/json\""),
		Entry("a restart delay shorter than the probes can judge", `
spec:
  image: app:1
  healthCheck: {healing: {restartAfterSeconds: 5}}`, "spec.healthCheck.healing.restartAfterSeconds in body should be greater than or equal to 30"),
		Entry("more restarts per hour than healing allows", `
spec:
  image: app:1
  healthCheck: {healing: {maxRestartsPerHour: 61}}`, "spec.healthCheck.healing.maxRestartsPerHour in body should be less than or equal to 60"),
		Entry("a scale-down delay above a day", `
spec:
  image: app:1
  blueGreen: {scaleDownDelaySeconds: 90000}`, "spec.blueGreen.scaleDownDelaySeconds in body should be less than or equal to 86400"),
		Entry("a progress deadline under 30 seconds", `
spec:
  image: app:1
  blueGreen: {progressDeadlineSeconds: 10}`, "spec.blueGreen.progressDeadlineSeconds in body should be greater than or equal to 30"),
		Entry("a preview that may crash-loop zero times", `
spec:
  image: app:1
  blueGreen: {failFast: {restarts: 0}}`, "spec.blueGreen.failFast.restarts in body should be greater than or equal to 1"),
		Entry("a negative image pull grace", `
spec:
  image: app:1
  blueGreen: {failFast: {imagePullSeconds: -5}}`, "spec.blueGreen.failFast.imagePullSeconds in body should be greater than or equal to 0"),
		Entry("a preview of no pods", `
spec:
  image: app:1
  blueGreen: {previewReplicas: 0}`, "blueGreen.previewReplicas must be a count of at least 1, or a percentage from 1% to 100%"),
		Entry("a preview size that is neither a count nor a percentage", `
spec:
  image: app:1
  blueGreen: {previewReplicas: "a quarter"}`, "blueGreen.previewReplicas must be a count of at least 1, or a percentage from 1% to 100%"),
		Entry("a probe period of 0", `
spec:
  image: app:1
  healthCheck: {periodSeconds: 0}`, "spec.healthCheck.periodSeconds in body should be greater than or equal to 1"),
		Entry("a shutdown delay that leaves the application no time to stop", `
spec:
  image: app:1
  shutdownDelaySeconds: 26`, "spec.shutdownDelaySeconds in body should be less than or equal to 25"),
		Entry("a negative shutdown delay", `
spec:
  image: app:1
  shutdownDelaySeconds: -1`, "spec.shutdownDelaySeconds in body should be greater than or equal to 0"),
		Entry("a preview hostname without blue-green", `
spec:
  image: app:1
  blueGreen: {enabled: false}
  view:
    expose:
      gateway: {parentRefs: [{name: public}], previewHostnames: [preview.example.com]}`,
			"spec.view.expose.gateway.previewHostnames needs blue-green"),
		Entry("a preview host on the Ingress without blue-green", `
spec:
  image: app:1
  blueGreen: {enabled: false}
  view:
    expose:
      ingress: {host: shop.example.com, previewHost: preview.example.com}`,
			"spec.view.expose.ingress.previewHost needs blue-green"),
		Entry("a hostname that is not a DNS name", `
spec:
  image: app:1
  view:
    expose:
      gateway: {parentRefs: [{name: public}], hostnames: ["https://shop.example.com"]}`,
			"spec.view.expose.gateway.hostnames[0]: Invalid value: \"https://shop.example.com\": must be a DNS name"),
		Entry("an Ingress host in capitals", `
spec:
  image: app:1
  view:
    expose:
      ingress: {host: Shop.Example.com}`,
			"spec.view.expose.ingress.host: Invalid value: \"Shop.Example.com\": must be a DNS name"),
		Entry("a path that is not absolute", `
spec:
  image: app:1
  view:
    expose:
      gateway: {parentRefs: [{name: public}], path: shop}`,
			"spec.view.expose.gateway.path: Invalid value: \"shop\": must be an absolute path"),
		Entry("a Gateway exposure without a Gateway", `
spec:
  image: app:1
  view:
    expose:
      gateway: {parentRefs: []}`,
			"spec.view.expose.gateway.parentRefs: Invalid value: 0: spec.view.expose.gateway.parentRefs in body should have at least 1 items"),
		Entry("exposure on a component other than view", `
spec:
  image: app:1
  model:
    expose:
      service: {type: LoadBalancer}`,
			"unknown field \"spec.model.expose\""),
		Entry("a Service type that exposes nothing known", `
spec:
  image: app:1
  view:
    expose:
      service: {type: ExternalName}`,
			"spec.view.expose.service.type: Unsupported value: \"ExternalName\""),
		Entry("source ranges that are not CIDRs", `
spec:
  image: app:1
  view:
    expose:
      service: {type: LoadBalancer, loadBalancerSourceRanges: [office]}`,
			"service.loadBalancerSourceRanges must be CIDRs"),
		Entry("source ranges without a load balancer", `
spec:
  image: app:1
  view:
    expose:
      service: {type: NodePort, loadBalancerSourceRanges: [203.0.113.0/24]}`,
			"service.loadBalancerSourceRanges needs service.type LoadBalancer"),
		Entry("a network policy source that names nothing", `
spec:
  image: app:1
  networkPolicy:
    ingressFrom: [{}]`,
			"every networkPolicy.ingressFrom entry needs a podSelector, a namespaceSelector"),
		Entry("an exposed view that is disabled", `
spec:
  image: app:1
  view:
    enabled: false
    expose:
      service: {type: LoadBalancer}`,
			"spec.view.expose needs the view enabled"),
		Entry("an analysis without blue-green", `
spec:
  image: app:1
  blueGreen:
    enabled: false
    analysis:
      prePromotion: [{name: smoke, http: {}}]`, "spec.blueGreen.analysis needs blue-green"),
		Entry("an analysis check with two providers", `
spec:
  image: app:1
  blueGreen:
    analysis:
      prePromotion: [{name: smoke, http: {}, prometheus: {query: up, successCondition: "result == 1.0"}}]`,
			"an analysis check needs exactly one provider: http or prometheus"),
		Entry("an analysis check with no provider", `
spec:
  image: app:1
  blueGreen:
    analysis:
      postPromotion: [{name: smoke}]`, "an analysis check needs exactly one provider"),
		Entry("an analysis check of a disabled component", `
spec:
  image: app:1
  model: {enabled: false}
  blueGreen:
    analysis:
      prePromotion: [{name: smoke, components: [model], http: {}}]`,
			"spec.blueGreen.analysis.prePromotion: every check's components (default: view) must be enabled components"),
		Entry("an analysis check of the view by default, with the view disabled", `
spec:
  image: app:1
  view: {enabled: false}
  blueGreen:
    analysis:
      postPromotion: [{name: smoke, http: {}}]`,
			"spec.blueGreen.analysis.postPromotion: every check's components (default: view) must be enabled components"),
		Entry("two analysis checks of one name", `
spec:
  image: app:1
  blueGreen:
    analysis:
      prePromotion: [{name: smoke, http: {}}, {name: smoke, http: {path: /x}}]`, "Duplicate value"),
		Entry("an analysis check name that is not a DNS label", `
spec:
  image: app:1
  blueGreen:
    analysis:
      prePromotion: [{name: Smoke_Test, http: {}}]`, "spec.blueGreen.analysis.prePromotion[0].name"),
		Entry("a Prometheus address that is not an http URL", `
spec:
  image: app:1
  blueGreen:
    analysis:
      prometheus: {address: "prometheus:9090"}
      prePromotion: [{name: errors, prometheus: {query: up, successCondition: "result == 1.0"}}]`,
			"prometheus.address must be an http:// or https:// URL"),
		Entry("an HTTP check URL that is a program (range)", `
spec:
  image: app:1
  blueGreen:
    analysis:
      prePromotion: [{name: smoke, http: {url: "http://x/{{range 2000000000}}{{$.Namespace}}{{end}}"}}]`,
			`spec.blueGreen.analysis.prePromotion[0].http.url: Invalid value: "http://x/{{range 2000000000}}{{$.Namespace}}{{end}}": url may only hold text and {{.Variable}}`),
		Entry("an HTTP check URL with an if", `
spec:
  image: app:1
  blueGreen:
    analysis:
      postPromotion: [{name: smoke, http: {url: "http://{{if .Name}}a{{end}}/"}}]`, "spec.blueGreen.analysis.postPromotion[0].http.url"),
		Entry("an HTTP check URL that calls a function (call)", `
spec:
  image: app:1
  blueGreen:
    analysis:
      prePromotion: [{name: smoke, http: {url: "http://{{call .Name}}/"}}]`, "url may only hold text and {{.Variable}}"),
		Entry("a query with a pipeline", `
spec:
  image: app:1
  blueGreen:
    analysis:
      prePromotion: [{name: errors, prometheus: {query: 'up{x="{{.Name | html}}"}', successCondition: "result == 1.0"}}]`,
			`spec.blueGreen.analysis.prePromotion[0].prometheus.query: Invalid value: "up{x=\"{{.Name | html}}\"}": query may only hold text and {{.Variable}}`),
		Entry("a query that calls a function", `
spec:
  image: app:1
  blueGreen:
    analysis:
      prePromotion: [{name: errors, prometheus: {query: 'up{x="{{printf \"%s\" .Name}}"}', successCondition: "result == 1.0"}}]`,
			"query may only hold text and {{.Variable}}"),
		Entry("an HTTP check path that is not absolute", `
spec:
  image: app:1
  blueGreen:
    analysis:
      prePromotion: [{name: smoke, http: {path: healthz}}]`, "spec.blueGreen.analysis.prePromotion[0].http.path"),
		Entry("a success status code that is not one", `
spec:
  image: app:1
  blueGreen:
    analysis:
      prePromotion: [{name: smoke, http: {successStatusCodes: [99]}}]`, "successStatusCodes[0]"),
		Entry("an analysis check measured zero times", `
spec:
  image: app:1
  blueGreen:
    analysis:
      prePromotion: [{name: smoke, count: 0, http: {}}]`, "spec.blueGreen.analysis.prePromotion[0].count"),
		Entry("a metrics port that is a component's port", `
spec:
  image: app:1
  observability:
    metrics: {port: 8081}`, "spec.observability.metrics.port must differ from every component's port"),
		Entry("hooks without blue-green", `
spec:
  image: app:1
  blueGreen:
    enabled: false
    hooks: [{name: expand, phase: PrePromotion, command: [migrate]}]`, "spec.blueGreen.hooks needs blue-green"),
		Entry("a hook of a disabled component, by default the repository", `
spec:
  image: app:1
  repository: {enabled: false}
  blueGreen:
    hooks: [{name: expand, phase: PrePromotion, command: [migrate]}]`,
			"spec.blueGreen.hooks: every hook's component (default: repository) must be an enabled component"),
		Entry("a hook with no command", `
spec:
  image: app:1
  blueGreen:
    hooks: [{name: expand, phase: PrePromotion, command: []}]`, "spec.blueGreen.hooks[0].command: Invalid value"),
		Entry("a hook of no known phase", `
spec:
  image: app:1
  blueGreen:
    hooks: [{name: expand, phase: BeforeSwitch, command: [migrate]}]`, "spec.blueGreen.hooks[0].phase: Unsupported value: \"BeforeSwitch\""),
		Entry("a hook name too long for its Job's name", `
spec:
  image: app:1
  blueGreen:
    hooks: [{name: expand-the-schema, phase: PrePromotion, command: [migrate]}]`, "spec.blueGreen.hooks[0].name: Too long"),
		Entry("a hook name that is not a DNS label", `
spec:
  image: app:1
  blueGreen:
    hooks: [{name: Expand, phase: PrePromotion, command: [migrate]}]`, "spec.blueGreen.hooks[0].name: Invalid value"),
		Entry("two hooks of one name", `
spec:
  image: app:1
  blueGreen:
    hooks: [{name: expand, phase: PrePromotion, command: [a]}, {name: expand, phase: OnAbort, command: [b]}]`,
			"spec.blueGreen.hooks[1]: Duplicate value"),
		Entry("a hook deadline under 10 seconds", `
spec:
  image: app:1
  blueGreen:
    hooks: [{name: expand, phase: PrePromotion, command: [migrate], activeDeadlineSeconds: 5}]`,
			"spec.blueGreen.hooks[0].activeDeadlineSeconds: Invalid value: 5: spec.blueGreen.hooks[0].activeDeadlineSeconds in body should be greater than or equal to 10"),
		Entry("an unknown field at the top of spec", `
spec:
  image: app:1
  replica: 3`, "unknown field \"spec.replica\""),
	)

	It("accepts a component disabled on a port an enabled one uses, and an image set per component", func() {
		Expect(createYAML(ns, `
spec:
  model: {image: m:1, port: 3000, enabled: false}
  view: {image: v:1}
  controller: {image: c:1}
  repository: {image: r:1}`)).To(Succeed())
	})

	It("accepts hooks of enabled components, with the documented defaults", func() {
		Expect(createYAML(ns, `
metadata: {name: hooked}
spec:
  image: app:1
  blueGreen:
    hooks:
    - {name: expand, phase: PrePromotion, command: [migrate, up]}
    - {name: notify, phase: OnAbort, component: model, command: [notify], args: [--channel, ops], backoffLimit: 2}`)).To(Succeed())
		h := restAPI(ns, "hooked").Spec.BlueGreen.Hooks
		Expect(h[0].Component).To(Equal(apiv1.ComponentRepository))
		Expect(*h[0].BackoffLimit).To(BeZero())
		Expect(h[0].ActiveDeadlineSeconds).To(BeNil(), "unset: the progress deadline")
		Expect(*h[1].BackoffLimit).To(Equal(int32(2)))
	})

	It("accepts each OTLP protocol on its own port and on a port of the user's, and defaults to grpc", func() {
		for i, tracing := range []string{
			`{endpoint: "http://jaeger.observability:4317"}`,
			`{endpoint: "https://collector:4318/", protocol: http/protobuf}`,
			`{endpoint: "http://collector:9000", protocol: http/protobuf}`,
			`{endpoint: "http://collector.4318.example:55680", protocol: grpc}`,
		} {
			Expect(createYAML(ns, fmt.Sprintf(`
metadata: {name: traced-%d}
spec:
  image: app:1
  observability: {tracing: %s}`, i, tracing))).To(Succeed(), tracing)
		}
		Expect(restAPI(ns, "traced-0").Spec.Observability.Tracing.Protocol).To(Equal("grpc"))
	})

	It("fills in the analysis defaults", func() {
		Expect(createYAML(ns, `
spec:
  image: app:1
  blueGreen:
    analysis:
      prePromotion: [{name: smoke, http: {}}]`)).To(Succeed())
		c := restAPI(ns, "app").Spec.BlueGreen.Analysis.PrePromotion[0]
		Expect([]int32{c.IntervalSeconds, c.Count, c.FailureLimit, c.InconclusiveLimit, c.HTTP.TimeoutSeconds}).To(Equal([]int32{10, 3, 0, 3, 5}))
		Expect(c.Components).To(BeEmpty(), "view, by default")
	})

	It("fills in every documented default", func() {
		Expect(createYAML(ns, "spec: {image: app:1}")).To(Succeed())
		r := restAPI(ns, "app")
		Expect(*r.Spec.Replicas).To(Equal(int32(2)))
		Expect(*r.Spec.ShutdownDelaySeconds).To(Equal(int32(5)))
		Expect(r.Spec.Model.Port).To(Equal(int32(8080)))
		Expect(r.Spec.View.Port).To(Equal(int32(3000)))
		Expect(r.Spec.Controller.Port).To(Equal(int32(8081)))
		Expect(r.Spec.Repository.Port).To(Equal(int32(8082)))
		Expect(*r.Spec.Model.Enabled).To(BeTrue())
		Expect(*r.Spec.AutoScaling.Enabled).To(BeTrue())
		Expect(*r.Spec.HealthCheck.Enabled).To(BeTrue())
		Expect(r.Spec.HealthCheck.LivenessPath).To(Equal("/health"))
		Expect(r.Spec.HealthCheck.ReadinessPath).To(Equal("/health"))
		Expect(*r.Spec.HealthCheck.Healing.Enabled).To(BeTrue())
		Expect(r.Spec.HealthCheck.Healing.RestartAfterSeconds).To(Equal(int32(300)))
		Expect(*r.Spec.HealthCheck.Healing.MaxRestartsPerHour).To(Equal(int32(3)))
		Expect(*r.Spec.BlueGreen.Enabled).To(BeTrue())
		Expect(*r.Spec.BlueGreen.AutoPromotion).To(BeTrue())
		Expect(*r.Spec.BlueGreen.AutoPromotionSeconds).To(Equal(int32(0)))
		Expect(*r.Spec.BlueGreen.ScaleDownDelaySeconds).To(Equal(int32(30)))
		Expect(r.Spec.BlueGreen.ProgressDeadlineSeconds).To(Equal(int32(600)))
		Expect(*r.Spec.NetworkPolicy.Enabled).To(BeTrue())
	})
})
