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

// Package scope is one reconcile of one RestAPI: what was read at its start
// (the RestAPI, its children, the clock), the status being built, and what
// each phase records for the others and for the end of the reconcile
// (writes made, names kept, failures, the lowest requeue, Events to
// announce). The controller runs the phases over one Scope; the
// sub-reconcilers (internal/bluegreen, internal/health,
// internal/autoscaling) take a Scope and write through its Writer, and none
// of them imports the controller.
package scope

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

// Scope is one reconcile of one RestAPI.
type Scope struct {
	// RestAPI as read at the start; phases do not change it.
	RestAPI *apiv1.RestAPI
	// Children as read at the start, updated with what this reconcile wrote
	// (the API server's answer to each write, a Deployment deleted).
	Children Children
	// Now is the reconcile's clock: every phase decides at the same time.
	Now time.Time
	// Writer writes children; the only way phases write.
	Writer Writer
	// Status is the status being built, starting from the one read. Each
	// phase sets what it owns; the controller adds the summary conditions
	// and writes it once.
	Status apiv1.RestAPIStatus

	// Revision is the revision deployed for the spec, and Held, when an
	// earlier version of the operator rendered it, the colour whose pod
	// templates and ConfigMaps run it and are kept as they are in the
	// cluster (set by the rendering phase, read where colours are rendered;
	// render.DecideRendering).
	Revision string
	Held     *apiv1.Environment

	// Serving is the colour recorded as serving (set by the blue-green
	// phase; the HPAs, disruption budgets and VPAs follow it).
	Serving apiv1.Environment
	// Steady is true when no colour is on its way in or out: the serving
	// colour is the one the Services select and nothing is scaling down
	// (set by the blue-green phase; healing restarts only then).
	Steady bool
	// Floors are the HPA floors predictive scaling raised, by component
	// (set by the prediction phase, read where replicas are chosen).
	Floors Floors
	// Recommended are the serving colour's VPA recommendations, by
	// component, for the resources each VPA controls: what a colour being
	// prepared starts with (set by the recommendations phase while a
	// rollout is due, in update modes that apply them; read where a
	// colour's Deployment is rendered).
	Recommended map[apiv1.ComponentName]corev1.ResourceList

	listed                 map[schema.GroupVersionKind][]*unstructured.Unstructured
	keep                   map[string]bool
	conflicts              []string
	errs                   []error
	made, changed, deleted []string
	requeue                time.Duration
	events                 []Event
	healed                 []string
	measured               []Measurement
}

// New starts the scope of one reconcile.
func New(rapi *apiv1.RestAPI, kids Children, now time.Time, w Writer) *Scope {
	return &Scope{RestAPI: rapi, Children: kids, Now: now, Writer: w, Status: *rapi.Status.DeepCopy(), keep: map[string]bool{}}
}

// Event is an Event to record on the RestAPI once status is written.
type Event struct {
	Warning        bool
	Reason, Action string
	Message        string
}

// Announce records an Event to send after the status write: what status
// says happened is announced then, whatever later steps do.
func (s *Scope) Announce(e Event) { s.events = append(s.events, e) }

// Announcements are the Events recorded with Announce.
func (s *Scope) Announcements() []Event { return s.events }

// Keep marks a child of a kind as wanted: the cleanup phase deletes every
// child the phases did not keep.
func (s *Scope) Keep(kind, name string) { s.keep[kind+"/"+name] = true }

// Kept reports whether a child was marked with Keep.
func (s *Scope) Kept(kind, name string) bool { return s.keep[kind+"/"+name] }

// Record notes what a write of a child did: an error is a failure of the
// reconcile (status says so and it is retried), a name taken by an object
// the operator does not own is a conflict, and creations and updates are
// announced (one Event per kind of write).
func (s *Scope) Record(kind, name string, res Result, err error) {
	switch {
	case err != nil:
		s.Fail(fmt.Errorf("%s %s: %w", kind, name, err))
	case res == Conflict:
		s.conflicts = append(s.conflicts, kind+" "+name)
	case res == Created:
		s.made = append(s.made, kind+" "+name)
	case res == Updated:
		s.changed = append(s.changed, kind+" "+name)
	}
}

// Apply keeps a child, writes desired (see Writer.Apply) and records what
// it did. live is the child as read (nil when there is none). The error is
// recorded already; it is returned for a caller whose next step depends on
// this one.
func (s *Scope) Apply(ctx context.Context, live client.Object, desired any) (Result, error) {
	name := NameOf(desired)
	kind := KindOfApply(desired)
	s.Keep(kind, name)
	res, err := s.Write(ctx, live, desired)
	s.Record(kind, name, res, err)
	return res, err
}

