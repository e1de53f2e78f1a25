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
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

func baseRestAPI() *apiv1.RestAPI {
	return &apiv1.RestAPI{
		ObjectMeta: metav1.ObjectMeta{Name: "shop", Namespace: "prod", UID: "uid-1"},
		Spec:       apiv1.RestAPISpec{Image: "shop:1"},
	}
}

func component(r *apiv1.RestAPI, name apiv1.ComponentName) apiv1.Component {
	for _, c := range r.Spec.Components() {
		if c.Name == name {
			return c
		}
	}
	panic("no component " + name)
}

func TestResolve(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*apiv1.RestAPI)
		comp   apiv1.ComponentName
		check  func(t *testing.T, s Settings)
	}{
		{"role default port, shared image; autoscaling on by default, starting at its floor", nil, apiv1.ComponentController, func(t *testing.T, s Settings) {
			if s.Port != 8081 || s.Image != "shop:1" || s.Replicas != 2 || s.Autoscaling == nil || s.Autoscaling.MinReplicas != 2 {
				t.Errorf("got port %d image %q replicas %d autoscaling %+v", s.Port, s.Image, s.Replicas, s.Autoscaling)
			}
		}},
		{"autoscaling off: default replicas", func(r *apiv1.RestAPI) {
			r.Spec.AutoScaling.Enabled = new(false)
		}, apiv1.ComponentView, func(t *testing.T, s Settings) {
			if s.Replicas != 2 || s.Autoscaling != nil {
				t.Errorf("replicas %d autoscaling %+v", s.Replicas, s.Autoscaling)
			}
		}},
		{"autoscaling on: the spec's replicas do not apply, the HPA floor does", func(r *apiv1.RestAPI) {
			r.Spec.Replicas = new(int32(3))
			r.Spec.Model.AutoScaling = &apiv1.ComponentAutoScalingSpec{MinReplicas: new(int32(4))}
		}, apiv1.ComponentModel, func(t *testing.T, s Settings) {
			if s.Replicas != 4 {
				t.Errorf("replicas %d, want 4", s.Replicas)
			}
		}},
		{"component image and replicas win", func(r *apiv1.RestAPI) {
			r.Spec.AutoScaling.Enabled = new(false)
			r.Spec.Replicas = new(int32(3))
			r.Spec.Model.Image = "model:2"
			r.Spec.Model.Replicas = new(int32(5))
		}, apiv1.ComponentModel, func(t *testing.T, s Settings) {
			if s.Image != "model:2" || s.Replicas != 5 {
				t.Errorf("got image %q replicas %d", s.Image, s.Replicas)
			}
		}},
		{"RestAPI replicas apply when the component sets none", func(r *apiv1.RestAPI) {
			r.Spec.AutoScaling.Enabled = new(false)
			r.Spec.Replicas = new(int32(3))
		}, apiv1.ComponentRepository, func(t *testing.T, s Settings) {
			if s.Replicas != 3 {
				t.Errorf("replicas %d, want 3", s.Replicas)
			}
		}},
		{"component env wins over shared env, which wins over generated env", func(r *apiv1.RestAPI) {
			r.Spec.EnvVars = map[string]string{"A": "shared", "B": "shared", "PORT": "9"}
			r.Spec.Controller.EnvVars = map[string]string{"B": "own"}
		}, apiv1.ComponentController, func(t *testing.T, s Settings) {
			want := map[string]string{"A": "shared", "B": "own", "PORT": "9", "COMPONENT": "controller"}
			for k, v := range want {
				if s.Env[k] != v {
					t.Errorf("env %s = %q, want %q", k, s.Env[k], v)
				}
			}
		}},
		{"peer URLs name every enabled component's Service in the namespace", func(r *apiv1.RestAPI) {
			r.Spec.Repository.Enabled = new(false)
		}, apiv1.ComponentView, func(t *testing.T, s Settings) {
			want := map[string]string{
				"MODEL_URL":      "http://shop-model.prod.svc:8080",
				"VIEW_URL":       "http://shop-view.prod.svc:3000",
				"CONTROLLER_URL": "http://shop-controller.prod.svc:8081",
			}
			for k, v := range want {
				if s.Env[k] != v {
					t.Errorf("env %s = %q, want %q", k, s.Env[k], v)
				}
			}
			if _, ok := s.Env["REPOSITORY_URL"]; ok {
				t.Error("a disabled peer has a URL")
			}
		}},
		{"envFrom: shared first, then the component's", func(r *apiv1.RestAPI) {
			r.Spec.EnvFrom = []corev1.EnvFromSource{{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "shared"}}}}
			r.Spec.Model.EnvFrom = []corev1.EnvFromSource{{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "own"}}}}
		}, apiv1.ComponentModel, func(t *testing.T, s Settings) {
			if len(s.EnvFrom) != 2 || s.EnvFrom[0].SecretRef.Name != "shared" || s.EnvFrom[1].SecretRef.Name != "own" {
				t.Errorf("envFrom %+v", s.EnvFrom)
			}
		}},
		{"progress deadline from blueGreen, 600s by default", func(r *apiv1.RestAPI) {
			r.Spec.BlueGreen.ProgressDeadlineSeconds = 45
		}, apiv1.ComponentModel, func(t *testing.T, s Settings) {
			if s.ProgressDeadlineSeconds != 45 {
				t.Errorf("progress deadline %d, want 45", s.ProgressDeadlineSeconds)
			}
			if d := Resolve(baseRestAPI(), component(baseRestAPI(), apiv1.ComponentModel), "").ProgressDeadlineSeconds; d != 600 {
				t.Errorf("default progress deadline %d, want 600", d)
			}
		}},
		{"role default resources", nil, apiv1.ComponentView, func(t *testing.T, s Settings) {
			if got := s.Resources.Requests[corev1.ResourceMemory]; got.Cmp(resource.MustParse("384Mi")) != 0 {
				t.Errorf("view memory request %s, want 384Mi", got.String())
			}
		}},
		{"component resources replace the default as a whole", func(r *apiv1.RestAPI) {
			r.Spec.Model.Resources = &corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2")}}
		}, apiv1.ComponentModel, func(t *testing.T, s Settings) {
			if len(s.Resources.Requests) != 0 || s.Resources.Limits.Cpu().String() != "2" {
				t.Errorf("resources %+v", s.Resources)
			}
		}},
		{"probe defaults", nil, apiv1.ComponentModel, func(t *testing.T, s Settings) {
			want := Probes{Enabled: true, LivenessPath: "/health", ReadinessPath: "/health", InitialDelaySeconds: 5, PeriodSeconds: 10, TimeoutSeconds: 2, FailureThreshold: 3}
			if s.Probes != want {
				t.Errorf("probes %+v, want %+v", s.Probes, want)
			}
		}},
		{"RestAPI probe settings, then component overrides field by field", func(r *apiv1.RestAPI) {
			r.Spec.HealthCheck = apiv1.HealthCheckSpec{LivenessPath: "/live", ReadinessPath: "/ready", StartupPath: "/start",
				InitialDelaySeconds: new(int32(1)), PeriodSeconds: new(int32(2)), TimeoutSeconds: new(int32(3)), FailureThreshold: new(int32(4))}
			r.Spec.Repository.HealthCheck = &apiv1.HealthCheckOverrides{ReadinessPath: "/db", PeriodSeconds: new(int32(30))}
		}, apiv1.ComponentRepository, func(t *testing.T, s Settings) {
			want := Probes{Enabled: true, LivenessPath: "/live", ReadinessPath: "/db", StartupPath: "/start", InitialDelaySeconds: 1, PeriodSeconds: 30, TimeoutSeconds: 3, FailureThreshold: 4}
			if s.Probes != want {
				t.Errorf("probes %+v, want %+v", s.Probes, want)
			}
		}},
		{"a component can turn probes off", func(r *apiv1.RestAPI) {
			r.Spec.View.HealthCheck = &apiv1.HealthCheckOverrides{Enabled: new(false)}
		}, apiv1.ComponentView, func(t *testing.T, s Settings) {
			if s.Probes.Enabled {
				t.Error("probes still enabled")
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := baseRestAPI()
			if tt.mutate != nil {
				tt.mutate(r)
			}
			tt.check(t, Resolve(r, component(r, tt.comp), ""))
		})
	}
}

