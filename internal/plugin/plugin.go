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

// Package plugin is the kubectl-restapi plugin: status, list, promote,
// abort, rollback and restart of RestAPIs. cmd/kubectl-restapi parses the
// command line; everything else is here, tested against a real API server.
package plugin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/tracing"
)

// Exit codes of status, like kubectl argo rollouts status.
const (
	ExitOK       = 0
	ExitDegraded = 1
	ExitTimeout  = 2
)

// ErrDegraded and ErrTimeout make status exit non-zero.
var (
	ErrDegraded = errors.New("degraded")
	ErrTimeout  = errors.New("timed out")
)

// FieldManager is the plugin's field owner for the restart annotation.
const FieldManager = "kubectl-restapi"

// Plugin runs the commands against one namespace.
type Plugin struct {
	Client    client.Client
	Namespace string
	Out       io.Writer
	// Poll is how often status --watch looks again.
	Poll time.Duration
}

func (p *Plugin) get(ctx context.Context, name string) (*apiv1.RestAPI, error) {
	var r apiv1.RestAPI
	if err := p.Client.Get(ctx, types.NamespacedName{Namespace: p.Namespace, Name: name}, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// List prints every RestAPI of the namespace: name, phase, active colour,
// ready pods, serving revision, the one being prepared, and the newer
// rendering of the spec waiting (kubectl restapi rerender applies it).
func (p *Plugin) List(ctx context.Context) error {
	var list apiv1.RestAPIList
	if err := p.Client.List(ctx, &list, client.InNamespace(p.Namespace)); err != nil {
		return err
	}
	slices.SortFunc(list.Items, func(a, b apiv1.RestAPI) int { return strings.Compare(a.Name, b.Name) })
	w := tabwriter.NewWriter(p.Out, 0, 4, 2, ' ', 0)
	_, _ = fmt.Fprintln(w, "NAME\tPHASE\tACTIVE\tREADY\tREVISION\tPREVIEW\tRENDERING\tURL")
	for i := range list.Items {
		r := &list.Items[i]
		active, preview := revisions(r)
		_, _ = fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Name, orDash(string(r.Status.Phase)), orDash(string(r.Status.ActiveEnvironment)),
			orDash(r.Status.Ready), orDash(active), orDash(preview), rendering(r), orDash(firstURL(r)))
	}
	return w.Flush()
}

// firstURL is the first stable URL in status, "" when there is none.
func firstURL(r *apiv1.RestAPI) string {
	if u := r.Status.URLs; u != nil && len(u.Stable) > 0 {
		return u.Stable[0]
	}
	return ""
}

func revisions(r *apiv1.RestAPI) (active, preview string) {
	if bg := r.Status.BlueGreen; bg != nil {
		return bg.ActiveRevision, bg.PreviewRevision
	}
	return "", ""
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// Status prints a RestAPI as a tree: the rollout, then each component with
// its colour, ready pods, revision, health and message. With watch it
// prints again on every change until the RestAPI is Available (nil),
// Degraded or Failed (ErrDegraded), or timeout passes (ErrTimeout; 0 means
// no limit). Without watch it returns at once, ErrDegraded when Degraded.
func (p *Plugin) Status(ctx context.Context, name string, watch bool, timeout time.Duration) error {
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	last := ""
	for {
		r, err := p.get(ctx, name)
		if err != nil {
			return err
		}
		if text := tree(r); text != last {
			_, _ = io.WriteString(p.Out, text)
			last = text
		}
		current := r.Status.ObservedGeneration == r.Generation
		switch {
		case current && (r.Status.Phase == apiv1.PhaseDegraded || r.Status.Phase == apiv1.PhaseFailed):
			return fmt.Errorf("%s is %s: %w", name, r.Status.Phase, ErrDegraded)
		case !watch || (current && r.Status.Phase == apiv1.PhaseAvailable && !rollingOut(r)):
			return nil
		case !deadline.IsZero() && time.Now().After(deadline):
			return fmt.Errorf("%s is still %s after %s: %w", name, orDash(string(r.Status.Phase)), timeout, ErrTimeout)
		}
		poll := p.Poll
		if poll == 0 {
			poll = time.Second
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(poll):
		}
	}
}

func rollingOut(r *apiv1.RestAPI) bool {
	bg := r.Status.BlueGreen
	return bg != nil && (bg.State == apiv1.StateQueued || bg.State == apiv1.StateDeploying || bg.State == apiv1.StateAwaitingPromotion ||
		(bg.State == apiv1.StateScalingDown && bg.Reason != "")) // a post-promotion analysis holding the old colour
}

// analysisTree renders the analysis status records, a line per check and
// component with its counts and last measurement.
func analysisTree(b *strings.Builder, a *apiv1.AnalysisStatus) {
	approved := ""
	if a.Approved {
		approved = ", approved"
	}
	fmt.Fprintf(b, "Analysis:  %s of revision %s in %s%s: %s%s (started %s)\n", a.Phase, a.Revision, a.Colour, attempt(a.Attempt), a.Verdict, approved,
		a.StartedAt.UTC().Format(time.RFC3339))
	for i, c := range a.Checks {
		branch := "├──"
		if i == len(a.Checks)-1 {
			branch = "└──"
		}
		fmt.Fprintf(b, "  %s %s on %s: %s, %d succeeded, %d failed, %d inconclusive", branch, c.Name, c.Component, c.Verdict, c.Successes, c.Failures, c.Inconclusive)
		if c.LastValue != "" {
			fmt.Fprintf(b, ", last %s", c.LastValue)
		}
		switch {
		case c.Problem != "":
			fmt.Fprintf(b, "; %s: %s", c.Problem, c.Message)
		case c.Message != "":
			fmt.Fprintf(b, " (%s)", c.Message)
		}
		b.WriteString("\n")
	}
}

// attempt names a preview attempt (status.blueGreen.attempt); nothing
// for a status written before attempts were counted.
func attempt(n int64) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(" (attempt %d)", n)
}

// tree renders the status text.
func tree(r *apiv1.RestAPI) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Name:      %s\nPhase:     %s\nReady:     %s\n", r.Name, orDash(string(r.Status.Phase)), orDash(r.Status.Ready))
	if bg := r.Status.BlueGreen; bg != nil {
		fmt.Fprintf(&b, "Active:    %s (revision %s)\n", orDash(string(r.Status.ActiveEnvironment)), orDash(bg.ActiveRevision))
		if bg.PreviewRevision != "" {
			fmt.Fprintf(&b, "Preview:   revision %s%s\n", bg.PreviewRevision, attempt(bg.Attempt))
		}
		fmt.Fprintf(&b, "Rollout:   %s: %s\n", orDash(string(bg.State)), bg.Message)
		if id := tracing.TraceID(bg.TraceParent); id != "" {
			fmt.Fprintf(&b, "Trace:     %s (the rollout's, in the manager's tracing backend)\n", id)
		}
		if bg.QueuedAt != nil && bg.QueuePosition != nil {
			fmt.Fprintf(&b, "Queued:    since %s, %d ahead\n", bg.QueuedAt.UTC().Format(time.RFC3339), *bg.QueuePosition)
		}
		if bg.WaitingSince != nil {
			fmt.Fprintf(&b, "Waiting:   %s since %s\n", bg.Reason, bg.WaitingSince.UTC().Format(time.RFC3339))
		}
		if bg.Analysis != nil {
			analysisTree(&b, bg.Analysis)
		}
		for _, h := range bg.Hooks {
			fmt.Fprintf(&b, "Hook:      %s (%s) of revision %s%s: %s, Job %s", h.Name, h.Phase, h.Revision, attempt(h.Attempt), h.Result, h.Job)
			switch {
			case h.StartedAt != nil && h.FinishedAt != nil:
				fmt.Fprintf(&b, " (ran %s)", h.FinishedAt.Sub(h.StartedAt.Time))
			case h.StartedAt != nil:
				fmt.Fprintf(&b, " (started %s)", h.StartedAt.UTC().Format(time.RFC3339))
			}
			if h.Message != "" {
				fmt.Fprintf(&b, ": %s", h.Message)
			}
			b.WriteString("\n")
		}
	}
	if rs := r.Status.Rendering; rs != nil && rs.Pending != "" {
		fmt.Fprintf(&b, "Rendering: revision %s runs an earlier operator's rendering; %s is pending (kubectl restapi rerender %s)\n",
			rs.Revision, rs.Pending, r.Name)
	}
	if u := r.Status.URLs; u != nil {
		for _, url := range u.Stable {
			fmt.Fprintf(&b, "URL:       %s\n", url)
		}
		for _, url := range u.Preview {
			fmt.Fprintf(&b, "Preview:   %s (the preview colour)\n", url)
		}
	}
	for _, c := range r.Status.Conditions {
		if c.Type == apiv1.ConditionExposed && c.Status != "True" {
			fmt.Fprintf(&b, "Exposed:   %s: %s\n", c.Reason, c.Message)
		}
		if c.Type == apiv1.ConditionDegraded && c.Status == "True" {
			fmt.Fprintf(&b, "Degraded:  %s: %s\n", c.Reason, c.Message)
		}
	}
	for i, c := range r.Status.Components {
		branch := "├──"
		if i == len(r.Status.Components)-1 {
			branch = "└──"
		}
		fmt.Fprintf(&b, "%s %-10s %-6s %d/%d  rev %-10s %s", branch, c.Name, orDash(string(c.Environment)), c.ReadyReplicas, c.Replicas, orDash(c.Revision), c.Health)
		if c.Health != apiv1.HealthHealthy && c.Message != "" {
			fmt.Fprintf(&b, ": %s", c.Message)
		}
		b.WriteString("\n")
	}
	b.WriteString("\n")
	return b.String()
}

