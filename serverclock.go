package bankfeeds

import (
	"net/http"
	"sync/atomic"
	"time"
)

// serverClock learns how far the server's clock is from this machine's from
// the Date header of every answer, so that "after this attempt began" can be
// asked in the server's time, whatever this machine's clock says.
//
// A Date header is the server's time truncated to the second, taken before
// the answer left, so Date minus the local time of receipt is never more
// than the true offset: the local time plus that offset is a lower bound of
// the server's time. The latest answer's offset is kept, so a clock that is
// stepped (NTP) is followed.
type serverClock struct {
	offset atomic.Int64 // nanoseconds to add to a local time
	known  atomic.Bool
}

// observe records the offset that one answer's Date header shows.
func (c *serverClock) observe(date string, received time.Time) {
	if date == "" {
		return
	}
	t, err := http.ParseTime(date)
	if err != nil {
		return
	}
	c.offset.Store(int64(t.Sub(received)))
	c.known.Store(true)
}

// serverTime returns a lower bound of the server's time at the local time
// t, or false when no answer has told the server's time yet.
func (c *serverClock) serverTime(t time.Time) (time.Time, bool) {
	if !c.known.Load() {
		return time.Time{}, false
	}
	return t.Add(time.Duration(c.offset.Load())).UTC(), true
}