func TestDeployment(t *testing.T) {
	render := func(mutate func(*apiv1.RestAPI)) (*corev1ac.PodSpecApplyConfiguration, *corev1ac.ContainerApplyConfiguration, string, map[string]string) {
		r := baseRestAPI()
		if mutate != nil {
			mutate(r)
		}
		s := Resolve(r, component(r, apiv1.ComponentModel), "")
		rev := Revision(r)
		d := Deployment(r, s, "", rev)
		pod := d.Spec.Template.Spec
		return pod, &pod.Containers[0], rev, d.Spec.Template.Annotations
	}
	_, _, baseRev, baseAnn := render(nil)

	tests := []struct {
		name   string
		mutate func(*apiv1.RestAPI)
		check  func(t *testing.T, pod *corev1ac.PodSpecApplyConfiguration, c *corev1ac.ContainerApplyConfiguration, rev string, ann map[string]string)
	}{
		{"restricted security context", nil, func(t *testing.T, pod *corev1ac.PodSpecApplyConfiguration, c *corev1ac.ContainerApplyConfiguration, _ string, _ map[string]string) {
			sc := c.SecurityContext
			if !*sc.RunAsNonRoot || *sc.AllowPrivilegeEscalation || !*sc.ReadOnlyRootFilesystem ||
				!reflect.DeepEqual(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || *sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
				t.Errorf("container security context not restricted: %+v", sc)
			}
			if !*pod.SecurityContext.RunAsNonRoot || *pod.SecurityContext.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
				t.Errorf("pod security context not restricted: %+v", pod.SecurityContext)
			}
			if *pod.AutomountServiceAccountToken {
				t.Error("service account token mounted")
			}
			if len(c.VolumeMounts) != 1 || *c.VolumeMounts[0].MountPath != "/tmp" || pod.Volumes[0].EmptyDir == nil {
				t.Error("no writable /tmp")
			}
		}},
		{"liveness and readiness probes on the named port, no startup probe by default", nil, func(t *testing.T, _ *corev1ac.PodSpecApplyConfiguration, c *corev1ac.ContainerApplyConfiguration, _ string, _ map[string]string) {
			if c.LivenessProbe == nil || c.ReadinessProbe == nil || c.StartupProbe != nil {
				t.Fatalf("probes: liveness %v readiness %v startup %v", c.LivenessProbe, c.ReadinessProbe, c.StartupProbe)
			}
			if *c.LivenessProbe.HTTPGet.Path != "/health" || *c.LivenessProbe.HTTPGet.Port != intstr.FromString("http") ||
				*c.LivenessProbe.PeriodSeconds != 10 || *c.LivenessProbe.TimeoutSeconds != 2 ||
				*c.LivenessProbe.FailureThreshold != 3 || *c.LivenessProbe.InitialDelaySeconds != 5 {
				t.Errorf("liveness probe %+v", c.LivenessProbe)
			}
		}},
		{"a Pod being removed keeps serving 5 s before it is asked to stop (preStop sleep)", nil,
			func(t *testing.T, _ *corev1ac.PodSpecApplyConfiguration, c *corev1ac.ContainerApplyConfiguration, _ string, _ map[string]string) {
				if c.Lifecycle == nil || c.Lifecycle.PreStop == nil || c.Lifecycle.PreStop.Sleep == nil || *c.Lifecycle.PreStop.Sleep.Seconds != 5 {
					t.Errorf("lifecycle %+v", c.Lifecycle)
				}
			}},
		{"no preStop sleep when the shutdown delay is 0", func(r *apiv1.RestAPI) { r.Spec.ShutdownDelaySeconds = new(int32(0)) },
			func(t *testing.T, _ *corev1ac.PodSpecApplyConfiguration, c *corev1ac.ContainerApplyConfiguration, _ string, _ map[string]string) {
				if c.Lifecycle != nil {
					t.Errorf("lifecycle %+v", c.Lifecycle)
				}
			}},
		{"a startup probe when a startup path is set", func(r *apiv1.RestAPI) { r.Spec.HealthCheck.StartupPath = "/started" },
			func(t *testing.T, _ *corev1ac.PodSpecApplyConfiguration, c *corev1ac.ContainerApplyConfiguration, _ string, _ map[string]string) {
				if c.StartupProbe == nil || *c.StartupProbe.HTTPGet.Path != "/started" {
					t.Errorf("startup probe %+v", c.StartupProbe)
				}
			}},
		{"no probes when health checks are off", func(r *apiv1.RestAPI) { r.Spec.HealthCheck.Enabled = new(false) },
			func(t *testing.T, _ *corev1ac.PodSpecApplyConfiguration, c *corev1ac.ContainerApplyConfiguration, _ string, _ map[string]string) {
				if c.LivenessProbe != nil || c.ReadinessProbe != nil || c.StartupProbe != nil {
					t.Error("probes rendered while disabled")
				}
			}},
		{"env comes from the component's ConfigMap, then Secret references", func(r *apiv1.RestAPI) {
			r.Spec.EnvFrom = []corev1.EnvFromSource{{Prefix: "DB_", SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "db"}, Optional: new(true)}}}
		}, func(t *testing.T, _ *corev1ac.PodSpecApplyConfiguration, c *corev1ac.ContainerApplyConfiguration, _ string, _ map[string]string) {
			if len(c.EnvFrom) != 2 || *c.EnvFrom[0].ConfigMapRef.Name != "shop-model" ||
				*c.EnvFrom[1].SecretRef.Name != "db" || *c.EnvFrom[1].Prefix != "DB_" || !*c.EnvFrom[1].SecretRef.Optional {
				t.Errorf("envFrom %+v", c.EnvFrom)
			}
		}},
		{"command, args and pull secrets", func(r *apiv1.RestAPI) {
			r.Spec.Model.Command = []string{"/app"}
			r.Spec.Model.Args = []string{"--serve"}
			r.Spec.ImagePullSecrets = []corev1.LocalObjectReference{{Name: "regcred"}}
		}, func(t *testing.T, pod *corev1ac.PodSpecApplyConfiguration, c *corev1ac.ContainerApplyConfiguration, _ string, _ map[string]string) {
			if !reflect.DeepEqual(c.Command, []string{"/app"}) || !reflect.DeepEqual(c.Args, []string{"--serve"}) || *pod.ImagePullSecrets[0].Name != "regcred" {
				t.Errorf("command %v args %v pull secrets %v", c.Command, c.Args, pod.ImagePullSecrets)
			}
		}},
		{"a config change changes the config hash and the revision", func(r *apiv1.RestAPI) { r.Spec.EnvVars = map[string]string{"X": "1"} },
			func(t *testing.T, _ *corev1ac.PodSpecApplyConfiguration, _ *corev1ac.ContainerApplyConfiguration, rev string, ann map[string]string) {
				if ann[apiv1.AnnotationConfigHash] == baseAnn[apiv1.AnnotationConfigHash] || rev == baseRev {
					t.Error("config change did not change the hash and the revision")
				}
			}},
		{"an image change changes the revision, not the config hash", func(r *apiv1.RestAPI) { r.Spec.Image = "shop:2" },
			func(t *testing.T, _ *corev1ac.PodSpecApplyConfiguration, _ *corev1ac.ContainerApplyConfiguration, rev string, ann map[string]string) {
				if ann[apiv1.AnnotationConfigHash] != baseAnn[apiv1.AnnotationConfigHash] || rev == baseRev {
					t.Error("image change: wrong hash or revision")
				}
			}},
		{"an unrelated field leaves the revision alone", func(r *apiv1.RestAPI) { r.Spec.BlueGreen.ScaleDownDelaySeconds = new(int32(99)) },
			func(t *testing.T, _ *corev1ac.PodSpecApplyConfiguration, _ *corev1ac.ContainerApplyConfiguration, rev string, _ map[string]string) {
				if rev != baseRev {
					t.Error("revision changed")
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pod, c, rev, ann := render(tt.mutate)
			tt.check(t, pod, c, rev, ann)
		})
	}
}

