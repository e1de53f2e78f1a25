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

package controller

import (
	"fmt"
	"strings"
	"unicode/utf8"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

// maxEventNote is the longest note the API server accepts in an Event
// (events.k8s.io/v1); a longer one is rejected and the Event lost.
const maxEventNote = 1024

// event records an Event on the RestAPI, its note cut to maxEventNote.
func (r *RestAPIReconciler) event(rapi *apiv1.RestAPI, eventType, reason, action, note string) {
	if r.Recorder == nil {
		return
	}
	r.Recorder.Eventf(rapi, nil, eventType, reason, action, "%s", truncateNote(note))
}

// truncateNote cuts s to maxEventNote bytes, on a character boundary,
// marking the cut with an ellipsis.
func truncateNote(s string) string {
	if len(s) <= maxEventNote {
		return s
	}
	const more = "…"
	cut := maxEventNote - len(more)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + more
}

// listNote is prefix followed by items joined with commas, as many as fit in
// an Event note, then how many more there were: a new blue-green RestAPI
// with long names creates 33 objects, well over the limit.
func listNote(prefix string, items []string) string {
	var b strings.Builder
	b.WriteString(prefix)
	for i, it := range items {
		sep := ""
		if i > 0 {
			sep = ", "
		}
		// Room for this item and for the longest possible tail.
		tail := len(fmt.Sprintf(" and %d more", len(items)-i-1))
		if i == len(items)-1 {
			tail = 0
		}
		if b.Len()+len(sep)+len(it)+tail > maxEventNote {
			fmt.Fprintf(&b, " and %d more", len(items)-i)
			return b.String()
		}
		b.WriteString(sep)
		b.WriteString(it)
	}
	return b.String()
}
