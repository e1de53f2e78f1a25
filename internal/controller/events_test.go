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
	"testing"
	"unicode/utf8"
)

func TestListNoteFitsAnEvent(t *testing.T) {
	items := make([]string, 0, 33)
	for i := range 33 {
		items = append(items, fmt.Sprintf("Deployment %s-%02d", strings.Repeat("n", 44), i))
	}
	got := listNote("Created ", items)
	if len(got) > maxEventNote {
		t.Fatalf("note is %d bytes, limit %d", len(got), maxEventNote)
	}
	var shown, more int
	head, tail, ok := strings.Cut(got, " and ")
	if !ok {
		t.Fatalf("no count of what did not fit: %q", got)
	}
	if _, err := fmt.Sscanf(tail, "%d more", &more); err != nil {
		t.Fatalf("tail %q: %v", tail, err)
	}
	shown = len(strings.Split(strings.TrimPrefix(head, "Created "), ", "))
	if shown+more != len(items) {
		t.Fatalf("%d shown + %d more != %d items: %q", shown, more, len(items), got)
	}
	if !strings.HasSuffix(head, items[shown-1]) {
		t.Fatalf("an item was cut in half: %q", head)
	}

	short := listNote("Created ", items[:3])
	if want := "Created " + strings.Join(items[:3], ", "); short != want {
		t.Fatalf("a short list is unchanged: got %q, want %q", short, want)
	}
	// Exactly at the limit: nothing is cut.
	exact := []string{strings.Repeat("x", maxEventNote-len("Created "))}
	if got := listNote("Created ", exact); len(got) != maxEventNote || strings.Contains(got, " more") {
		t.Fatalf("a note of exactly %d bytes was changed: %d bytes", maxEventNote, len(got))
	}
}

func TestTruncateNoteCutsOnACharacterBoundary(t *testing.T) {
	if got := truncateNote("short"); got != "short" {
		t.Fatalf("got %q", got)
	}
	long := strings.Repeat("é", maxEventNote) // two bytes each
	got := truncateNote(long)
	if len(got) > maxEventNote || !utf8.ValidString(got) || !strings.HasSuffix(got, "…") {
		t.Fatalf("%d bytes, valid UTF-8 %v, ends %q", len(got), utf8.ValidString(got), got[len(got)-6:])
	}
}