func TestDesired(t *testing.T) {
	r := baseRestAPI()
	r.Spec.Model.Enabled = new(false)
	got := Desired(r, "")
	names := make([]apiv1.ComponentName, 0, len(got))
	for _, c := range got {
		names = append(names, c.Settings.Name)
		for _, obj := range []struct {
			name   *string
			labels map[string]string
			owners int
		}{
			{c.ConfigMap.Name, c.ConfigMap.Labels, len(c.ConfigMap.OwnerReferences)},
			{c.Deployment.Name, c.Deployment.Labels, len(c.Deployment.OwnerReferences)},
		} {
			if obj.owners != 1 {
				t.Errorf("%s: %d owner references", *obj.name, obj.owners)
			}
			for _, l := range []string{apiv1.LabelName, apiv1.LabelInstance, apiv1.LabelComponent, apiv1.LabelManagedBy, apiv1.LabelPartOf} {
				if obj.labels[l] == "" {
					t.Errorf("%s: no label %s", *obj.name, l)
				}
			}
		}
		if rev := Revision(r); c.Deployment.Spec.Template.Labels[apiv1.LabelRevision] != rev || c.Deployment.Labels[apiv1.LabelRevision] != rev {
			t.Errorf("%s: revision labels %q/%q, want %q", c.Settings.Name, c.Deployment.Labels[apiv1.LabelRevision], c.Deployment.Spec.Template.Labels[apiv1.LabelRevision], rev)
		}
	}
	want := []apiv1.ComponentName{apiv1.ComponentRepository, apiv1.ComponentController, apiv1.ComponentView}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("components %v, want %v (promotion order, disabled skipped)", names, want)
	}
	owner := got[0].Deployment.OwnerReferences[0]
	if *owner.Kind != "RestAPI" || *owner.Name != "shop" || *owner.UID != "uid-1" || !*owner.Controller || !*owner.BlockOwnerDeletion {
		t.Errorf("owner reference %+v", owner)
	}
}

