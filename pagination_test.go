package bankfeeds

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// An endpoint that ignores "page", omits pageNumber and always links a next
// page must not make All loop: totalResults ends it.
func TestAllStopsAtTotalResults(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		_, _ = w.Write([]byte(`{"results":[{"id":"a","name":"A","redirect":"https://x"},{"id":"b","name":"B","redirect":"https://x"}],
			"pageSize":2,"totalResults":4,"_links":{"self":{"href":"/companies"},"current":{"href":"/companies"},"next":{"href":"/companies?page=2"}}}`))
	}))
	defer srv.Close()
	c, err := NewClient("k", WithBaseURL(srv.URL))
	require.NoError(t, err)
	n := 0
	for _, err := range c.Companies.All(context.Background(), nil) {
		require.NoError(t, err)
		n++
	}
	assert.Equal(t, 4, n, "two pages of two")
	assert.Equal(t, int32(2), hits.Load())
}

func TestListOptionsChecked(t *testing.T) {
	c, err := NewClient("k")
	require.NoError(t, err)
	for _, o := range []*ListOptions{{PageSize: 5001}, {PageSize: -1}, {Page: -1}, {Query: string(make([]byte, 2048))}} {
		_, err := c.Connections.List(context.Background(), "c1", o)
		var ve *ValidationError
		assert.ErrorAs(t, err, &ve, "%+v", o)
	}
}
