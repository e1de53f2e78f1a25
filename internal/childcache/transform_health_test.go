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

package childcache_test

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/restapi-operator/restapi-operator/internal/childcache"
	"github.com/restapi-operator/restapi-operator/internal/health"
)

// An external test: health reads children through internal/scope, which
// reads them through this package.

func TestTrimPodKeepsWhatHealthReads(t *testing.T) {
	waiting := &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff", Message: "back-off"}
	oom := &corev1.ContainerStateTerminated{Reason: "OOMKilled", ExitCode: 137}
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "p-abc", GenerateName: "p-", Labels: map[string]string{"a": "b"},
			Annotations:   map[string]string{"x": "y"},
			ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kubelet"}}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "i", Env: []corev1.EnvVar{{Name: "X", Value: "y"}}}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "10.0.0.1", HostIP: "10.1.0.1",
			Conditions: []corev1.PodCondition{{Type: corev1.PodInitialized, Status: corev1.ConditionTrue},
				{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: corev1.PodReasonUnschedulable, Message: "no room"}},
			ContainerStatuses: []corev1.ContainerStatus{{Name: "c", RestartCount: 3, Ready: true, Image: "i", ImageID: "sha256:1", ContainerID: "containerd://1",
				State:                corev1.ContainerState{Waiting: waiting},
				LastTerminationState: corev1.ContainerState{Terminated: oom}}}},
	}
	p0 := p.DeepCopy()
	out, err := childcache.TrimPod(p)
	if err != nil {
		t.Fatal(err)
	}
	got := out.(*corev1.Pod)
	if got.ManagedFields != nil || len(got.Spec.Containers) != 0 || got.Annotations != nil || got.GenerateName != "" {
		t.Fatalf("managed fields, spec, annotations or name prefix kept: %+v", got)
	}
	cs := got.Status.ContainerStatuses[0]
	if got.Status.PodIP != "" || got.Status.HostIP != "" || cs.Image != "" || cs.ImageID != "" || cs.ContainerID != "" {
		t.Fatalf("addresses or images kept: %+v", got.Status)
	}
	if len(got.Status.Conditions) != 1 {
		t.Fatalf("conditions kept: %+v, want only PodScheduled (and Ready)", got.Status.Conditions)
	}
	if got.Labels["a"] != "b" || got.Name != "p-abc" || health.Evaluate(nil, []corev1.Pod{*got}) != health.Evaluate(nil, []corev1.Pod{*p0}) {
		t.Fatalf("what health reads changed: %+v", got)
	}
	if cs.State.Waiting != waiting || cs.LastTerminationState.Terminated != oom || got.Status.Conditions[0].Message != "no room" {
		t.Fatalf("container states or conditions lost: %+v", got.Status)
	}
}
