// Package evaluate scores veille's pipeline on third-party evaluation sets
// (kept outside the repository, see EvalDir): main-text extraction on the
// article-extraction benchmark, publication dates on htmldate's set, and
// watch-list matching.
package evaluate

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"time"
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