func TestService(t *testing.T) {
	r := baseRestAPI()
	s := Services(r, "", "", false)
	if len(s) != 4 {
		t.Fatalf("%d Services without blue-green, want 4", len(s))
	}
	for _, svc := range s {
		if *svc.Name != "shop-controller" {
			continue
		}
		p := svc.Spec.Ports[0]
		if *p.Port != 8081 || *p.TargetPort != intstr.FromString("http") || *svc.Spec.Type != corev1.ServiceTypeClusterIP {
			t.Errorf("service %+v", svc)
		}
		if _, ok := svc.Spec.Selector[apiv1.LabelEnvironment]; ok {
			t.Errorf("stable Service without blue-green selects a colour: %v", svc.Spec.Selector)
		}
	}
}

func TestNamesFitAtTheLongestAllowedName(t *testing.T) {
	r := baseRestAPI()
	r.Name = "a23456789012345678901234567890123456789012ab"[:apiv1.MaxNameLength]
	if n := len(ChildName(r, apiv1.ComponentRepository) + "-preview"); n > 63 {
		t.Errorf("longest derived Service name is %d characters", n)
	}
}

func TestColours(t *testing.T) {
	r := baseRestAPI()
	blueComps := Desired(r, apiv1.EnvironmentBlue)
	for _, c := range blueComps {
		d := c.Deployment
		if *d.Name != "shop-"+string(c.Settings.Name)+"-blue" || *c.ConfigMap.Name != "shop-"+string(c.Settings.Name)+"-blue" {
			t.Errorf("names %s %s", *d.Name, *c.ConfigMap.Name)
		}
		if d.Spec.Selector.MatchLabels[apiv1.LabelEnvironment] != "blue" || d.Spec.Template.Labels[apiv1.LabelEnvironment] != "blue" {
			t.Errorf("%s does not select and label its colour", *d.Name)
		}
		if got := *d.Spec.Template.Spec.Containers[0].EnvFrom[0].ConfigMapRef.Name; got != *c.ConfigMap.Name {
			t.Errorf("%s reads ConfigMap %s", *d.Name, got)
		}
		if got := c.ConfigMap.Data["MODEL_URL"]; got != "http://shop-model-blue.prod.svc:8080" {
			t.Errorf("%s: MODEL_URL %s, want the blue peer", *d.Name, got)
		}
	}
	legacy := Desired(r, "")[0].Deployment.Spec.Selector
	if len(legacy.MatchExpressions) != 1 || *legacy.MatchExpressions[0].Key != apiv1.LabelEnvironment ||
		*legacy.MatchExpressions[0].Operator != metav1.LabelSelectorOpDoesNotExist {
		t.Errorf("single-colour selector %+v must exclude every colour's pods", legacy)
	}
	if Revision(r) != Desired(r, apiv1.EnvironmentGreen)[0].Deployment.Labels[apiv1.LabelRevision] ||
		Revision(r) != blueComps[0].Deployment.Labels[apiv1.LabelRevision] {
		t.Error("the revision depends on the colour")
	}

	svcs := Services(r, apiv1.EnvironmentGreen, apiv1.EnvironmentBlue, true)
	if len(svcs) != 16 {
		t.Fatalf("%d Services with blue-green, want 16", len(svcs))
	}
	wantStable := []string{"shop-repository", "shop-model", "shop-controller", "shop-view"}
	for i, name := range wantStable {
		s := svcs[i]
		if *s.Name != name || s.Spec.Selector[apiv1.LabelEnvironment] != "green" {
			t.Errorf("Service %d is %s selecting %v; want %s selecting green (promotion order)", i, *s.Name, s.Spec.Selector, name)
		}
	}
	for _, s := range svcs {
		if len(s.Spec.Selector) < 2 || s.Spec.Selector[apiv1.LabelInstance] != "shop" {
			t.Errorf("Service %s has selector %v", *s.Name, s.Spec.Selector)
		}
		switch {
		case strings.HasSuffix(*s.Name, "-preview"):
			if s.Spec.Selector[apiv1.LabelEnvironment] != "blue" {
				t.Errorf("preview %s selects %v", *s.Name, s.Spec.Selector)
			}
		case strings.HasSuffix(*s.Name, "-blue"), strings.HasSuffix(*s.Name, "-green"):
			colour := (*s.Name)[strings.LastIndex(*s.Name, "-")+1:]
			if s.Spec.Selector[apiv1.LabelEnvironment] != colour || s.Labels[apiv1.LabelEnvironment] != colour {
				t.Errorf("per-colour %s selects %v", *s.Name, s.Spec.Selector)
			}
		}
	}
}

