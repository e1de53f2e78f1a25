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
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Predictive scaling keeps, per component, the replicas its HPA asked for in
// 15-minute buckets over the last eight days: a ring of Slots buckets,
// indexed by the absolute bucket number (Unix time / 15 minutes) modulo
// Slots. Eight days, not seven, so that "the same time last week" is still
// there for every bucket up to the longest lead ahead.
const (
	Bucket      = 15 * time.Minute
	bucketsDay  = int64(24 * time.Hour / Bucket)
	bucketsWeek = 7 * bucketsDay
	// Slots is the length of the ring: eight days of buckets.
	Slots = int(bucketsWeek + bucketsDay)
)

// BucketOf is the absolute bucket number of a time.
func BucketOf(t time.Time) int64 { return t.Unix() / int64(Bucket/time.Second) }

// startOf is when a bucket starts.
func startOf(b int64) time.Time { return time.Unix(b*int64(Bucket/time.Second), 0).UTC() }

// NextBucket is when the bucket after t's starts.
func NextBucket(t time.Time) time.Time { return startOf(BucketOf(t) + 1) }

// Series is one component's history.
type Series struct {
	// Last is the absolute bucket last recorded; 0 for an empty series.
	Last int64
	// Values by slot; 0 means nothing recorded.
	Values []int32
}

// NewSeries is an empty series.
func NewSeries() Series { return Series{Values: make([]int32, Slots)} }

func slot(b int64) int { return int(((b % int64(Slots)) + int64(Slots)) % int64(Slots)) }

// At is the value recorded for absolute bucket b, if the ring still holds it.
func (s Series) At(b int64) (int32, bool) {
	if s.Last == 0 || b > s.Last || b <= s.Last-int64(Slots) {
		return 0, false
	}
	v := s.Values[slot(b)]
	return v, v > 0
}

// Record notes that the HPA asked for n replicas at t: a bucket keeps the
// highest value seen in it. Buckets skipped since the last record are
// cleared (nothing was seen then). It reports whether the series changed.
func (s *Series) Record(t time.Time, n int32) bool {
	if n <= 0 {
		return false
	}
	b := BucketOf(t)
	if b < s.Last {
		return false // a clock that went back: keep what is there
	}
	changed := false
	if s.Last == 0 {
		s.Last = b - 1
	}
	for x := s.Last + 1; x <= b && x <= s.Last+int64(Slots); x++ {
		s.Values[slot(x)] = 0
	}
	if b > s.Last {
		s.Last, changed = b, true
	}
	if n > s.Values[slot(b)] {
		s.Values[slot(b)], changed = n, true
	}
	return changed
}

// String encodes the series as "last:v0,v1,...", slot order.
func (s Series) String() string {
	var b strings.Builder
	b.WriteString(strconv.FormatInt(s.Last, 10))
	b.WriteByte(':')
	for i, v := range s.Values {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(int64(v), 10))
	}
	return b.String()
}

// ParseSeries decodes String's output.
func ParseSeries(text string) (Series, error) {
	head, body, ok := strings.Cut(text, ":")
	if !ok {
		return Series{}, fmt.Errorf("no ':' after the last bucket")
	}
	last, err := strconv.ParseInt(head, 10, 64)
	if err != nil {
		return Series{}, fmt.Errorf("last bucket: %w", err)
	}
	fields := strings.Split(body, ",")
	if len(fields) != Slots {
		return Series{}, fmt.Errorf("%d values, want %d", len(fields), Slots)
	}
	s := Series{Last: last, Values: make([]int32, Slots)}
	for i, f := range fields {
		v, err := strconv.ParseInt(f, 10, 32)
		if err != nil || v < 0 {
			return Series{}, fmt.Errorf("value %d: %q", i, f)
		}
		s.Values[i] = int32(v)
	}
	return s, nil
}

// Prediction is the floor predicted for the lead window, and why.
type Prediction struct {
	// Replicas is 0 when the history predicts nothing.
	Replicas int32
	// At is the start of the bucket the floor is for.
	At time.Time
	// Reason says where it comes from, for a person.
	Reason string
}

// Predict looks at every bucket from now to now+lead and predicts the
// replicas each will need from what the HPA asked for at the same time of
// week a week ago, and at the same time of day on the six days before: a
// value seen on at least two of those days recurs daily. The prediction is
// the highest over the window.
func Predict(s Series, now time.Time, lead time.Duration) Prediction {
	var best Prediction
	for b := BucketOf(now); b <= BucketOf(now.Add(lead)); b++ {
		if v, ok := s.At(b - bucketsWeek); ok && v > best.Replicas {
			best = Prediction{Replicas: v, At: startOf(b),
				Reason: fmt.Sprintf("the HPA asked for %d replicas at %s UTC on the same weekday last week", v, startOf(b).Format("Mon 15:04"))}
		}
		var days []int32
		for k := int64(1); k < 7; k++ {
			if v, ok := s.At(b - k*bucketsDay); ok {
				days = append(days, v)
			}
		}
		if len(days) < 2 {
			continue
		}
		slices.Sort(days)
		slices.Reverse(days)
		if v := days[1]; v > best.Replicas {
			n := 0
			for _, d := range days {
				if d >= v {
					n++
				}
			}
			best = Prediction{Replicas: v, At: startOf(b),
				Reason: fmt.Sprintf("the HPA asked for at least %d replicas at %s UTC on %d of the last 6 days", v, startOf(b).Format("15:04"), n)}
		}
	}
	return best
}

// Observed is the value to record when the HPA asks for desired replicas
// while its floor is floor and the spec's floor is specMin. Replicas held up
// only by a floor predictive scaling raised are not demand: recording them
// would predict the same peak again every week, forever. They are recorded
// as the spec's floor; demand above the raised floor is recorded as it is.
func Observed(desired, floor, specMin int32) int32 {
	if floor > specMin && desired <= floor {
		return specMin
	}
	return desired
}

// Floor clamps a prediction between the spec's floor and the ceiling.
func Floor(p Prediction, specMin, maxReplicas int32) int32 {
	return min(max(p.Replicas, specMin), maxReplicas)
}
