package digest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"time"

	"github.com/cner/veille/config"
	"github.com/cner/veille/internal/model"
	"github.com/cner/veille/internal/store"
)

// Outcomes of a delivery.
const (
	OutcomeSent    = "sent"    // accepted by the SMTP server
	OutcomeSkipped = "skipped" // nothing new, and the recipient wants no empty digest
	OutcomeFailed  = "failed"  // will be retried
	OutcomeWaiting = "waiting" // backing off after a failure
	OutcomeBusy    = "busy"    // another attempt holds it (another process, or one that crashed less than a lease ago)
)

// Result is what happened to one digest run.
type Result struct {
	Recipient config.Recipient
	Run       store.DigestRun
	Outcome   string
	Clippings int   // clippings listed
	Retry     bool  // the run had been attempted before
	Err       error // for OutcomeFailed
}

// ErrUnknownRecipient is returned for an address not in digest.recipients.
var ErrUnknownRecipient = errors.New("digest: unknown recipient")

// selected returns the configured recipients, or the one given.
func (s *Service) selected(email string) ([]config.Recipient, error) {
	if email == "" {
		return s.cfg.Digest.Recipients, nil
	}
	r, ok := s.Recipient(email)
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrUnknownRecipient, email)
	}
	return []config.Recipient{r}, nil
}

// prepare returns the recipient's run for slot, writing it (and claiming
// the clippings owed) if it does not exist yet.
func (s *Service) prepare(ctx context.Context, r config.Recipient, slot string, now, defaultSince time.Time) (store.DigestRun, error) {
	if run, found, err := s.st.DigestRunBySlot(ctx, r.Email, slot); err != nil || found {
		return run, err
	}
	id, err := s.newMessageID(slot)
	if err != nil {
		return store.DigestRun{}, err
	}
	run, created, err := s.st.PrepareDigestRun(ctx, store.DigestPrepare{
		Filter: filterOf(r), Slot: slot, MessageID: id, Now: now, DefaultSince: defaultSince, KeepEmpty: wantsEmpty(r),
	})
	if err != nil {
		return store.DigestRun{}, fmt.Errorf("digest: %w", err)
	}
	if created {
		s.log.Info("digest written", "recipient", r.Email, "slot", slot, "clippings", len(run.ArticleIDs),
			"state", run.State, "message_id", run.MessageID)
	}
	return run, nil
}

