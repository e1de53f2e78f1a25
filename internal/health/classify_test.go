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

package health

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

var (
	tNow      = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	limits    = Limits{Restarts: 3, ImagePull: 120 * time.Second, ConfigError: 30 * time.Second}
	scheduled = func(ago time.Duration) corev1.PodCondition {
		return corev1.PodCondition{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: metav1.NewTime(tNow.Add(-ago))}
	}
)

// crashing is a Pod whose container crash-loops after restarts restarts.
func crashing(name string, restarts int32) corev1.Pod {
	st := waiting(apiv1.ReasonCrashLoopBackOff, "back-off 40s restarting failed container")
	st.ContainerStatuses[0].RestartCount = restarts
	st.Conditions = []corev1.PodCondition{scheduled(time.Minute)}
	return pod(name, st)
}

// stuck is a Pod scheduled ago whose container waits with reason.
func stuck(name, reason string, ago time.Duration) corev1.Pod {
	st := waiting(reason, "msg of "+reason)
	st.Conditions = []corev1.PodCondition{scheduled(ago)}
	return pod(name, st)
}

func unschedulablePod(name string) corev1.Pod {
	p := pod(name, corev1.PodStatus{Phase: corev1.PodPending, Conditions: []corev1.PodCondition{{
		Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: corev1.PodReasonUnschedulable, Message: "0/3 nodes are available: 3 Too many pods.",
	}}})
	p.CreationTimestamp = metav1.NewTime(tNow.Add(-time.Hour))
	return p
}