// request sets a request annotation on the RestAPI naming a revision.
func (p *Plugin) request(ctx context.Context, r *apiv1.RestAPI, annotation, revision string) error {
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": map[string]string{annotation: revision}}})
	if err != nil {
		return err
	}
	return p.Client.Patch(ctx, r, client.RawPatch(types.MergePatchType, patch))
}

// Promote approves the revision being prepared.
func (p *Plugin) Promote(ctx context.Context, name string) error {
	r, err := p.get(ctx, name)
	if err != nil {
		return err
	}
	_, preview := revisions(r)
	if bg := r.Status.BlueGreen; preview == "" && bg != nil && bg.Analysis != nil && bg.Analysis.Phase == apiv1.AnalysisPostPromotion &&
		bg.Analysis.Verdict == apiv1.VerdictInconclusive && bg.Analysis.Revision == bg.ActiveRevision {
		// Keeping a revision whose post-promotion analysis could not judge.
		preview = bg.ActiveRevision
	}
	if preview == "" {
		return fmt.Errorf("%s has no revision being prepared: nothing to promote", name)
	}
	if err := p.request(ctx, r, apiv1.AnnotationPromote, preview); err != nil {
		return err
	}
	_, _ = fmt.Fprintf(p.Out, "promotion of revision %s requested\n", preview)
	return nil
}