// Write writes desired like Apply, but neither keeps nor records it (a
// phase that announces the write its own way, or not at all). Children
// then hold the child as the API server answered.
func (s *Scope) Write(ctx context.Context, live client.Object, desired any) (Result, error) {
	res, answer, err := s.Writer.Apply(ctx, live, desired)
	if answer != nil {
		s.Children.put(answer)
	}
	return res, err
}

// WriteAs applies a partial object as another field owner (see
// Writer.ApplyAs); Children then hold the child as the API server
// answered.
func (s *Scope) WriteAs(ctx context.Context, fieldOwner string, live client.Object, desired runtime.ApplyConfiguration) error {
	answer, err := s.Writer.ApplyAs(ctx, fieldOwner, live, desired)
	if answer != nil {
		s.Children.put(answer)
	}
	return err
}

// Fail records an error of a phase; the others go on.
func (s *Scope) Fail(err error) {
	if err != nil {
		s.errs = append(s.errs, err)
	}
}

// Failures counts the failures recorded so far: a phase compares it
// before and after a step to know whether that step failed.
func (s *Scope) Failures() int { return len(s.errs) }

// Err joins the failures recorded so far.
func (s *Scope) Err() error { return errors.Join(s.errs...) }

// Conflicts names the children that exist but belong to something else.
func (s *Scope) Conflicts() []string { return s.conflicts }

// Writes are the children created, updated and deleted so far.
func (s *Scope) Writes() (created, updated, deleted []string) { return s.made, s.changed, s.deleted }

// RequeueAfter asks for the RestAPI to be looked at again after d although
// nothing changes; the lowest asked for wins. d <= 0 asks nothing.
func (s *Scope) RequeueAfter(d time.Duration) {
	if d > 0 && (s.requeue == 0 || d < s.requeue) {
		s.requeue = d
	}
}

// Requeue is the lowest requeue asked for; 0: none.
func (s *Scope) Requeue() time.Duration { return s.requeue }

// DeleteUnkept deletes the objects among objs that no phase kept, each
// with a UID precondition, and records what it deleted and could not.
// It is the one cleanup of stale children, for every kind.
func (s *Scope) DeleteUnkept(ctx context.Context, objs []client.Object) {
	for _, o := range objs {
		kind := KindOf(o)
		if s.Kept(kind, o.GetName()) {
			continue
		}
		err := s.Writer.Delete(ctx, o)
		if client.IgnoreNotFound(err) != nil {
			s.Fail(fmt.Errorf("deleting %s %s: %w", kind, o.GetName(), err))
			continue
		}
		s.Children.forget(o)
		if err == nil {
			s.deleted = append(s.deleted, kind+" "+o.GetName())
		}
	}
}

// SetCondition sets a condition in the status being built, observed at the
// RestAPI's generation; its lastTransitionTime moves only when its status
// does.
func (s *Scope) SetCondition(c metav1.Condition) {
	c.ObservedGeneration, c.LastTransitionTime = s.RestAPI.Generation, metav1.NewTime(s.Now)
	setCondition(&s.Status.Conditions, c)
}

// RecordHealing records an automatic healing action in status.healing: the
// one place it is set, by whichever phase acted.
func (s *Scope) RecordHealing(action, message string) {
	s.Status.Healing = &apiv1.HealingStatus{LastAction: action, LastActionTime: metav1.NewTime(s.Now), Message: message}
	s.healed = append(s.healed, action)
}

// Healed lists the healing actions recorded in this reconcile.
func (s *Scope) Healed() []string { return s.healed }

// Measurement is one analysis measurement taken in a reconcile: the
// check's name and its result (success, failure, inconclusive).
type Measurement struct{ Check, Result string }

// RecordMeasurement records an analysis measurement, for the metrics once
// status is written.
func (s *Scope) RecordMeasurement(check, result string) {
	s.measured = append(s.measured, Measurement{Check: check, Result: result})
}

// Measurements lists the analysis measurements taken in this reconcile.
func (s *Scope) Measurements() []Measurement { return s.measured }

// Floors are the HPA floors predictive scaling raised, by component.
type Floors map[apiv1.ComponentName]int32

// Of is the floor of component c: the raised one, else def.
func (f Floors) Of(c apiv1.ComponentName, def int32) int32 {
	if n, ok := f[c]; ok && n > def {
		return n
	}
	return def
}

// NotOwned says that objects of the names the operator needs exist and
// are not the RestAPI's, in a sentence right for one and for many: each
// name carries its kind ("Service shop-view").
func NotOwned(names []string) string {
	if len(names) == 1 {
		return names[0] + " already exists and is not owned by this RestAPI; delete or rename it"
	}
	return strings.Join(names, ", ") + " already exist and are not owned by this RestAPI; delete or rename them"
}

// Kinded puts kind before each name ("HTTPRoute shop-view").
func Kinded(kind string, names []string) []string {
	out := make([]string, 0, len(names))
	for _, n := range names {
		out = append(out, kind+" "+n)
	}
	return out
}
