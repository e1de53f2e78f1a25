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

package bluegreen

import (
	"context"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/render"
	"github.com/restapi-operator/restapi-operator/internal/scope"
)

// +kubebuilder:rbac:groups=batch,resources=jobs,verbs=get;list;watch;create;patch;delete

// HookAttemptsKept is how many attempts' finished hook Jobs are kept (the
// latest ones, for a person to read their logs); older finished Jobs are
// deleted with their Pods. A Job that has not finished is never deleted.
const HookAttemptsKept = 3

// runHookJobs creates the hook Jobs the plan asks for (a Job is created
// once and never written again: the Job is the record), and keeps from the
// cleanup every hook Job that runs, or belongs to one of the last
// HookAttemptsKept attempts; runs are the Jobs as the decision read them.
func runHookJobs(ctx context.Context, s *scope.Scope, plan Plan, runs map[string]HookRun) {
	rapi := s.RestAPI
	for _, h := range plan.RunHooks {
		job := render.HookJob(rapi, h.Hook, h.Colour, h.Revision, h.Attempt)
		if job == nil || s.Children.Jobs[*job.Name] != nil {
			continue
		}
		_, _ = s.Apply(ctx, nil, job)
	}
	attempt := int64(0)
	if plan.Status != nil {
		attempt = plan.Status.Attempt
	}
	for name := range s.Children.Jobs {
		// A Job that is not a hook's (no hook label) is not this
		// collection's to delete.
		run, ok := runs[name]
		if !ok || run.Result == apiv1.HookRunning || run.Attempt > attempt-HookAttemptsKept {
			s.Keep("Job", name)
		}
	}
}