func TestRepositoryStorage(t *testing.T) {
	r := baseRestAPI()
	if Claim(r) != nil {
		t.Fatal("a claim without spec.repository.storage")
	}
	class := "fast"
	r.Spec.Repository.Storage = &apiv1.StorageSpec{Size: resource.MustParse("10Gi"), StorageClassName: &class, MountPath: "/var/lib/repo"}
	c := Claim(r)
	if *c.Name != "shop-repository-data" || len(c.OwnerReferences) != 0 || c.Labels[apiv1.LabelInstance] != "shop" {
		t.Errorf("claim %s owners %v labels %v", *c.Name, c.OwnerReferences, c.Labels)
	}
	if c.Spec.AccessModes[0] != corev1.ReadWriteOnce || *c.Spec.StorageClassName != "fast" ||
		!c.Spec.Resources.Requests.Storage().Equal(resource.MustParse("10Gi")) {
		t.Errorf("claim spec %+v", c.Spec)
	}
	r.Spec.Repository.Storage.AccessMode = corev1.ReadWriteMany
	if Claim(r).Spec.AccessModes[0] != corev1.ReadWriteMany {
		t.Error("access mode not passed")
	}

	for _, comp := range Desired(r, apiv1.EnvironmentBlue) {
		pod := comp.Deployment.Spec.Template.Spec
		mounts := make([]string, 0, len(pod.Containers[0].VolumeMounts))
		for _, m := range pod.Containers[0].VolumeMounts {
			mounts = append(mounts, *m.MountPath)
		}
		if comp.Settings.Name != apiv1.ComponentRepository {
			if len(pod.Volumes) != 1 || pod.SecurityContext.FSGroup != nil {
				t.Errorf("%s has volumes %d, fsGroup %v", comp.Settings.Name, len(pod.Volumes), pod.SecurityContext.FSGroup)
			}
			continue
		}
		if len(pod.Volumes) != 2 || *pod.Volumes[1].PersistentVolumeClaim.ClaimName != "shop-repository-data" {
			t.Errorf("repository volumes %+v", pod.Volumes)
		}
		if len(mounts) != 2 || mounts[1] != "/var/lib/repo" || *pod.SecurityContext.FSGroup != StorageGroup {
			t.Errorf("repository mounts %v fsGroup %v", mounts, pod.SecurityContext.FSGroup)
		}
	}

	r.Spec.Repository.Enabled = new(false)
	if Claim(r) != nil {
		t.Error("a claim for a disabled repository")
	}
}

