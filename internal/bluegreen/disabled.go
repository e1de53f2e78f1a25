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

import apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"

// Blue-green off: the decision when spec.blueGreen.enabled is false.

// decideDisabled: one Deployment per component, rolled in place. The stable
// Services select no colour, so they keep every colour's ready pods while the
// single-colour Deployments come up; the colours go once those are ready.
func decideDisabled(in Input) Plan {
	p := Plan{Active: Legacy, Preview: Legacy, Serving: Legacy, Actions: map[Colour]Action{Legacy: Render}}
	legacy := in.States[Legacy]
	if legacy.Revision == in.DesiredRevision && legacy.Ready && in.DeployedRevision != in.DesiredRevision {
		// Rolled in place: the revision serves once its rolling update
		// finished; status remembers which, so a scale-up is no deployment.
		p.Deployed, p.DeployedRevision = true, in.DesiredRevision
	}
	anyColour := false
	for _, c := range Colours {
		if in.States[c].Exists {
			anyColour = true
		}
	}
	if !anyColour {
		return p
	}
	if legacy.Revision == in.DesiredRevision && legacy.Ready {
		for _, c := range Colours {
			p.Actions[c] = Delete
		}
		p.Events = append(p.Events, Event{Reason: apiv1.EventBlueGreenDisabled, Action: "Migrate",
			Message: "Blue-green is off: the single-colour Deployments serve; removed the colours"})
		return p
	}
	// Keep the colours (and their Services) until the single set is ready.
	st := in.Status
	if st.WaitingSince != nil {
		st.Reason, st.WaitingSince = "", nil
	}
	st.State = apiv1.StateDeploying
	st.Message = "blue-green is off: waiting for the single-colour Deployments before removing the colours"
	p.Status = &st
	p.Preview = Other(in.Active)
	if in.HasActive {
		p.Serving = in.Active
	}
	return p
}
