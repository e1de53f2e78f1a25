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
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	metav1ac "k8s.io/client-go/applyconfigurations/meta/v1"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

// PortName is the name of every component container's serving port; the
// Services target it by name.
const PortName = "http"

// Component is everything rendered for one enabled component.
type Component struct {
	Settings   Settings
	Revision   string
	ConfigMap  *corev1ac.ConfigMapApplyConfiguration
	Deployment *appsv1ac.DeploymentApplyConfiguration
	Service    *corev1ac.ServiceApplyConfiguration
}

// Desired renders every enabled component of r, in promotion order.
func Desired(r *apiv1.RestAPI) []Component {
	var out []Component
	for _, c := range r.Spec.Components() {
		if !c.IsEnabled() {
			continue
		}
		s := Resolve(r, c)
		cm := ConfigMap(r, s)
		dep, rev := Deployment(r, s, ConfigHash(s.Env))
		out = append(out, Component{
			Settings:   s,
			Revision:   rev,
			ConfigMap:  cm,
			Deployment: dep,
			Service:    Service(r, s),
		})
	}
	return out
}

// ConfigHash is the hash of a ConfigMap's contents put in the pod template.
func ConfigHash(env map[string]string) string { return hash(env, 16) }

// ConfigMap renders a component's ConfigMap: its environment.
func ConfigMap(r *apiv1.RestAPI, s Settings) *corev1ac.ConfigMapApplyConfiguration {
	return corev1ac.ConfigMap(ConfigMapName(r, s.Name), r.Namespace).
		WithLabels(Labels(r, s.Name)).
		WithOwnerReferences(OwnerReference(r)).
		WithData(s.Env)
}

// Service renders a component's stable Service.
func Service(r *apiv1.RestAPI, s Settings) *corev1ac.ServiceApplyConfiguration {
	return corev1ac.Service(ChildName(r, s.Name), r.Namespace).
		WithLabels(Labels(r, s.Name)).
		WithOwnerReferences(OwnerReference(r)).
		WithSpec(corev1ac.ServiceSpec().
			WithType(corev1.ServiceTypeClusterIP).
			WithSelector(SelectorLabels(r, s.Name)).
			WithPorts(corev1ac.ServicePort().
				WithName(PortName).
				WithProtocol(corev1.ProtocolTCP).
				WithPort(s.Port).
				WithTargetPort(intstr.FromString(PortName))))
}

// Deployment renders a component's Deployment and returns it with its
// revision: the hash of everything that reaches the pods (image, command,
// environment and its ConfigMap contents, resources, probes, port).
func Deployment(r *apiv1.RestAPI, s Settings, configHash string) (*appsv1ac.DeploymentApplyConfiguration, string) {
	tmpl := PodTemplate(r, s, configHash)
	rev := hash(tmpl, 10)
	tmpl.WithLabels(map[string]string{apiv1.LabelRevision: rev})
	dep := appsv1ac.Deployment(ChildName(r, s.Name), r.Namespace).
		WithLabels(Labels(r, s.Name)).
		WithOwnerReferences(OwnerReference(r)).
		WithSpec(appsv1ac.DeploymentSpec().
			WithReplicas(s.Replicas).
			WithRevisionHistoryLimit(3).
			WithProgressDeadlineSeconds(s.ProgressDeadlineSeconds).
			WithSelector(metav1ac.LabelSelector().WithMatchLabels(SelectorLabels(r, s.Name))).
			WithStrategy(appsv1ac.DeploymentStrategy().
				WithType("RollingUpdate").
				WithRollingUpdate(appsv1ac.RollingUpdateDeployment().
					WithMaxUnavailable(intstr.FromInt32(0)).
					WithMaxSurge(intstr.FromString("25%")))).
			WithTemplate(tmpl))
	return dep, rev
}

// PodTemplate renders a component's pod template. It meets the Pod Security
// Standard "restricted": non-root, RuntimeDefault seccomp, no privilege
// escalation, all capabilities dropped, read-only root filesystem with a
// writable /tmp.
func PodTemplate(r *apiv1.RestAPI, s Settings, configHash string) *corev1ac.PodTemplateSpecApplyConfiguration {
	ctr := corev1ac.Container().
		WithName(string(s.Name)).
		WithImage(s.Image).
		WithPorts(corev1ac.ContainerPort().WithName(PortName).WithContainerPort(s.Port).WithProtocol(corev1.ProtocolTCP)).
		WithEnvFrom(corev1ac.EnvFromSource().WithConfigMapRef(corev1ac.ConfigMapEnvSource().WithName(ConfigMapName(r, s.Name)))).
		WithResources(resources(s.Resources)).
		WithVolumeMounts(corev1ac.VolumeMount().WithName("tmp").WithMountPath("/tmp")).
		WithSecurityContext(corev1ac.SecurityContext().
			WithAllowPrivilegeEscalation(false).
			WithReadOnlyRootFilesystem(true).
			WithRunAsNonRoot(true).
			WithCapabilities(corev1ac.Capabilities().WithDrop("ALL")).
			WithSeccompProfile(corev1ac.SeccompProfile().WithType(corev1.SeccompProfileTypeRuntimeDefault)))
	if len(s.Command) > 0 {
		ctr.WithCommand(s.Command...)
	}
	if len(s.Args) > 0 {
		ctr.WithArgs(s.Args...)
	}
	for i := range s.EnvFrom {
		ctr.WithEnvFrom(envFrom(s.EnvFrom[i]))
	}
	if s.Probes.Enabled {
		ctr.WithLivenessProbe(probe(s.Probes, s.Probes.LivenessPath))
		ctr.WithReadinessProbe(probe(s.Probes, s.Probes.ReadinessPath))
		if s.Probes.StartupPath != "" {
			ctr.WithStartupProbe(probe(s.Probes, s.Probes.StartupPath))
		}
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

	labels := Labels(r, s.Name)
	return corev1ac.PodTemplateSpec().
		WithLabels(labels).
		WithAnnotations(map[string]string{apiv1.AnnotationConfigHash: configHash}).
		WithSpec(pod)
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