func TestPodSecurity(t *testing.T) {
	r := baseRestAPI()
	restricted := func(t *testing.T, pod *corev1ac.PodSpecApplyConfiguration) {
		t.Helper()
		sc := pod.Containers[0].SecurityContext
		if !*pod.SecurityContext.RunAsNonRoot || *pod.SecurityContext.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault ||
			*sc.AllowPrivilegeEscalation || sc.Capabilities.Drop[0] != "ALL" || !*sc.RunAsNonRoot {
			t.Errorf("not restricted: pod %+v container %+v", pod.SecurityContext, sc)
		}
	}
	pod := Desired(r, "")[0].Deployment.Spec.Template.Spec
	restricted(t, pod)
	if !*pod.Containers[0].SecurityContext.ReadOnlyRootFilesystem || pod.SecurityContext.RunAsUser != nil || pod.SecurityContext.FSGroup != nil {
		t.Errorf("defaults: %+v %+v", pod.SecurityContext, pod.Containers[0].SecurityContext)
	}

	r.Spec.PodSecurity = &apiv1.PodSecuritySpec{RunAsUser: new(int64(1000)), RunAsGroup: new(int64(2000)), FSGroup: new(int64(3000)), ReadOnlyRootFilesystem: new(false)}
	r.Spec.Repository.Storage = &apiv1.StorageSpec{Size: resource.MustParse("1Gi")}
	for _, c := range Desired(r, "") {
		pod := c.Deployment.Spec.Template.Spec
		restricted(t, pod)
		if *pod.SecurityContext.RunAsUser != 1000 || *pod.SecurityContext.RunAsGroup != 2000 || *pod.SecurityContext.FSGroup != 3000 ||
			*pod.Containers[0].SecurityContext.ReadOnlyRootFilesystem {
			t.Errorf("%s: adjusted settings not applied: %+v %+v", c.Settings.Name, pod.SecurityContext, pod.Containers[0].SecurityContext)
		}
	}
}

