package digest

import (
	"context"
	"testing"
	"time"

	"github.com/cner/veille/internal/digest/mailpittest"
	"github.com/cner/veille/internal/store"
)

// runUntil runs the scheduler from `from` until the clock passes `until`.
func runUntil(t *testing.T, h *harness, s *Service, from, until time.Time) {
	t.Helper()
	h.clock.Set(from)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	prev := h.clock.onSleep
	h.clock.onSleep = func(now time.Time) {
		if prev != nil {
			prev(now)
		}
		if !now.Before(until) {
			cancel()
		}
	}
	defer func() { h.clock.onSleep = prev }()
	if err := s.Run(ctx); err != nil {
		t.Fatal(err)
	}
}

func slotsSent(t *testing.T, h *harness) []string {
	t.Helper()
	runs, err := h.st.DigestRuns(context.Background(), "", false, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range runs {
		out = append(out, r.Slot+":"+r.State)
	}
	return out
}

// TestScheduleAcrossRestarts: the daily digest goes at 08:00, once a day,
// whatever the restarts: one started after 08:00 sends the day's digest if
// it was not sent, and only then; one that missed a day sends it at restart
// unless the next is due within hours.
func TestScheduleAcrossRestarts(t *testing.T) {
	h := newHarness(t, everything)
	mp := h.startMailpit(mailpittest.Options{})
	seedAll(h, at(2025, 3, 13, 20, 0))

	// First start at 10:00, after the hour: the day's digest goes at once.
	runUntil(t, h, h.service(Options{}), at(2025, 3, 14, 10, 0), at(2025, 3, 14, 10, 30))
	if got := mp.WaitFor(t, 1); len(got) != 1 {
		t.Fatalf("%d messages after the first start, want 1", len(got))
	}
	// Restart the same morning: nothing more.
	runUntil(t, h, h.service(Options{}), at(2025, 3, 14, 10, 45), at(2025, 3, 14, 11, 30))
	if got := slotsSent(t, h); len(got) != 1 || got[0] != "2025-03-14:sent" {
		t.Errorf("ledger after the restart %v, want the 14th's digest sent once", got)
	}
	// Running through the next morning: the 15th's digest, at 08:00.
	h.seed("devco-bilan", at(2025, 3, 15, 7, 0))
	runUntil(t, h, h.service(Options{}), at(2025, 3, 15, 6, 0), at(2025, 3, 15, 8, 30))
	run, ok, err := h.st.DigestRunBySlot(context.Background(), everything.Email, "2025-03-15")
	if err != nil || !ok || !run.SentAt.Equal(at(2025, 3, 15, 8, 0)) {
		t.Errorf("the 15th's digest: %+v (%v), want sent at 08:00", run, err)
	}
	msgs := mp.WaitFor(t, 2)
	if len(msgs) != 2 {
		t.Fatalf("%d messages, want 2", len(msgs))
	}
	if got := listed(mp.Message(t, msgs[1].ID).HTML); !equalIDs(got, h.idsOf("devco-bilan")) {
		t.Errorf("the 15th's digest lists %s", h.slugs(got))
	}

	// Stopped from the 15th 08:30 to the 17th 05:00: the 16th's digest was
	// missed, and the 17th's is due in three hours: that one carries all.
	h.seed("cner-tribune", at(2025, 3, 16, 12, 0))
	runUntil(t, h, h.service(Options{}), at(2025, 3, 17, 5, 0), at(2025, 3, 17, 7, 59))
	if n := len(mp.Messages(t)); n != 2 {
		t.Errorf("%d messages before 08:00 on the 17th, want 2", n)
	}
	runUntil(t, h, h.service(Options{}), at(2025, 3, 17, 7, 59), at(2025, 3, 17, 8, 30))
	msgs = mp.WaitFor(t, 3)
	if len(msgs) != 3 {
		t.Fatalf("%d messages, want 3", len(msgs))
	}
	if got := listed(mp.Message(t, msgs[2].ID).HTML); !equalIDs(got, h.idsOf("cner-tribune")) {
		t.Errorf("the 17th's digest lists %s", h.slugs(got))
	}

	// Stopped from the 17th to the 18th 20:00: the 18th's digest is 12
	// hours late and the next 12 hours away: it goes at restart.
	h.seed("cner-rapport", at(2025, 3, 18, 7, 0))
	runUntil(t, h, h.service(Options{}), at(2025, 3, 18, 20, 0), at(2025, 3, 18, 20, 30))
	msgs = mp.WaitFor(t, 4)
	if len(msgs) != 4 {
		t.Fatalf("%d messages, want 4", len(msgs))
	}
	want := []string{"2025-03-14:sent", "2025-03-15:sent", "2025-03-17:sent", "2025-03-18:sent"}
	if got := slotsSent(t, h); len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] || got[3] != want[3] {
		t.Errorf("ledger %v, want %v", got, want)
	}
}

