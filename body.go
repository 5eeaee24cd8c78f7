package bankfeeds

import (
	"bytes"
	"errors"
	"io"
)

// errBodyTooLarge is readBody's refusal; handle wraps it as ErrResponseTooLarge.
var errBodyTooLarge = errors.New("body over the cap")

// Block sizes for a body of unknown length: small first, so a short chunked
// answer costs little, growing to bodyBlockMax.
const (
	bodyBlockMin = 32 << 10
	bodyBlockMax = 4 << 20
)

// readBody reads all of r into buf, refusing more than limit bytes. length
// is the declared Content-Length (-1 when unknown).
//
// What it allocates to refuse a body stays about the cap: a declared length
// over the cap is refused before reading; a body of unknown length is read in
// blocks kept in a list (no doubling buffer that copies itself), so reading
// up to the cap allocates the cap plus one block, and only a body that fits
// is joined into buf.
func readBody(r io.Reader, limit, length int64, buf *bytes.Buffer) error {
	if length > limit {
		return errBodyTooLarge
	}
	if length >= 0 {
		// net/http ends the body after Content-Length bytes, so this is exact.
		buf.Grow(int(length) + 1)
		n, err := buf.ReadFrom(io.LimitReader(r, limit+1))
		if err != nil {
			return err
		}
		if n > limit {
			return errBodyTooLarge
		}
		return nil
	}
	var blocks [][]byte
	var total int64
	size := bodyBlockMin
	for {
		block := make([]byte, size)
		n, err := io.ReadFull(r, block)
		total += int64(n)
		if total > limit {
			return errBodyTooLarge
		}
		if n > 0 {
			blocks = append(blocks, block[:n])
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			return err
		}
		size = min(size*2, bodyBlockMax, int(limit-total)+1)
	}
	buf.Grow(int(total))
	for _, b := range blocks {
		buf.Write(b)
	}
	return nil
}
