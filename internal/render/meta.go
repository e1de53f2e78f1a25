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

// Package render turns a RestAPI into the apply configurations of its
// children. It is pure: spec in, apply configurations out, no cluster access.
package render

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"

	metav1ac "k8s.io/client-go/applyconfigurations/meta/v1"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

// ChildName is the name of a component's stable Service, and of its
// Deployment when blue-green is off.
func ChildName(r *apiv1.RestAPI, c apiv1.ComponentName) string {
	return r.Name + "-" + string(c)
}

// ColourName is the name of a component's Deployment and per-colour Service
// in one colour: "<name>-<component>-<colour>", or ChildName without a colour.
func ColourName(r *apiv1.RestAPI, c apiv1.ComponentName, colour apiv1.Environment) string {
	if colour == "" {
		return ChildName(r, c)
	}
	return ChildName(r, c) + "-" + string(colour)
}

// PreviewName is the name of a component's preview Service.
func PreviewName(r *apiv1.RestAPI, c apiv1.ComponentName) string {
	return ChildName(r, c) + "-preview"
}

// ConfigMapName is the name of a component's ConfigMap in one colour.
func ConfigMapName(r *apiv1.RestAPI, c apiv1.ComponentName, colour apiv1.Environment) string {
	return ColourName(r, c, colour)
}

// SelectorLabels select the pods of one component of one RestAPI, of one
// colour when colour is set, of every colour otherwise.
func SelectorLabels(r *apiv1.RestAPI, c apiv1.ComponentName, colour apiv1.Environment) map[string]string {
	l := map[string]string{
		apiv1.LabelInstance:  r.Name,
		apiv1.LabelComponent: string(c),
	}
	if colour != "" {
		l[apiv1.LabelEnvironment] = string(colour)
	}
	return l
}

// InstanceLabels select every child of one RestAPI.
func InstanceLabels(r *apiv1.RestAPI) map[string]string {
	return map[string]string{
		apiv1.LabelInstance:  r.Name,
		apiv1.LabelManagedBy: apiv1.ManagedBy,
	}
}

// Labels are the recommended labels every child of a component carries, plus
// the colour of colour-specific children.
func Labels(r *apiv1.RestAPI, c apiv1.ComponentName, colour apiv1.Environment) map[string]string {
	l := InstanceLabels(r)
	maps.Copy(l, SelectorLabels(r, c, colour))
	l[apiv1.LabelName] = apiv1.AppName
	l[apiv1.LabelPartOf] = r.Name
	return l
}

// OwnerReference makes the RestAPI the controller of a child, so deleting it
// removes the child through garbage collection.
func OwnerReference(r *apiv1.RestAPI) *metav1ac.OwnerReferenceApplyConfiguration {
	return metav1ac.OwnerReference().
		WithAPIVersion(apiv1.GroupVersion.String()).
		WithKind("RestAPI").
		WithName(r.Name).
		WithUID(r.UID).
		WithController(true).
		WithBlockOwnerDeletion(true)
}

// hash is a short, stable hash of v's JSON encoding (maps encode sorted).
func hash(v any, n int) string {
	b, err := json.Marshal(v)
	if err != nil {
		// Only plain data reaches here; a failure is a programming error.
		panic(fmt.Sprintf("render: cannot hash %T: %v", v, err))
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])[:n]
}
