// Package evaluate scores veille's pipeline on third-party evaluation sets
// (kept outside the repository, see EvalDir): main-text extraction on the
// article-extraction benchmark, publication dates on htmldate's set, and
// watch-list matching.
package evaluate

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"time"

	"github.com/PuerkitoBio/goquery"
)

// EvalDirEnv names the environment variable that points at the evaluation
// data (the folder holding article-extraction/ and dates/).
const EvalDirEnv = "VEILLE_EVAL_DIR"

// EvalDir returns the evaluation data folder: $VEILLE_EVAL_DIR, else the
// first of ../shared/eval, ../../shared/eval, ../../../shared/eval that
// exists relative to the working directory (the repository root, a
// package folder or cmd/veille). It returns "" when there is none.
func EvalDir(lookup func(string) (string, bool)) string {
	if lookup == nil {
		lookup = os.LookupEnv
	}
	if v, ok := lookup(EvalDirEnv); ok && v != "" {
		return v
	}
	for _, rel := range []string{"../shared/eval", "../../shared/eval", "../../../shared/eval"} {
		if fi, err := os.Stat(rel); err == nil && fi.IsDir() {
			abs, err := filepath.Abs(rel)
			if err != nil {
				return rel
			}
			return abs
		}
	}
	return ""
}

// readMaybeGzip reads a file, gunzipping it when it is gzip.
func readMaybeGzip(path string) ([]byte, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(raw) < 2 || raw[0] != 0x1f || raw[1] != 0x8b {
		return raw, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	defer zr.Close()
	out, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}

// cpuTime is the process's user+system CPU time so far. Timing a phase by
// CPU time rather than wall time keeps the measure honest on a machine
// shared with other work; it includes the garbage collector's work.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// stopwatch measures wall and CPU time of a phase.
type stopwatch struct {
	wall time.Time
	cpu  time.Duration
}

func startWatch() stopwatch { return stopwatch{wall: time.Now(), cpu: cpuTime()} }

func (s stopwatch) elapsed() (wall, cpu time.Duration) {
	return time.Since(s.wall), cpuTime() - s.cpu
}

// timeBlock is the number of pages timed in one block of timeAgainstParse.
const timeBlock = 20

// timing is what timeAgainstParse measured.
type timing struct {
	wall, cpu time.Duration // of fn over all pages
	parseCPU  time.Duration // of a bare goquery parse of all pages
}

// timeAgainstParse runs fn(i) for every page and times it against a bare
// goquery parse of the same pages, the reference of the speed ratios. The
// two alternate block by block (timeBlock pages) so that both see the same
// machine: on a shared machine the load drifts during a run, and two phases
// timed one after the other would compare different machines. A full
// garbage collection, untimed, separates the phases so that neither pays
// for the other's garbage; each pays for the collections its own
// allocations trigger.
func timeAgainstParse(ctx context.Context, pages [][]byte, fn func(i int)) (timing, error) {
	var t timing
	for start := 0; start < len(pages); start += timeBlock {
		if err := ctx.Err(); err != nil {
			return t, fmt.Errorf("evaluate: %w", err)
		}
		end := min(start+timeBlock, len(pages))
		runtime.GC()
		sw := startWatch()
		for _, p := range pages[start:end] {
			if _, err := goquery.NewDocumentFromReader(bytes.NewReader(p)); err != nil {
				return t, fmt.Errorf("evaluate: goquery parse: %w", err)
			}
		}
		_, cpu := sw.elapsed()
		t.parseCPU += cpu
		runtime.GC()
		sw = startWatch()
		for i := start; i < end; i++ {
			fn(i)
		}
		wall, cpu := sw.elapsed()
		t.wall += wall
		t.cpu += cpu
	}
	return t, nil
}

func ratio(a, b time.Duration) float64 {
	if b <= 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func perSecond(n int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}