func TestPDB(t *testing.T) {
	r := baseRestAPI()
	p := PDB(r, apiv1.ComponentModel, apiv1.EnvironmentGreen)
	if *p.Name != "shop-model" || p.Spec.MaxUnavailable.IntVal != 1 || len(p.OwnerReferences) != 1 {
		t.Errorf("pdb %s maxUnavailable %v owners %v", *p.Name, p.Spec.MaxUnavailable, p.OwnerReferences)
	}
	want := map[string]string{apiv1.LabelInstance: "shop", apiv1.LabelComponent: "model", apiv1.LabelEnvironment: "green"}
	if !maps.Equal(p.Spec.Selector.MatchLabels, want) {
		t.Errorf("selects %v, want the serving colour's model pods %v", p.Spec.Selector.MatchLabels, want)
	}
}

func TestObservability(t *testing.T) {
	r := baseRestAPI()
	tmpl := Desired(r, apiv1.EnvironmentBlue)[1].Deployment.Spec.Template // model
	want := map[string]string{"prometheus.io/scrape": "true", "prometheus.io/port": "8080", "prometheus.io/path": "/metrics"}
	for k, v := range want {
		if tmpl.Annotations[k] != v {
			t.Errorf("annotation %s=%q, want %q", k, tmpl.Annotations[k], v)
		}
	}
	if len(tmpl.Spec.Containers[0].Env) != 0 {
		t.Errorf("tracing env without an endpoint: %v", tmpl.Spec.Containers[0].Env)
	}

	r.Spec.Observability.Metrics = apiv1.MetricsSpec{Enabled: new(false)}
	r.Spec.Observability.Tracing = &apiv1.TracingSpec{Endpoint: "http://otel.observability:4317"}
	tmpl = Desired(r, apiv1.EnvironmentBlue)[1].Deployment.Spec.Template
	if _, ok := tmpl.Annotations["prometheus.io/scrape"]; ok {
		t.Error("scrape annotations while metrics are off")
	}
	env := map[string]string{}
	refs := map[string]string{}
	for _, e := range tmpl.Spec.Containers[0].Env {
		if e.Value != nil {
			env[*e.Name] = *e.Value
		}
		if e.ValueFrom != nil {
			refs[*e.Name] = *e.ValueFrom.FieldRef.FieldPath
		}
	}
	if env["OTEL_EXPORTER_OTLP_ENDPOINT"] != "http://otel.observability:4317" || env["OTEL_SERVICE_NAME"] != "shop-model" ||
		env["OTEL_EXPORTER_OTLP_PROTOCOL"] != "grpc" ||
		env["OTEL_RESOURCE_ATTRIBUTES"] != "k8s.namespace.name=prod,service.namespace=shop,deployment.environment=$(RESTAPI_COLOUR),service.version=$(RESTAPI_REVISION)" {
		t.Errorf("tracing env %v", env)
	}
	if refs["RESTAPI_REVISION"] != "metadata.labels['apps.restapi.dev/revision']" || refs["RESTAPI_COLOUR"] != "metadata.labels['apps.restapi.dev/environment']" {
		t.Errorf("downward API refs %v", refs)
	}
}

