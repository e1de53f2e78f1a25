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

package autoscaling

import (
	"strings"
	"testing"
	"time"
)

// monday is a Monday, 00:00 UTC.
var monday = time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)

// demand is a synthetic week: 2 replicas, 8 from 09:00 to 10:00 on
// weekdays, and 12 on Friday from 17:00 to 18:00.
func demand(t time.Time) int32 {
	wd, h := t.Weekday(), t.Hour()
	switch {
	case wd == time.Friday && h == 17:
		return 12
	case wd >= time.Monday && wd <= time.Friday && h == 9:
		return 8
	default:
		return 2
	}
}

// week records demand every 5 minutes for a week from monday.
func week() Series {
	s := NewSeries()
	for t := monday; t.Before(monday.Add(7 * 24 * time.Hour)); t = t.Add(5 * time.Minute) {
		s.Record(t, demand(t))
	}
	return s
}

func TestPredictRaisesTheFloorBeforeAPeakAndLowersItAfter(t *testing.T) {
	s := week()
	next := monday.Add(7 * 24 * time.Hour) // the Monday after the recorded week
	lead := 15 * time.Minute
	tests := []struct {
		at   time.Duration // after next Monday 00:00
		want int32
		why  string
	}{
		{8*time.Hour + 30*time.Minute, 2, ""},
		{8*time.Hour + 45*time.Minute, 8, "09:00 UTC"}, // 15 minutes ahead of the peak
		{9*time.Hour + 30*time.Minute, 8, ""},
		{10*time.Hour + 15*time.Minute, 2, ""},                                         // after the peak
		{4*24*time.Hour + 16*time.Hour + 50*time.Minute, 12, "same weekday last week"}, // Friday 16:50: the weekly peak
		{5*24*time.Hour + 8*time.Hour + 50*time.Minute, 8, "on 5 of the last 6 days"},  // Saturday 08:50: five weekdays in a row
	}
	for _, tt := range tests {
		now := next.Add(tt.at)
		// Keep recording up to now, as the operator would.
		s := s
		s.Values = append([]int32(nil), s.Values...)
		for x := next; !x.After(now); x = x.Add(5 * time.Minute) {
			s.Record(x, demand(x))
		}
		p := Predict(s, now, lead)
		if p.Replicas != tt.want || !strings.Contains(p.Reason, tt.why) {
			t.Errorf("%s: predicted %d (%s), want %d (%s)", now.Format("Mon 15:04"), p.Replicas, p.Reason, tt.want, tt.why)
		}
	}
}

func TestFloorNeverAboveMaxNorBelowMin(t *testing.T) {
	tests := []struct {
		predicted, min, max, want int32
	}{
		{12, 1, 10, 10},
		{0, 2, 10, 2},
		{5, 2, 10, 5},
		{1, 2, 10, 2},
	}
	for _, tt := range tests {
		if got := Floor(Prediction{Replicas: tt.predicted}, tt.min, tt.max); got != tt.want {
			t.Errorf("Floor(%d, %d, %d) = %d, want %d", tt.predicted, tt.min, tt.max, got, tt.want)
		}
	}
}

func TestARaisedFloorIsNotRecordedAsDemand(t *testing.T) {
	// Week 1: a real peak of 8 at 09:00 on Monday only.
	s := NewSeries()
	specMin := int32(1)
	for t := monday; t.Before(monday.Add(7 * 24 * time.Hour)); t = t.Add(5 * time.Minute) {
		n := int32(1)
		if t.Hour() == 9 && t.Weekday() == time.Monday {
			n = 8
		}
		s.Record(t, n)
	}
	// Week 2: no demand at all, but the floor raised for Monday 09:00 holds
	// the HPA at 8 then: what is recorded must not be 8.
	for t := monday.Add(7 * 24 * time.Hour); t.Before(monday.Add(14 * 24 * time.Hour)); t = t.Add(5 * time.Minute) {
		floor := Floor(Predict(s, t, 15*time.Minute), specMin, 10)
		desired := max(floor, 1) // the HPA never goes below its floor
		s.Record(t, Observed(desired, floor, specMin))
	}
	// Week 3: nothing predicts Monday 09:00 any more.
	if p := Predict(s, monday.Add(14*24*time.Hour+8*time.Hour+50*time.Minute), 15*time.Minute); p.Replicas > specMin {
		t.Errorf("the raised floor fed itself: predicted %d (%s)", p.Replicas, p.Reason)
	}
	if got := Observed(12, 8, 1); got != 12 {
		t.Errorf("demand above the raised floor is recorded as it is: got %d", got)
	}
}

func TestSeriesRoundTripAndSizeBound(t *testing.T) {
	s := week()
	back, err := ParseSeries(s.String())
	if err != nil || back.Last != s.Last {
		t.Fatalf("round trip: %v, last %d vs %d", err, back.Last, s.Last)
	}
	for i := range s.Values {
		if back.Values[i] != s.Values[i] {
			t.Fatalf("slot %d: %d vs %d", i, back.Values[i], s.Values[i])
		}
	}
	// The worst case: four components, every bucket at the largest
	// maxReplicas the API allows (1000), must stay far under 100 KiB.
	worst := NewSeries()
	for i := range worst.Values {
		worst.Values[i] = 1000
	}
	worst.Last = BucketOf(time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC))
	if size := 4 * len(worst.String()); size > 100*1024 {
		t.Errorf("history of four components is %d bytes, over 100 KiB", size)
	}
	for _, bad := range []string{"", "12", "x:1", "5:" + strings.Repeat("1,", 3) + "1"} {
		if _, err := ParseSeries(bad); err == nil {
			t.Errorf("ParseSeries(%q) accepted", bad)
		}
	}
}

func TestRecordKeepsTheHighestAndForgetsWhatIsTooOld(t *testing.T) {
	s := NewSeries()
	t0 := monday.Add(9 * time.Hour)
	if !s.Record(t0, 3) || !s.Record(t0.Add(time.Minute), 5) || s.Record(t0.Add(2*time.Minute), 4) {
		t.Error("a bucket changes only when it gets a higher value")
	}
	if v, ok := s.At(BucketOf(t0)); !ok || v != 5 {
		t.Errorf("bucket holds %d, want 5", v)
	}
	if s.Record(t0.Add(-time.Hour), 9) {
		t.Error("a clock going back rewrites history")
	}
	// Nine days later the ring has moved past t0 and the skipped buckets are empty.
	s.Record(t0.Add(9*24*time.Hour), 2)
	if _, ok := s.At(BucketOf(t0)); ok {
		t.Error("a value older than the ring is still there")
	}
	if _, ok := s.At(BucketOf(t0.Add(5 * 24 * time.Hour))); ok {
		t.Error("a skipped bucket holds a value")
	}
}