// deliver attempts to send a run. force ignores the backoff (not a lease).
func (s *Service) deliver(ctx context.Context, r config.Recipient, run store.DigestRun, force bool) Result {
	res := Result{Recipient: r, Run: run, Clippings: len(run.ArticleIDs), Retry: run.Attempts > 0}
	now := s.opt.Now()
	switch {
	case run.State == store.DigestSkipped:
		res.Outcome = OutcomeSkipped
		return res
	case run.State == store.DigestSent:
		res.Outcome = OutcomeSent
		return res
	case run.LeaseUntil.After(now):
		res.Outcome = OutcomeBusy
		return res
	case !force && run.NextAttemptAt.After(now):
		res.Outcome = OutcomeWaiting
		return res
	}
	// fail records a failed attempt (or a failure to prepare one) and when
	// to try again. The ledger is written even if ctx was cancelled.
	fail := func(attempt int, unfreeze bool, err error) Result {
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		next := s.opt.Now().Add(s.backoff(attempt, err))
		if ferr := s.st.DigestRunFailed(wctx, run.ID, err.Error(), next, unfreeze); ferr != nil {
			err = errors.Join(err, ferr)
		}
		s.log.Warn("digest not sent: will retry", "recipient", r.Email, "slot", run.Slot, "attempt", attempt,
			"next_attempt", next, "err", err)
		res.Outcome, res.Err = OutcomeFailed, err
		res.Run.NextAttemptAt = next
		return res
	}
	if s.from == nil {
		return fail(run.Attempts, false, errors.New("digest: digest.smtp.from is empty"))
	}
	var msg []byte
	if !run.Frozen {
		// First attempt: withdraw what is no longer owed (excluded since),
		// then build the message that every attempt will send.
		clippings, err := s.st.DigestClippings(ctx, run.ArticleIDs)
		if err != nil {
			return fail(run.Attempts, false, fmt.Errorf("digest: %w", err))
		}
		keep, drop := s.stillOwed(r, clippings, run.ArticleIDs)
		if len(drop) > 0 {
			dropped, err := s.st.DropDigestItems(ctx, run.ID, drop)
			if err != nil {
				return fail(run.Attempts, false, fmt.Errorf("digest: %w", err))
			}
			if dropped {
				s.log.Info("digest: clippings withdrawn before sending", "recipient", r.Email, "slot", run.Slot,
					"withdrawn", len(drop))
				clippings = keep
				res.Clippings = len(keep)
				if len(keep) == 0 && !wantsEmpty(r) {
					if err := s.st.SkipDigestRun(ctx, run.ID); err != nil {
						return fail(run.Attempts, false, fmt.Errorf("digest: %w", err))
					}
					res.Outcome = OutcomeSkipped
					return res
				}
			}
		}
		d := s.catalog.build(r, clippings, s.dayOf(run), run.PeriodFrom, s.cfg.Web.BaseURL, s.loc)
		d.MessageID = run.MessageID
		rendered, err := s.render(d)
		if err != nil {
			return fail(run.Attempts, false, err)
		}
		if msg, err = s.compose(mail.Address{Name: r.Name, Address: r.Email}, rendered, run.MessageID, run.Slot, now.In(s.loc)); err != nil {
			return fail(run.Attempts, false, err)
		}
	}
	frozen, wasFrozen, ok, err := s.st.ClaimDigestRun(ctx, run.ID, msg, now, now.Add(s.opt.Lease))
	if err != nil {
		return fail(run.Attempts, false, fmt.Errorf("digest: %w", err))
	}
	if !ok {
		res.Outcome = OutcomeBusy
		return res
	}
	attempt := run.Attempts + 1
	if err := s.smtp.send(ctx, s.from.Address, []string{r.Email}, frozen); err != nil {
		// A message that certainly did not reach the server, and that no
		// earlier attempt may have delivered, is built afresh next time.
		return fail(attempt, !wasFrozen && !mayHaveBeenDelivered(err), err)
	}
	if s.afterAccept != nil {
		s.afterAccept(run)
	}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := s.st.DigestRunSent(wctx, run.ID, s.opt.Now()); err != nil {
		// Sent but not recorded: the run stays pending and the same
		// message (same Message-ID) goes again at the next attempt.
		s.log.Error("digest sent but not recorded: it will be sent again with the same Message-ID",
			"recipient", r.Email, "slot", run.Slot, "message_id", run.MessageID, "err", err)
		res.Outcome, res.Err = OutcomeFailed, err
		return res
	}
	s.log.Info("digest sent", "recipient", r.Email, "slot", run.Slot, "clippings", res.Clippings,
		"attempt", attempt, "message_id", run.MessageID)
	res.Outcome = OutcomeSent
	res.Run.State = store.DigestSent
	return res
}

// stillOwed splits a run's clippings into those that may still be sent and
// the ids to withdraw: excluded, no longer a clipping, or no longer relevant
// to the recipient.
func (s *Service) stillOwed(r config.Recipient, clippings []*model.Clipping, ids []int64) (keep []*model.Clipping, drop []int64) {
	found := make(map[int64]bool, len(clippings))
	entities, kinds, scopes := set(r.Entities), set(r.Kinds), set(r.Scopes)
	for _, c := range clippings {
		found[c.ID] = true
		ok := !c.Excluded && (len(scopes) == 0 || scopes[string(c.Scope)])
		relevant := false
		for _, m := range c.Mentions {
			if (len(entities) == 0 || entities[m.EntityID]) && (len(kinds) == 0 || kinds[string(m.EntityKind)]) {
				relevant = true
				break
			}
		}
		if ok && relevant {
			keep = append(keep, c)
		} else {
			drop = append(drop, c.ID)
		}
	}
	for _, id := range ids {
		if !found[id] {
			drop = append(drop, id)
		}
	}
	return keep, drop
}

// backoff is the wait before attempt n+1: RetryBase doubled at each
// failure, up to RetryMax; RetryMax at once when the server refused for
// good (5xx).
func (s *Service) backoff(n int, err error) time.Duration {
	var se *SMTPError
	if errors.As(err, &se) && se.Permanent() {
		return s.opt.RetryMax
	}
	d := s.opt.RetryBase
	for i := 1; i < n && d < s.opt.RetryMax; i++ {
		d *= 2
	}
	return min(d, s.opt.RetryMax)
}