// TestScheduleRetriesWithBackoff: at 08:00 the server is down; the
// scheduler retries after 1, 2, then 4 minutes; the server is back by then
// and the digest arrives once.
func TestScheduleRetriesWithBackoff(t *testing.T) {
	h := newHarness(t, everything)
	mp := mailpittest.Start(t, mailpittest.Options{})
	proxy := mailpittest.NewProxy(t, mp.SMTPAddr())
	h.useSMTP("127.0.0.1", proxy.Port())
	seedAll(h, at(2025, 3, 13, 20, 0))
	proxy.SetMode(mailpittest.Drop)
	h.clock.onSleep = func(now time.Time) {
		if !now.Before(at(2025, 3, 14, 8, 5)) {
			proxy.SetMode(mailpittest.Forward)
		}
	}
	runUntil(t, h, h.service(Options{Timeout: 5 * time.Second}), at(2025, 3, 14, 7, 58), at(2025, 3, 14, 9, 0))
	want := []time.Duration{2 * time.Minute, time.Minute, 2 * time.Minute, 4 * time.Minute}
	if len(h.clock.sleeps) < len(want) {
		t.Fatalf("sleeps %v", h.clock.sleeps)
	}
	for i, d := range want {
		if h.clock.sleeps[i] != d {
			t.Errorf("sleeps %v, want them to start with %v", h.clock.sleeps[:len(want)], want)
			break
		}
	}
	if n := proxy.Accepted(); n != 4 {
		t.Errorf("%d connections, want 4 (3 failures, 1 success)", n)
	}
	msgs := mp.WaitFor(t, 1)
	if len(msgs) != 1 {
		t.Fatalf("%d messages, want 1", len(msgs))
	}
	runs, err := h.st.DigestRuns(context.Background(), "", false, 0)
	if err != nil || len(runs) != 1 || runs[0].State != store.DigestSent || runs[0].Attempts != 4 ||
		!runs[0].SentAt.Equal(at(2025, 3, 14, 8, 7)) {
		t.Errorf("ledger %+v (%v)", runs, err)
	}
}

// TestSlots: the daily slot across a change to summer time.
func TestSlots(t *testing.T) {
	h := newHarness(t)
	s := h.service(Options{})
	for _, c := range []struct {
		now, latest, next time.Time
	}{
		{at(2025, 3, 14, 7, 59), at(2025, 3, 13, 8, 0), at(2025, 3, 14, 8, 0)},
		{at(2025, 3, 14, 8, 0), at(2025, 3, 14, 8, 0), at(2025, 3, 15, 8, 0)},
		// The night of 29 to 30 March 2025 is one hour shorter.
		{at(2025, 3, 29, 23, 0), at(2025, 3, 29, 8, 0), at(2025, 3, 30, 8, 0)},
		{time.Date(2025, 3, 30, 6, 30, 0, 0, time.UTC), at(2025, 3, 30, 8, 0), at(2025, 3, 31, 8, 0)},
	} {
		latest, next := s.slots(c.now)
		if !latest.Equal(c.latest) || !next.Equal(c.next) {
			t.Errorf("slots(%v) = %v, %v; want %v, %v", c.now, latest, next, c.latest, c.next)
		}
		if latest.In(paris).Hour() != 8 || next.In(paris).Hour() != 8 {
			t.Errorf("slots(%v) not at 08:00 local", c.now)
		}
	}
	if d := at(2025, 3, 30, 8, 0).Sub(at(2025, 3, 29, 8, 0)); d != 23*time.Hour {
		t.Errorf("the DST day is %v long", d)
	}
}