// Abort stops the revision being prepared; traffic stays.
func (p *Plugin) Abort(ctx context.Context, name string) error {
	r, err := p.get(ctx, name)
	if err != nil {
		return err
	}
	_, preview := revisions(r)
	if preview == "" {
		return fmt.Errorf("%s has no revision being prepared: nothing to abort", name)
	}
	if err := p.request(ctx, r, apiv1.AnnotationAbort, preview); err != nil {
		return err
	}
	_, _ = fmt.Fprintf(p.Out, "abort of revision %s requested\n", preview)
	return nil
}

// Rollback sends traffic back to the previous revision while it is warm.
func (p *Plugin) Rollback(ctx context.Context, name string) error {
	r, err := p.get(ctx, name)
	if err != nil {
		return err
	}
	bg := r.Status.BlueGreen
	if bg == nil || bg.PreviousRevision == "" {
		return fmt.Errorf("%s has no warm previous revision to go back to; apply the old spec to deploy it again", name)
	}
	if err := p.request(ctx, r, apiv1.AnnotationRollback, bg.ActiveRevision); err != nil {
		return err
	}
	_, _ = fmt.Fprintf(p.Out, "rollback from revision %s to %s requested\n", bg.ActiveRevision, bg.PreviousRevision)
	return nil
}

// Restart restarts one component's serving pods with a rolling update, as
// kubectl rollout restart does, under the plugin's own field owner (the
// operator's apply keeps it).
func (p *Plugin) Restart(ctx context.Context, name, component string) error {
	r, err := p.get(ctx, name)
	if err != nil {
		return err
	}
	for _, c := range r.Status.Components {
		if string(c.Name) != component {
			continue
		}
		deployment := r.Name + "-" + component
		if c.Environment != "" {
			deployment += "-" + string(c.Environment)
		}
		var d appsv1.Deployment
		if err := p.Client.Get(ctx, types.NamespacedName{Namespace: p.Namespace, Name: deployment}, &d); err != nil {
			return err
		}
		now := time.Now().UTC().Format(time.RFC3339)
		patch, err := json.Marshal(map[string]any{"spec": map[string]any{"template": map[string]any{"metadata": map[string]any{
			"annotations": map[string]string{"kubectl.kubernetes.io/restartedAt": now}}}}})
		if err != nil {
			return err
		}
		if err := p.Client.Patch(ctx, &d, client.RawPatch(types.StrategicMergePatchType, patch), client.FieldOwner(FieldManager)); err != nil {
			return err
		}
		_, _ = fmt.Fprintf(p.Out, "restarting %s (Deployment %s)\n", component, deployment)
		return nil
	}
	return fmt.Errorf("%s has no running component %q (model, view, controller or repository)", name, component)
}
