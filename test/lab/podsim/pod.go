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

package podsim

import (
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

// FromPod is what the simulator serves for a Pod: its address and
// container ports, its labels, its first container's image and probe
// paths, the OpenTelemetry SDK configuration of its environment, and, for
// the view, its peers' URLs from that environment (the ConfigMaps its
// container reads, by name, and its env). A Pod
// that is not Running, or has no address yet, is served on no port.
func FromPod(p *corev1.Pod, configMaps map[string]*corev1.ConfigMap) Pod {
	out := Pod{
		Namespace: p.Namespace, Name: p.Name,
		Component: p.Labels[apiv1.LabelComponent], Colour: p.Labels[apiv1.LabelEnvironment],
		Revision: p.Labels[apiv1.LabelRevision],
	}
	if p.Status.Phase == corev1.PodRunning && p.DeletionTimestamp == nil {
		out.IP = p.Status.PodIP
	}
	if len(p.Spec.Containers) == 0 {
		return out
	}
	c := p.Spec.Containers[0]
	out.Image = c.Image
	if c.Lifecycle != nil && c.Lifecycle.PreStop != nil && c.Lifecycle.PreStop.Sleep != nil {
		out.Drain = time.Duration(c.Lifecycle.PreStop.Sleep.Seconds) * time.Second
	}
	for _, port := range c.Ports {
		if port.Protocol == "" || port.Protocol == corev1.ProtocolTCP {
			out.Ports = append(out.Ports, port.ContainerPort)
		}
	}
	for _, probe := range []*corev1.Probe{c.LivenessProbe, c.ReadinessProbe, c.StartupProbe} {
		if probe != nil && probe.HTTPGet != nil && !slices.Contains(out.ProbePaths, probe.HTTPGet.Path) {
			out.ProbePaths = append(out.ProbePaths, probe.HTTPGet.Path)
		}
	}
	env := ContainerEnv(p, c, configMaps)
	out.Tracing = TracingFromEnv(env)
	if out.Component != string(apiv1.ComponentView) {
		return out
	}
	for k, v := range env {
		peer, ok := strings.CutSuffix(k, "_URL")
		if !ok || v == "" || strings.EqualFold(peer, out.Component) {
			continue
		}
		if out.Peers == nil {
			out.Peers = map[string]string{}
		}
		out.Peers[strings.ToLower(peer)] = v
	}
	return out
}