func TestJudge(t *testing.T) {
	rolling := deployment(1, 1, 2, appsv1.DeploymentStatus{Replicas: 2, UpdatedReplicas: 2,
		Conditions: []appsv1.DeploymentCondition{cond(appsv1.DeploymentProgressing, corev1.ConditionTrue, "ReplicaSetUpdated")}})
	failure := func(msg string) *appsv1.Deployment {
		c := cond(appsv1.DeploymentReplicaFailure, corev1.ConditionTrue, "FailedCreate")
		c.Message = msg
		return deployment(1, 1, 2, appsv1.DeploymentStatus{Conditions: []appsv1.DeploymentCondition{c}})
	}
	timedOut := deployment(1, 1, 2, appsv1.DeploymentStatus{Replicas: 2, UpdatedReplicas: 2,
		Conditions: []appsv1.DeploymentCondition{cond(appsv1.DeploymentProgressing, corev1.ConditionFalse, "ProgressDeadlineExceeded")}})
	tests := []struct {
		name     string
		d        *appsv1.Deployment
		pods     []corev1.Pod
		broken   bool
		reason   string // the component's reason when broken
		waitsFor string
		message  string
		brokenAt time.Duration // from tNow; 0: none
	}{
		{"pods still starting wait for nothing in particular", rolling, []corev1.Pod{pod("p1", waiting("ContainerCreating", ""))}, false, "", "", "", 0},
		{"no node has room: waits for capacity, never broken by itself", rolling, []corev1.Pod{unschedulablePod("p1")},
			false, "", apiv1.ReasonWaitingForCapacity, "Too many pods", 0},
		{"a quota: waits", failure(`pods "x" is forbidden: exceeded quota: compute, requested: cpu=500m`), nil,
			false, "", apiv1.ReasonWaitingForQuota, "exceeded quota", 0},
		{"an admission refusal is broken", failure(`pods "x" is forbidden: violates PodSecurity "restricted"`), nil,
			true, apiv1.ReasonReplicaFailure, "", "violates PodSecurity", 0},
		{"the Deployment's own deadline is broken", timedOut, nil, true, apiv1.ReasonProgressDeadlineExceeded, "", "did not finish", 0},
		{"a crash loop below the restart threshold waits", rolling, []corev1.Pod{crashing("p1", 2)},
			false, "", apiv1.ReasonWaitingForContainers, "restarted 2 times", 0},
		{"a crash loop at the restart threshold is broken", rolling, []corev1.Pod{crashing("p1", 1), crashing("p2", 3)},
			true, apiv1.ReasonCrashLoopBackOff, "", "2 pods in CrashLoopBackOff", 0},
		{"an image pull failing within its grace waits until the grace ends", rolling, []corev1.Pod{stuck("p1", apiv1.ReasonImagePullBackOff, 100*time.Second)},
			false, "", apiv1.ReasonWaitingForImage, "msg of ImagePullBackOff", 20 * time.Second},
		{"an image pull failing past its grace is broken", rolling, []corev1.Pod{stuck("p1", apiv1.ReasonErrImagePull, 120*time.Second)},
			true, apiv1.ReasonErrImagePull, "", "msg of ErrImagePull", 0},
		{"a missing Secret within its grace waits", rolling, []corev1.Pod{stuck("p1", apiv1.ReasonCreateContainerConfigError, 10*time.Second)},
			false, "", apiv1.ReasonWaitingForConfig, "msg of CreateContainerConfigError", 20 * time.Second},
		{"a missing Secret past its grace is broken", rolling, []corev1.Pod{stuck("p1", apiv1.ReasonCreateContainerConfigError, 31*time.Second)},
			true, apiv1.ReasonCreateContainerConfigError, "", "msg of CreateContainerConfigError", 0},
		{"an invalid image name is broken at once", rolling, []corev1.Pod{stuck("p1", apiv1.ReasonInvalidImageName, 0)},
			true, apiv1.ReasonInvalidImageName, "", "msg of InvalidImageName", 0},
		{"one broken pod among waiting ones is broken", rolling, []corev1.Pod{unschedulablePod("p1"), stuck("p2", apiv1.ReasonImagePullBackOff, 10*time.Second), crashing("p3", 5)},
			true, apiv1.ReasonCrashLoopBackOff, "", "restarted 5 times", 0},
		{"several waits: the worst names it, the earliest grace sets when to look again", rolling,
			[]corev1.Pod{unschedulablePod("p1"), stuck("p2", apiv1.ReasonImagePullBackOff, 110*time.Second), stuck("p3", apiv1.ReasonCreateContainerConfigError, 5*time.Second)},
			false, "", apiv1.ReasonWaitingForConfig, "msg of CreateContainerConfigError", 10 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := Judge(tt.d, tt.pods, limits, tNow)
			if o.Broken != tt.broken || o.WaitsFor != tt.waitsFor {
				t.Fatalf("broken %v waits for %q (%+v), want broken %v waits for %q", o.Broken, o.WaitsFor, o, tt.broken, tt.waitsFor)
			}
			if tt.broken && (o.Reason != tt.reason || !strings.Contains(o.Message, tt.message)) {
				t.Errorf("broken with %s %q, want %s containing %q", o.Reason, o.Message, tt.reason, tt.message)
			}
			if !tt.broken && !strings.Contains(o.WaitMessage, tt.message) {
				t.Errorf("wait message %q, want it to contain %q", o.WaitMessage, tt.message)
			}
			var want time.Time
			if tt.brokenAt != 0 {
				want = tNow.Add(tt.brokenAt)
			}
			if !o.BrokenAt.Equal(want) {
				t.Errorf("broken at %v, want %v", o.BrokenAt, want)
			}
		})
	}
}

