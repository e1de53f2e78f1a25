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
	"regexp"

	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

// FuzzInput is what the renderer fuzz target varies. Both the fuzz target
// and the envtest that creates the rendered objects of its seed corpus
// build RestAPIs from it.
type FuzzInput struct {
	Name, Image                 string
	ModelPort, ViewPort         uint16
	ControllerPort, RepoPort    uint16
	EnvKey, EnvValue            string
	BlueGreen, Autoscaling      bool
	Disabled                    uint8 // bit i disables component i (repository, model, controller, view)
	StorageSize, MetricsNSLabel string
}

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// RestAPIFromFuzz builds the RestAPI an input describes, or false when the
// CRD's validation would refuse it at admission (so the renderers never see
// it).
func RestAPIFromFuzz(in FuzzInput) (*apiv1.RestAPI, bool) {
	ports := []uint16{in.RepoPort, in.ModelPort, in.ControllerPort, in.ViewPort}
	seen := map[uint16]bool{}
	for _, p := range ports {
		if p == 0 || seen[p] {
			return nil, false
		}
		seen[p] = true
	}
	if len(in.Name) > 44 || len(validation.IsDNS1035Label(in.Name)) > 0 ||
		in.Image == "" || len(in.Image) > 512 || in.Disabled&0xf == 0xf ||
		(in.EnvKey != "" && !envName.MatchString(in.EnvKey)) ||
		(in.MetricsNSLabel != "" && len(validation.IsValidLabelValue(in.MetricsNSLabel)) > 0) {
		return nil, false
	}
	r := &apiv1.RestAPI{
		ObjectMeta: metav1.ObjectMeta{Name: in.Name, Namespace: "fuzz", UID: "00000000-0000-4000-8000-000000000001"},
		Spec: apiv1.RestAPISpec{
			Image:       in.Image,
			BlueGreen:   apiv1.BlueGreenSpec{Enabled: new(in.BlueGreen)},
			AutoScaling: apiv1.AutoScalingSpec{Enabled: new(in.Autoscaling)},
		},
	}
	r.Spec.Repository.Port, r.Spec.Model.Port = int32(in.RepoPort), int32(in.ModelPort)
	r.Spec.Controller.Port, r.Spec.View.Port = int32(in.ControllerPort), int32(in.ViewPort)
	if in.EnvKey != "" {
		r.Spec.EnvVars = map[string]string{in.EnvKey: in.EnvValue}
	}
	for i, spec := range []*apiv1.ComponentSpec{&r.Spec.Repository.ComponentSpec, &r.Spec.Model.ComponentSpec, &r.Spec.Controller.ComponentSpec, &r.Spec.View.ComponentSpec} {
		if in.Disabled&(1<<i) != 0 {
			spec.Enabled = new(false)
		}
	}
	if in.StorageSize != "" {
		if q, err := resource.ParseQuantity(in.StorageSize); err == nil && q.Sign() > 0 {
			r.Spec.Repository.Storage = &apiv1.StorageSpec{Size: q}
		}
	}
	if in.MetricsNSLabel != "" {
		r.Spec.NetworkPolicy.MetricsNamespaceSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"team": in.MetricsNSLabel}}
	}
	return r, true
}
