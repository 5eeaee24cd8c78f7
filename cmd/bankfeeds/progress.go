package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

// progress reports a push: a bar redrawn in place on a terminal, plain
// lines otherwise.
type progress struct {
	w     io.Writer
	tty   bool
	total int
	width int
}

func newProgress(w io.Writer, total int) *progress {
	p := &progress{w: w, total: total, width: 30}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.tty = true
		if cols, _, err := term.GetSize(int(f.Fd())); err == nil && cols > 60 {
			p.width = min(50, cols-30)
		}
	}
	return p
}

func (p *progress) start() {
	if p.tty {
		p.draw(0)
		return
	}
	fmt.Fprintf(p.w, "pushing %d transactions\n", p.total)
}

func (p *progress) update(done, total int) {
	if total > 0 {
		p.total = total
	}
	if p.tty {
		p.draw(done)
		return
	}
	fmt.Fprintf(p.w, "pushed %d/%d\n", done, p.total)
}

func (p *progress) finish() {
	if p.tty {
		fmt.Fprintln(p.w)
	}
}

// draw writes "\r[#######.......]  45%  450/1000".
func (p *progress) draw(done int) {
	pct := 100
	if p.total > 0 {
		pct = done * 100 / p.total
	}
	fill := p.width * pct / 100
	fmt.Fprintf(p.w, "\r[%s%s] %3d%%  %d/%d", strings.Repeat("#", fill), strings.Repeat(".", p.width-fill), pct, done, p.total)
}
