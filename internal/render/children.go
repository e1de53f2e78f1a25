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

package render

import (
	"maps"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	metav1ac "k8s.io/client-go/applyconfigurations/meta/v1"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

// PortName is the name of every component container's serving port; the
// Services target it by name.
const PortName = "http"

// MetricsPortName names the container port of spec.observability.metrics.port.
const MetricsPortName = "metrics"

// containerPorts are the application's port and, when the spec sets one,
// the metrics port.
func containerPorts(r *apiv1.RestAPI, s Settings) []*corev1ac.ContainerPortApplyConfiguration {
	ports := []*corev1ac.ContainerPortApplyConfiguration{
		corev1ac.ContainerPort().WithName(PortName).WithContainerPort(s.Port).WithProtocol(corev1.ProtocolTCP),
	}
	if p := r.Spec.Observability.Metrics.Port; p != nil {
		ports = append(ports, corev1ac.ContainerPort().WithName(MetricsPortName).WithContainerPort(*p).WithProtocol(corev1.ProtocolTCP))
	}
	return ports
}

// Component is everything rendered for one enabled component in one colour.
type Component struct {
	Settings   Settings
	ConfigMap  *corev1ac.ConfigMapApplyConfiguration
	Deployment *appsv1ac.DeploymentApplyConfiguration
}

// Revision is the hash of everything that reaches the pods of every enabled
// component: images, commands, environment and ConfigMap contents, resources,
// probes, ports. It does not depend on the colour, so a revision is the same
// wherever it runs.
func Revision(r *apiv1.RestAPI) string {
	var templates []*corev1ac.PodTemplateSpecApplyConfiguration
	for _, c := range r.Spec.Components() {
		if c.IsEnabled() {
			s := Resolve(r, c, "")
			templates = append(templates, PodTemplate(r, s, "", ConfigHash(s.Env), ""))
		}
	}
	return hash(templates, 10)
}

// Desired renders every enabled component of r for one colour ("" without
// blue-green), in promotion order.
func Desired(r *apiv1.RestAPI, colour apiv1.Environment) []Component {
	rev := Revision(r)
	var out []Component
	for _, c := range r.Spec.Components() {
		if !c.IsEnabled() {
			continue
		}
		s := Resolve(r, c, colour)
		out = append(out, Component{
			Settings:   s,
			ConfigMap:  ConfigMap(r, s, colour),
			Deployment: Deployment(r, s, colour, rev),
		})
	}
	return out
}

// ConfigHash is the hash of a ConfigMap's contents put in the pod template.
func ConfigHash(env map[string]string) string { return hash(env, 16) }

// ConfigMap renders a component's ConfigMap for one colour: its environment.
func ConfigMap(r *apiv1.RestAPI, s Settings, colour apiv1.Environment) *corev1ac.ConfigMapApplyConfiguration {
	return corev1ac.ConfigMap(ConfigMapName(r, s.Name, colour), r.Namespace).
		WithLabels(Labels(r, s.Name, colour)).
		WithOwnerReferences(OwnerReference(r)).
		WithData(s.Env)
}

// Services renders every Service of the enabled components: the stable
// Service selecting the active colour ("": every colour, as without
// blue-green), and with blue-green the preview Service selecting the preview
// colour and one Service per colour.
func Services(r *apiv1.RestAPI, active, preview apiv1.Environment, blueGreen bool) []*corev1ac.ServiceApplyConfiguration {
	var stable, others []*corev1ac.ServiceApplyConfiguration
	for _, c := range r.Spec.Components() {
		if !c.IsEnabled() {
			continue
		}
		svc := service(r, c, ChildName(r, c.Name), active, "")
		if c.Name == apiv1.ComponentView {
			exposeService(r, svc)
		}
		stable = append(stable, svc)
		if blueGreen {
			others = append(others, service(r, c, PreviewName(r, c.Name), preview, ""))
			for _, colour := range []apiv1.Environment{apiv1.EnvironmentBlue, apiv1.EnvironmentGreen} {
				others = append(others, service(r, c, ColourName(r, c.Name, colour), colour, colour))
			}
		}
	}
	// The stable Services first, in promotion order, so a switch of colour
	// is four consecutive writes.
	return append(stable, others...)
}

// service renders one Service of a component selecting the pods of one
// colour (all colours when selects is ""). The target port is the pod's
// named port, so a Service routes right whichever colour it selects.
func service(r *apiv1.RestAPI, c apiv1.Component, name string, selects, colour apiv1.Environment) *corev1ac.ServiceApplyConfiguration {
	return corev1ac.Service(name, r.Namespace).
		WithLabels(Labels(r, c.Name, colour)).
		WithOwnerReferences(OwnerReference(r)).
		WithSpec(corev1ac.ServiceSpec().
			WithType(corev1.ServiceTypeClusterIP).
			WithSelector(SelectorLabels(r, c.Name, selects)).
			WithPorts(corev1ac.ServicePort().
				WithName(PortName).
				WithProtocol(corev1.ProtocolTCP).
				WithPort(c.Port).
				WithTargetPort(intstr.FromString(PortName))))
}

// exposeService sets what spec.view.expose.service asks of the view's
// stable Service: its type, annotations and the load balancer's source
// ranges. The preview and per-colour Services stay ClusterIP
// (internal/expose writes the rest of the exposure).
func exposeService(r *apiv1.RestAPI, svc *corev1ac.ServiceApplyConfiguration) {
	e := r.Spec.View.Expose
	if e == nil || e.Service == nil {
		return
	}
	if e.Service.Type != "" {
		svc.Spec.WithType(e.Service.Type)
	}
	if len(e.Service.Annotations) > 0 {
		svc.WithAnnotations(e.Service.Annotations)
	}
	if len(e.Service.LoadBalancerSourceRanges) > 0 {
		svc.Spec.WithLoadBalancerSourceRanges(e.Service.LoadBalancerSourceRanges...)
	}
}

// Deployment renders a component's Deployment for one colour, running the
// given revision.
func Deployment(r *apiv1.RestAPI, s Settings, colour apiv1.Environment, revision string) *appsv1ac.DeploymentApplyConfiguration {
	labels := Labels(r, s.Name, colour)
	labels[apiv1.LabelRevision] = revision
	selector := metav1ac.LabelSelector().WithMatchLabels(SelectorLabels(r, s.Name, colour))
	if colour == "" {
		// Without a colour, never select a colour's pods (no overlap while
		// blue-green is switched on or off).
		selector.WithMatchExpressions(metav1ac.LabelSelectorRequirement().
			WithKey(apiv1.LabelEnvironment).WithOperator(metav1.LabelSelectorOpDoesNotExist))
	}
	return appsv1ac.Deployment(ColourName(r, s.Name, colour), r.Namespace).
		WithLabels(labels).
		WithOwnerReferences(OwnerReference(r)).
		WithSpec(appsv1ac.DeploymentSpec().
			WithReplicas(s.Replicas).
			WithRevisionHistoryLimit(3).
			WithProgressDeadlineSeconds(s.ProgressDeadlineSeconds).
			WithSelector(selector).
			WithStrategy(appsv1ac.DeploymentStrategy().
				WithType("RollingUpdate").
				WithRollingUpdate(appsv1ac.RollingUpdateDeployment().
					WithMaxUnavailable(intstr.FromInt32(0)).
					WithMaxSurge(intstr.FromString("25%")))).
			WithTemplate(PodTemplate(r, s, colour, ConfigHash(s.Env), revision)))
}

// PodTemplate renders a component's pod template. It meets the Pod Security
// Standard "restricted": non-root, RuntimeDefault seccomp, no privilege
// escalation, all capabilities dropped, read-only root filesystem with a
// writable /tmp.
// The revision label is left out when revision is "" (to compute the revision).
func PodTemplate(r *apiv1.RestAPI, s Settings, colour apiv1.Environment, configHash, revision string) *corev1ac.PodTemplateSpecApplyConfiguration {
	ps := apiv1.PodSecuritySpec{}
	if r.Spec.PodSecurity != nil {
		ps = *r.Spec.PodSecurity
	}
	ctr := corev1ac.Container().
		WithName(string(s.Name)).
		WithImage(s.Image).
		WithPorts(containerPorts(r, s)...).
		WithEnvFrom(corev1ac.EnvFromSource().WithConfigMapRef(corev1ac.ConfigMapEnvSource().WithName(ConfigMapName(r, s.Name, colour)))).
		WithResources(resources(s.Resources)).
		WithVolumeMounts(corev1ac.VolumeMount().WithName("tmp").WithMountPath("/tmp")).
		WithSecurityContext(corev1ac.SecurityContext().
			WithAllowPrivilegeEscalation(false).
			WithReadOnlyRootFilesystem(ps.ReadOnlyRootFilesystem == nil || *ps.ReadOnlyRootFilesystem).
			WithRunAsNonRoot(true).
			WithCapabilities(corev1ac.Capabilities().WithDrop("ALL")).
			WithSeccompProfile(corev1ac.SeccompProfile().WithType(corev1.SeccompProfileTypeRuntimeDefault)))
	if t := r.Spec.Observability.Tracing; t != nil && t.Endpoint != "" {
		ctr.WithEnv(tracingEnv(r, s.Name, t)...)
	}
	if len(s.Command) > 0 {
		ctr.WithCommand(s.Command...)
	}
	if len(s.Args) > 0 {
		ctr.WithArgs(s.Args...)
	}
	for i := range s.EnvFrom {
		ctr.WithEnvFrom(envFrom(s.EnvFrom[i]))
	}
	if d := r.Spec.ShutdownDelay(); d > 0 {
		// Kubernetes removes a terminating Pod from the endpoints while
		// the Pod goes on running: the sleep keeps it serving until the
		// proxies have followed (kubelet's own sleep, no binary needed).
		ctr.WithLifecycle(corev1ac.Lifecycle().WithPreStop(corev1ac.LifecycleHandler().
			WithSleep(corev1ac.SleepAction().WithSeconds(int64(d / time.Second)))))
	}
	if s.Probes.Enabled {
		ctr.WithLivenessProbe(probe(s.Probes, s.Probes.LivenessPath))
		ctr.WithReadinessProbe(probe(s.Probes, s.Probes.ReadinessPath))
		if s.Probes.StartupPath != "" {
			ctr.WithStartupProbe(probe(s.Probes, s.Probes.StartupPath))
		}
	}

	if st := s.Storage; st != nil {
		ctr.WithVolumeMounts(corev1ac.VolumeMount().WithName(dataVolume).WithMountPath(orString(st.MountPath, defaultMountPath)))
	}

	pod := corev1ac.PodSpec().
		WithAutomountServiceAccountToken(false).
		WithEnableServiceLinks(false).
		WithSecurityContext(corev1ac.PodSecurityContext().
			WithRunAsNonRoot(true).
			WithSeccompProfile(corev1ac.SeccompProfile().WithType(corev1.SeccompProfileTypeRuntimeDefault))).
		WithContainers(ctr).
		WithVolumes(corev1ac.Volume().WithName("tmp").WithEmptyDir(corev1ac.EmptyDirVolumeSource()))
	for _, ps := range r.Spec.ImagePullSecrets {
		pod.WithImagePullSecrets(corev1ac.LocalObjectReference().WithName(ps.Name))
	}
	if st := s.Storage; st != nil {
		pod.WithVolumes(corev1ac.Volume().WithName(dataVolume).
			WithPersistentVolumeClaim(corev1ac.PersistentVolumeClaimVolumeSource().WithClaimName(ClaimName(r))))
		// The volume is group-writable for the pods' non-root user.
		pod.SecurityContext.WithFSGroup(StorageGroup).WithFSGroupChangePolicy(corev1.FSGroupChangeOnRootMismatch)
	}
	if ps.FSGroup != nil {
		pod.SecurityContext.WithFSGroup(*ps.FSGroup).WithFSGroupChangePolicy(corev1.FSGroupChangeOnRootMismatch)
	}
	if ps.RunAsUser != nil {
		pod.SecurityContext.WithRunAsUser(*ps.RunAsUser)
	}
	if ps.RunAsGroup != nil {
		pod.SecurityContext.WithRunAsGroup(*ps.RunAsGroup)
	}

	labels := Labels(r, s.Name, colour)
	if revision != "" {
		labels[apiv1.LabelRevision] = revision
	}
	annotations := map[string]string{apiv1.AnnotationConfigHash: configHash}
	if m := r.Spec.Observability.Metrics; m.IsEnabled() {
		annotations["prometheus.io/scrape"] = "true"
		annotations["prometheus.io/port"] = strconv.Itoa(int(MetricsPort(r, s.Port)))
		annotations["prometheus.io/path"] = orString(m.Path, "/metrics")
	}
	maps.Copy(annotations, newerRendering)
	return corev1ac.PodTemplateSpec().
		WithLabels(labels).
		WithAnnotations(annotations).
		WithSpec(pod)
}

// tracingEnv is the OpenTelemetry environment of a component. Colour and
// revision come from the pod's own labels (the downward API), so they are
// right in whichever colour the template runs and need not be known when
// the revision is computed.
func tracingEnv(r *apiv1.RestAPI, c apiv1.ComponentName, t *apiv1.TracingSpec) []*corev1ac.EnvVarApplyConfiguration {
	fromLabel := func(name, label string) *corev1ac.EnvVarApplyConfiguration {
		return corev1ac.EnvVar().WithName(name).WithValueFrom(corev1ac.EnvVarSource().
			WithFieldRef(corev1ac.ObjectFieldSelector().WithFieldPath("metadata.labels['" + label + "']")))
	}
	return []*corev1ac.EnvVarApplyConfiguration{
		fromLabel("RESTAPI_COLOUR", apiv1.LabelEnvironment),
		fromLabel("RESTAPI_REVISION", apiv1.LabelRevision),
		corev1ac.EnvVar().WithName("OTEL_EXPORTER_OTLP_ENDPOINT").WithValue(t.Endpoint),
		// Always written: an SDK without it speaks http/protobuf (the
		// specification's default), which a gRPC port does not answer.
		corev1ac.EnvVar().WithName("OTEL_EXPORTER_OTLP_PROTOCOL").WithValue(orString(t.Protocol, "grpc")),
		corev1ac.EnvVar().WithName("OTEL_SERVICE_NAME").WithValue(ChildName(r, c)),
		corev1ac.EnvVar().WithName("OTEL_RESOURCE_ATTRIBUTES").WithValue(
			"k8s.namespace.name=" + r.Namespace + ",service.namespace=" + r.Name +
				",deployment.environment=$(RESTAPI_COLOUR),service.version=$(RESTAPI_REVISION)"),
	}
}

const (
	dataVolume       = "data"
	defaultMountPath = "/data"
	// StorageGroup is the fsGroup of pods that mount the repository's
	// volume: the group of distroless "nonroot" images.
	StorageGroup = int64(65532)
)

// ClaimName is the name of the repository's PersistentVolumeClaim.
func ClaimName(r *apiv1.RestAPI) string { return ChildName(r, apiv1.ComponentRepository) + "-data" }

// Claim renders the repository's PersistentVolumeClaim, or nil without
// spec.repository.storage. It has no owner: the data outlives the RestAPI
// and any change of spec, and only a person deletes it.
func Claim(r *apiv1.RestAPI) *corev1ac.PersistentVolumeClaimApplyConfiguration {
	st := r.Spec.Repository.Storage
	if st == nil || !r.Spec.Repository.IsEnabled() {
		return nil
	}
	mode := st.AccessMode
	if mode == "" {
		mode = corev1.ReadWriteOnce
	}
	spec := corev1ac.PersistentVolumeClaimSpec().
		WithAccessModes(mode).
		WithResources(corev1ac.VolumeResourceRequirements().WithRequests(corev1.ResourceList{corev1.ResourceStorage: st.Size}))
	if st.StorageClassName != nil {
		spec.WithStorageClassName(*st.StorageClassName)
	}
	return corev1ac.PersistentVolumeClaim(ClaimName(r), r.Namespace).
		WithLabels(Labels(r, apiv1.ComponentRepository, "")).
		WithSpec(spec)
}

func probe(p Probes, path string) *corev1ac.ProbeApplyConfiguration {
	return corev1ac.Probe().
		WithHTTPGet(corev1ac.HTTPGetAction().WithPath(path).WithPort(intstr.FromString(PortName))).
		WithInitialDelaySeconds(p.InitialDelaySeconds).
		WithPeriodSeconds(p.PeriodSeconds).
		WithTimeoutSeconds(p.TimeoutSeconds).
		WithFailureThreshold(p.FailureThreshold)
}

func resources(rr corev1.ResourceRequirements) *corev1ac.ResourceRequirementsApplyConfiguration {
	out := corev1ac.ResourceRequirements()
	if len(rr.Requests) > 0 {
		out.WithRequests(rr.Requests)
	}
	if len(rr.Limits) > 0 {
		out.WithLimits(rr.Limits)
	}
	return out
}

func envFrom(e corev1.EnvFromSource) *corev1ac.EnvFromSourceApplyConfiguration {
	out := corev1ac.EnvFromSource()
	if e.Prefix != "" {
		out.WithPrefix(e.Prefix)
	}
	if e.SecretRef != nil {
		ref := corev1ac.SecretEnvSource().WithName(e.SecretRef.Name)
		if e.SecretRef.Optional != nil {
			ref.WithOptional(*e.SecretRef.Optional)
		}
		out.WithSecretRef(ref)
	}
	if e.ConfigMapRef != nil {
		ref := corev1ac.ConfigMapEnvSource().WithName(e.ConfigMapRef.Name)
		if e.ConfigMapRef.Optional != nil {
			ref.WithOptional(*e.ConfigMapRef.Optional)
		}
		out.WithConfigMapRef(ref)
	}
	return out
}
