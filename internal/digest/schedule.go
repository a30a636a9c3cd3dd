package digest

import (
	"context"
	"time"

	"github.com/cner/veille/internal/store"
)

// Run sends the daily digest at digest.time in the configured time zone
// until ctx is cancelled, then returns nil. It is meant to run inside
// `veille run`, beside the crawler.
//
// The schedule lives in the ledger: started (or restarted) after today's
// hour, Run sends today's digest if it was not sent yet, and only then; a
// digest missed while veille was stopped is sent at restart unless the next
// one is due within four hours (that one then lists everything owed).
// Failed sends are retried with backoff (Options.RetryBase doubled up to
// RetryMax), pending digests first, in order.
func (s *Service) Run(ctx context.Context) error {
	if len(s.cfg.Digest.Recipients) == 0 {
		s.log.Info("no digest recipients: the digest scheduler is idle")
		<-ctx.Done()
		return nil
	}
	if s.cfg.Digest.SMTP.Host == "" {
		return ErrNoSMTP
	}
	s.log.Info("digest scheduler started", "time", s.cfg.Digest.Time, "timezone", s.loc.String(),
		"recipients", len(s.cfg.Digest.Recipients))
	for {
		now := s.opt.Now()
		wake := s.tick(ctx, now)
		if ctx.Err() != nil {
			return nil
		}
		d := min(max(wake.Sub(now), time.Second), maxSleep)
		if err := s.opt.Sleep(ctx, d); err != nil {
			return nil
		}
	}
}

// slots returns the latest daily slot at or before now and the next one.
func (s *Service) slots(now time.Time) (latest, next time.Time) {
	t := now.In(s.loc)
	y, m, d := t.Date()
	latest = time.Date(y, m, d, s.hour, s.minute, 0, 0, s.loc)
	if t.Before(latest) {
		latest = time.Date(y, m, d-1, s.hour, s.minute, 0, 0, s.loc)
	}
	y, m, d = latest.Date()
	next = time.Date(y, m, d+1, s.hour, s.minute, 0, 0, s.loc)
	return latest, next
}

// slotKey names the daily digest of a day in the ledger.
func slotKey(t time.Time) string { return t.Format("2006-01-02") }

// tick writes the latest slot's digests that are due and not written yet,
// attempts every pending digest whose backoff has passed, and returns when
// to look again.
func (s *Service) tick(ctx context.Context, now time.Time) time.Time {
	latest, next := s.slots(now)
	wake := next
	soon := func(d time.Duration) {
		if t := now.Add(d); t.Before(wake) {
			wake = t
		}
	}
	due := next.Sub(now) >= catchUpSkip
	emails := make([]string, 0, len(s.cfg.Digest.Recipients))
	for _, r := range s.cfg.Digest.Recipients {
		if ctx.Err() != nil {
			return now
		}
		emails = append(emails, r.Email)
		if due {
			if _, err := s.prepare(ctx, r, slotKey(latest), now, latest.Add(-24*time.Hour)); err != nil {
				s.log.Error("digest not written: will retry", "recipient", r.Email, "slot", slotKey(latest), "err", err)
				soon(s.opt.RetryBase)
				continue
			}
		}
		pending, err := s.st.DigestRuns(ctx, r.Email, true, 0)
		if err != nil {
			s.log.Error("reading the digest ledger", "recipient", r.Email, "err", err)
			soon(s.opt.RetryBase)
			continue
		}
		for _, run := range pending {
			res := s.deliver(ctx, r, run, false)
			if res.Outcome == OutcomeFailed || res.Outcome == OutcomeWaiting || res.Outcome == OutcomeBusy {
				break // the older digest goes first
			}
		}
	}
	if t, ok, err := s.st.NextDigestAttempt(ctx, emails); err != nil {
		s.log.Error("reading the digest ledger", "err", err)
		soon(s.opt.RetryBase)
	} else if ok && t.Before(wake) {
		wake = t
	}
	return wake
}

// Pending returns the digests written but not yet accepted by the SMTP
// server, oldest first.
func (s *Service) Pending(ctx context.Context) ([]store.DigestRun, error) {
	return s.st.DigestRuns(ctx, "", true, 0)
}