// dayOf is the day a run is the digest of: its slot's date, or the day it
// was written for a manual send.
func (s *Service) dayOf(run store.DigestRun) time.Time {
	if t, err := time.ParseInLocation("2006-01-02", run.Slot, s.loc); err == nil {
		return t
	}
	return run.CreatedAt.In(s.loc)
}

// SendNow sends, to every recipient (or the one given), what they are owed
// now: first any digest still pending (an earlier failure or crash: the
// same message again), then a new digest of what is new since. Failures
// stay pending in the ledger for the next attempt (veille run retries them).
func (s *Service) SendNow(ctx context.Context, email string) ([]Result, error) {
	recipients, err := s.selected(email)
	if err != nil {
		return nil, err
	}
	if s.cfg.Digest.SMTP.Host == "" && len(recipients) > 0 {
		return nil, ErrNoSMTP
	}
	now := s.opt.Now()
	var nonce [3]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return nil, fmt.Errorf("digest: %w", err)
	}
	// Every send now is a digest of its own (two in the same second too).
	slot := "manual-" + now.In(s.loc).Format("2006-01-02T15:04:05") + "-" + hex.EncodeToString(nonce[:])
	var results []Result
	for _, r := range recipients {
		if err := ctx.Err(); err != nil {
			return results, err
		}
		pending, err := s.st.DigestRuns(ctx, r.Email, true, 0)
		if err != nil {
			return results, fmt.Errorf("digest: %w", err)
		}
		for _, run := range pending {
			results = append(results, s.deliver(ctx, r, run, true))
		}
		run, err := s.prepare(ctx, r, slot, now, now.Add(-24*time.Hour))
		if err != nil {
			return results, err
		}
		results = append(results, s.deliver(ctx, r, run, true))
	}
	return results, nil
}

// Preview is what a digest to one recipient would be now. Nothing is
// written to the ledger.
type Preview struct {
	Recipient config.Recipient
	Digest    *Digest
	Rendered  Rendered
	Message   []byte            // the full message, with a placeholder Message-ID
	Pending   []store.DigestRun // digests written but not yet accepted by the server
}

// previewRecipient is the stand-in recipient of a preview when
// digest.recipients is empty: it follows everything.
var previewRecipient = config.Recipient{Email: "apercu@veille.invalid", Name: "Aperçu"}

// Preview builds, without sending or recording anything, the digest each
// recipient (or the one given) would get now. With no recipient
// configured, it previews a digest of everything.
func (s *Service) Preview(ctx context.Context, email string) ([]Preview, error) {
	recipients, err := s.selected(email)
	if err != nil {
		return nil, err
	}
	if len(recipients) == 0 {
		recipients = []config.Recipient{previewRecipient}
	}
	now := s.opt.Now()
	var out []Preview
	for _, r := range recipients {
		since, ok, err := s.st.DigestBaseline(ctx, r.Email)
		if err != nil {
			return nil, fmt.Errorf("digest: %w", err)
		}
		if !ok {
			since = now.Add(-24 * time.Hour)
		}
		pending, err := s.st.DigestRuns(ctx, r.Email, true, 0)
		if err != nil {
			return nil, fmt.Errorf("digest: %w", err)
		}
		periodFrom := since
		if last, err := s.st.DigestRuns(ctx, r.Email, false, 1); err != nil {
			return nil, fmt.Errorf("digest: %w", err)
		} else if len(last) == 1 && last[0].CreatedAt.After(periodFrom) {
			periodFrom = last[0].CreatedAt
		}
		ids, err := s.st.OwedClippings(ctx, filterOf(r), since)
		if err != nil {
			return nil, fmt.Errorf("digest: %w", err)
		}
		clippings, err := s.st.DigestClippings(ctx, ids)
		if err != nil {
			return nil, fmt.Errorf("digest: %w", err)
		}
		d := s.catalog.build(r, clippings, now, periodFrom, s.cfg.Web.BaseURL, s.loc)
		rendered, err := s.render(d)
		if err != nil {
			return nil, err
		}
		msg, err := s.compose(mail.Address{Name: r.Name, Address: r.Email}, rendered, "apercu@veille.invalid", "apercu", now.In(s.loc))
		if err != nil {
			return nil, err
		}
		out = append(out, Preview{Recipient: r, Digest: d, Rendered: rendered, Message: msg, Pending: pending})
	}
	return out, nil
}
