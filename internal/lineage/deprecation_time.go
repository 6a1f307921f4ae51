package lineage

import (
	"fmt"
	"time"
)

// MaxDeprecationDelay is how far ahead EC2's EnableImageDeprecation accepts a deprecation time
// for a private image: 10 years. (For a public image the limit is 2 years after its creation.)
const MaxDeprecationDelay = 10 * 365 * 24 * time.Hour

// DeprecateAt is the deprecation time for images superseded at now: now plus after, in UTC,
// rounded to the minute as EC2 rounds it, so the time the plan prints is the time DescribeImages
// will show. after must be positive (EC2 refuses a time in the past) and the time at most 10
// years ahead.
func DeprecateAt(now time.Time, after time.Duration) (time.Time, error) {
	if after <= 0 {
		return time.Time{}, fmt.Errorf("deprecate_superseded %s: want a positive duration", after)
	}
	if after < time.Minute {
		return time.Time{}, fmt.Errorf("deprecate_superseded %s: want at least 1m: EC2 keeps deprecation times to the minute", after)
	}
	if after > MaxDeprecationDelay {
		return time.Time{}, fmt.Errorf("deprecate_superseded %s: EC2 accepts a deprecation time at most 10 years (%s) ahead", after, MaxDeprecationDelay)
	}
	return now.Add(after).UTC().Round(time.Minute), nil
}
