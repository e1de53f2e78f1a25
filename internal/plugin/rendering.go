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

package plugin

import (
	"context"
	"fmt"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

// rendering is list's RENDERING column: "current", "pending <revision>"
// while the pods run an earlier operator's rendering of the spec, "-"
// before the operator recorded it.
func rendering(r *apiv1.RestAPI) string {
	switch rs := r.Status.Rendering; {
	case rs == nil:
		return "-"
	case rs.Pending != "":
		return "pending " + rs.Pending
	default:
		return "current"
	}
}

// Rerender applies the newer rendering of the spec waiting since an
// operator upgrade: a rollout like any other.
func (p *Plugin) Rerender(ctx context.Context, name string) error {
	r, err := p.get(ctx, name)
	if err != nil {
		return err
	}
	rs := r.Status.Rendering
	if rs == nil || rs.Pending == "" {
		return fmt.Errorf("%s runs this operator's rendering of its spec: nothing to rerender", name)
	}
	if err := p.request(ctx, r, apiv1.AnnotationApplyRendering, rs.Pending); err != nil {
		return err
	}
	_, _ = fmt.Fprintf(p.Out, "the newer rendering %s of revision %s requested\n", rs.Pending, rs.Revision)
	return nil
}
