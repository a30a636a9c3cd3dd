package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// isTerminal reports whether w is an interactive terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// progress prints a pass's advance: a bar redrawn in place on a terminal
// (done/total, rate, remaining time), a plain line every few seconds
// otherwise.
type progress struct {
	w        io.Writer
	tty      bool
	mu       sync.Mutex
	start    time.Time
	stage    string
	last     time.Time
	lastDone int
}

func newProgress(w io.Writer) *progress {
	return &progress{w: w, tty: isTerminal(w), start: time.Now()}
}

func (p *progress) update(stage string, done, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if stage != p.stage {
		if p.tty && p.stage != "" {
			fmt.Fprintln(p.w)
		}
		p.stage, p.start, p.last = stage, now, time.Time{}
	}
	final := done >= total
	if !p.tty && !final && now.Sub(p.last) < 5*time.Second {
		return
	}
	if p.tty && !final && now.Sub(p.last) < 100*time.Millisecond {
		return
	}
	p.last, p.lastDone = now, done
	elapsed := now.Sub(p.start).Seconds()
	rate := 0.0
	if elapsed > 0 {
		rate = float64(done) / elapsed
	}
	eta := "?"
	if rate > 0 && total >= done {
		eta = (time.Duration(float64(total-done)/rate) * time.Second).Round(time.Second).String()
	}
	label := stage
	if p.tty {
		width := 30
		filled := 0
		if total > 0 {
			filled = width * done / total
		}
		bar := ""
		for i := 0; i < width; i++ {
			if i < filled {
				bar += "█"
			} else {
				bar += "░"
			}
		}
		fmt.Fprintf(p.w, "\r%-9s %s %d/%d  %.1f/s  reste %s   ", label, bar, done, total, rate, eta)
		if final {
			fmt.Fprintln(p.w)
			p.stage = ""
		}
		return
	}
	fmt.Fprintf(p.w, "%s : %d/%d (%.1f/s, reste %s)\n", label, done, total, rate, eta)
}