func TestPodMonitor(t *testing.T) {
	r := baseRestAPI()
	if PodMonitorsWanted(r) {
		t.Error("PodMonitors are opt-in")
	}
	r.Spec.Observability.Metrics = apiv1.MetricsSpec{PodMonitor: true, Path: "/stats"}
	if !PodMonitorsWanted(r) {
		t.Error("asked for, not wanted")
	}
	u := PodMonitor(r, apiv1.ComponentView)
	ep := u.Object["spec"].(map[string]any)["podMetricsEndpoints"].([]any)[0].(map[string]any)
	if u.GetName() != "shop-view" || ep["port"] != PortName || ep["path"] != "/stats" || len(u.GetOwnerReferences()) != 1 {
		t.Errorf("pod monitor %v", u.Object)
	}
	r.Spec.Observability.Metrics.Enabled = new(false)
	if PodMonitorsWanted(r) {
		t.Error("metrics off, PodMonitors still wanted")
	}
}

func TestPreviewReplicas(t *testing.T) {
	r := &apiv1.RestAPI{}
	if got := PreviewReplicas(r, 6); got != 6 {
		t.Errorf("unset: %d, want the full size", got)
	}
	for _, tt := range []struct {
		v          intstr.IntOrString
		full, want int32
	}{
		{intstr.FromInt32(1), 6, 1},
		{intstr.FromInt32(9), 6, 6},
		{intstr.FromString("25%"), 6, 2}, // 1.5 rounded up
		{intstr.FromString("1%"), 6, 1},
		{intstr.FromString("100%"), 6, 6},
		{intstr.FromString("50%"), 1, 1},
		{intstr.FromString("50%"), 0, 0}, // scaled to zero stays zero
	} {
		r.Spec.BlueGreen.PreviewReplicas = &tt.v
		if got := PreviewReplicas(r, tt.full); got != tt.want {
			t.Errorf("%s of %d: %d, want %d", tt.v.String(), tt.full, got, tt.want)
		}
	}
}