// The Deployment's status can arrive before its Pod's: the Deployment
// controller saw the pod turn ready (and finished the rollout just now)
// while the operator's Pod cache still holds the not-ready version. A
// preview in that moment is not broken. Seen in CI: a preview aborted one
// second after its pod was created.
func TestJudgeWaitsWhenThePodCacheLagsTheDeployment(t *testing.T) {
	finished := cond(appsv1.DeploymentProgressing, corev1.ConditionTrue, "NewReplicaSetAvailable")
	finished.LastUpdateTime = metav1.NewTime(tNow)
	d := deployment(2, 2, 1, appsv1.DeploymentStatus{Replicas: 1, UpdatedReplicas: 1, ReadyReplicas: 1, AvailableReplicas: 1,
		Conditions: []appsv1.DeploymentCondition{finished}})
	p := pod("p1", corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{
		{Type: corev1.PodReady, Status: corev1.ConditionFalse}}})
	p.CreationTimestamp = metav1.NewTime(tNow.Add(-time.Second)) // before the rollout finished
	if e := Evaluate(d, []corev1.Pod{p}); e.Reason != apiv1.ReasonNoReadyPods {
		t.Fatalf("the serving view: %s %q, want the pod's word (NoReadyPods)", e.Reason, e.Message)
	}
	o := Judge(d, []corev1.Pod{p}, limits, tNow)
	if o.Broken || o.Health == apiv1.HealthUnhealthy {
		t.Errorf("a preview whose Pod cache lags is %s (broken %v): %q", o.Health, o.Broken, o.Message)
	}

	// The Deployment itself saying no pod is ready is a loss, judged as before.
	lost := deployment(2, 2, 1, appsv1.DeploymentStatus{Replicas: 1, UpdatedReplicas: 1,
		Conditions: []appsv1.DeploymentCondition{finished}})
	if o := Judge(lost, []corev1.Pod{p}, limits, tNow); !o.Broken || o.Reason != apiv1.ReasonNoReadyPods {
		t.Errorf("a preview that lost its ready pod: broken %v, %s %q", o.Broken, o.Reason, o.Message)
	}
}

func TestJudgeHonoursTheThresholds(t *testing.T) {
	one := Limits{Restarts: 1, ImagePull: 0, ConfigError: time.Hour}
	for _, tt := range []struct {
		pod    corev1.Pod
		broken bool
	}{
		{crashing("p", 1), true},
		{stuck("p", apiv1.ReasonImagePullBackOff, 0), true},
		{stuck("p", apiv1.ReasonCreateContainerConfigError, 59*time.Minute), false},
	} {
		rolling := deployment(1, 1, 1, appsv1.DeploymentStatus{Replicas: 1, UpdatedReplicas: 1})
		if o := Judge(rolling, []corev1.Pod{tt.pod}, one, tNow); o.Broken != tt.broken {
			t.Errorf("%s: broken %v, want %v", tt.pod.Status.ContainerStatuses[0].State.Waiting.Reason, o.Broken, tt.broken)
		}
	}
}

func TestLimitsOf(t *testing.T) {
	if got := LimitsOf(apiv1.FailFastSpec{}); got != limits {
		t.Errorf("defaults: %+v", got)
	}
	r, p, c := int32(5), int32(0), int32(90)
	if got := LimitsOf(apiv1.FailFastSpec{Restarts: &r, ImagePullSeconds: &p, ConfigErrorSeconds: &c}); got != (Limits{Restarts: 5, ConfigError: 90 * time.Second}) {
		t.Errorf("set: %+v", got)
	}
}

// Every row of the table is explained in docs/health.md, with its
// judgement, so the documentation and the code cannot drift apart.
func TestEveryRuleIsDocumented(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "health.md"))
	if err != nil {
		t.Fatal(err)
	}
	word := map[Judgement]string{Waits: "waits", BrokenAfterRestarts: "restarts", BrokenAfterImagePull: "imagePullSeconds",
		BrokenAfterConfigError: "configErrorSeconds", Broken: "broken at once"}
	for _, r := range Rules {
		var row string
		for line := range strings.SplitSeq(string(doc), "\n") {
			cells := strings.Split(line, "|")
			if len(cells) > 2 && strings.Contains(cells[1], "`"+r.Reason+"`") {
				row = line
			}
		}
		if row == "" {
			t.Errorf("docs/health.md has no row for %s", r.Reason)
			continue
		}
		if !strings.Contains(row, word[r.Judge]) || (r.WaitsFor != "" && !strings.Contains(row, "`"+r.WaitsFor+"`")) {
			t.Errorf("docs/health.md row for %s does not say %q and %q: %s", r.Reason, word[r.Judge], r.WaitsFor, row)
		}
	}
}
