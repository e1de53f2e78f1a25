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
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

func TestHookJobRunsTheComponentsPodWithTheHooksCommand(t *testing.T) {
	r := baseRestAPI()
	r.Spec.BlueGreen.ProgressDeadlineSeconds = 300
	r.Spec.Repository.Image = "shop-db:7"
	r.Spec.Repository.EnvFrom = []corev1.EnvFromSource{{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "db"}}}}
	h := apiv1.Hook{Name: "expand", Phase: apiv1.HookPrePromotion, Command: []string{"migrate", "up"}, Args: []string{"--to", "7"}}

	job := HookJob(r, h, apiv1.EnvironmentGreen, "rev1", 3)
	if job == nil {
		t.Fatal("no Job for a hook of an enabled component")
	}
	if *job.Name != "shop-expand-3" {
		t.Errorf("name %q, want shop-expand-3", *job.Name)
	}
	if *job.Spec.BackoffLimit != 0 || *job.Spec.ActiveDeadlineSeconds != 300 {
		t.Errorf("backoffLimit %d, activeDeadlineSeconds %d; want 0 and the progress deadline, 300", *job.Spec.BackoffLimit, *job.Spec.ActiveDeadlineSeconds)
	}
	if len(job.OwnerReferences) != 1 || *job.OwnerReferences[0].Name != "shop" || !*job.OwnerReferences[0].Controller {
		t.Errorf("owner %+v, want the RestAPI as controller", job.OwnerReferences)
	}
	pod := job.Spec.Template
	if *pod.Spec.RestartPolicy != corev1.RestartPolicyNever {
		t.Errorf("restartPolicy %s", *pod.Spec.RestartPolicy)
	}
	for _, l := range []string{apiv1.LabelComponent, apiv1.LabelEnvironment} {
		if _, ok := pod.Labels[l]; ok {
			t.Errorf("the hook's Pod carries %s: a component's Service or Deployment would select it", l)
		}
	}
	want := map[string]string{apiv1.LabelHook: "expand", apiv1.LabelHookPhase: "PrePromotion", apiv1.LabelRevision: "rev1", apiv1.LabelAttempt: "3", apiv1.LabelInstance: "shop"}
	for k, v := range want {
		if pod.Labels[k] != v || job.Labels[k] != v {
			t.Errorf("label %s: Pod %q, Job %q, want %q", k, pod.Labels[k], job.Labels[k], v)
		}
	}
	ctr := pod.Spec.Containers[0]
	if *ctr.Image != "shop-db:7" || !reflect.DeepEqual(ctr.Command, h.Command) || !reflect.DeepEqual(ctr.Args, h.Args) {
		t.Errorf("image %s, command %v, args %v", *ctr.Image, ctr.Command, ctr.Args)
	}
	if len(ctr.Ports) != 0 || ctr.ReadinessProbe != nil || ctr.LivenessProbe != nil || ctr.Lifecycle != nil {
		t.Error("the hook's container keeps the component's ports, probes or preStop")
	}
	if _, ok := pod.Annotations["prometheus.io/scrape"]; ok {
		t.Error("the hook's Pod asks to be scraped, with no port")
	}
	// The component's own configuration, of the colour being prepared, and
	// its Secret: the operator never reads them, the Pod does.
	var refs []string
	for _, e := range ctr.EnvFrom {
		if e.ConfigMapRef != nil {
			refs = append(refs, "cm:"+*e.ConfigMapRef.Name)
		}
		if e.SecretRef != nil {
			refs = append(refs, "secret:"+*e.SecretRef.Name)
		}
	}
	if !reflect.DeepEqual(refs, []string{"cm:shop-repository-green", "secret:db"}) {
		t.Errorf("envFrom %v", refs)
	}
	// Pod Security "restricted", as the component's Pods.
	sc := ctr.SecurityContext
	if !*sc.RunAsNonRoot || *sc.AllowPrivilegeEscalation || !reflect.DeepEqual(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) ||
		*pod.Spec.SecurityContext.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault || *pod.Spec.AutomountServiceAccountToken {
		t.Error("the hook's Pod is not restricted like the component's")
	}

	h.ActiveDeadlineSeconds, h.BackoffLimit, h.Component = ptr.To[int32](60), ptr.To[int32](2), apiv1.ComponentModel
	job = HookJob(r, h, apiv1.EnvironmentBlue, "rev1", 3)
	if *job.Spec.ActiveDeadlineSeconds != 60 || *job.Spec.BackoffLimit != 2 || *job.Spec.Template.Spec.Containers[0].Image != "shop:1" {
		t.Error("the hook's own deadline, backoffLimit or component is not used")
	}
	r.Spec.Model.Enabled = new(false)
	if HookJob(r, h, apiv1.EnvironmentBlue, "rev1", 3) != nil {
		t.Error("a Job for a hook of a disabled component")
	}
}

func TestHookJobNameFitsAndDiffersByAttempt(t *testing.T) {
	r := baseRestAPI()
	r.Name = strings.Repeat("a", apiv1.MaxNameLength)
	long := "abcdefghijkl"
	names := map[string]bool{}
	for _, attempt := range []int64{1, 2, 99999, 1 << 62} {
		n := HookJobName(r.Name, long, attempt)
		if len(n) > 63 {
			t.Errorf("%q is %d characters", n, len(n))
		}
		names[n] = true
	}
	if len(names) != 4 {
		t.Errorf("attempts share Job names: %v", names)
	}
}
