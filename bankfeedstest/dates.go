package bankfeedstest

import (
	"errors"
	"strings"
	"time"
)

// formatTime writes an instant as Codat does: UTC, RFC 3339, milliseconds
// when there are any ("2026-03-01T09:30:00.125Z").
func formatTime(t time.Time) string {
	return t.UTC().Truncate(time.Millisecond).Format(time.RFC3339Nano)
}

// formatDate writes a plain date ("2026-03-01"), as version 2 source
// accounts carry feedStartDate.
func formatDate(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// stamp is the sandbox clock's now as stored: UTC, milliseconds, so what is
// written and what queries compare are the same value.
func stamp(now time.Time) time.Time { return now.UTC().Truncate(time.Millisecond) }

var errBadDate = errors.New("not a date")

// parseLocal reads a bank transaction's date as Codat does: a local
// date-time whose wall clock is used exactly as written, any zone or offset
// dropped. Forms: "2023-08-22", "2023-08-22T10:21", "2023-08-22T10:21:00",
// with fractions of any length and an optional "Z" or offset. The result is
// the wall clock in UTC.
func parseLocal(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if len(s) < len("2006-01-02") {
		return time.Time{}, errBadDate
	}
	if len(s) > 10 {
		s = stripZone(s)
	}
	for _, layout := range [...]string{"2006-01-02T15:04:05", "2006-01-02T15:04", time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errBadDate
}

// stripZone removes a trailing "Z" or "±hh:mm"/"±hhmm"/"±hh" from a
// date-time that has a time part.
func stripZone(s string) string {
	t := strings.IndexAny(s, "Tt ")
	if t < 0 {
		return s
	}
	if strings.HasSuffix(s, "Z") || strings.HasSuffix(s, "z") {
		return s[:len(s)-1]
	}
	if i := strings.LastIndexAny(s, "+-"); i > t {
		return s[:i]
	}
	return s
}

// parseInstant reads a date-time in a query or a mapping body: with a zone
// or offset it is that instant; without one it is read as UTC.
func parseInstant(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range [...]string{time.RFC3339Nano, "2006-01-02T15:04Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	if len(s) > 10 && stripZone(s) != s {
		return time.Time{}, errBadDate // a zone, but not a form we read
	}
	return parseLocal(s)
}
