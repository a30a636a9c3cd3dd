// Package digest is veille's daily email: for each configured recipient, the
// clippings that are new to them, grouped by entity, in HTML and plain text,
// sent over SMTP at the configured hour, exactly once as far as the
// recipient can tell.
//
// # What "new" means
//
// A clipping is owed to a recipient when it is relevant to them (one of its
// mentions passes their entities and kinds filters, and its outlet's scope
// passes their scopes filter), nobody excluded it, veille first saw it at or
// after the recipient's baseline (the moment their first digest starts
// from, a day before it), and it is in none of their earlier digests. The
// test is on first_seen (when veille found the article), not on the
// publication date: an article found late by a backfill is sent once, in
// the next digest, with its publication date shown. A rematch that credits
// an article with a new entity makes it owed to the recipients who follow
// that entity and have not had it, as long as veille found the article
// after their baseline; older articles stay in the archive (search, counts).
// An excluded clipping is never put in a digest; one excluded after its
// digest was written but before any attempt to send it is withdrawn.
//
// # Exactly once
//
// The ledger (store digest_runs and digest_items) is written before the
// email is sent: a run claims the owed clippings in one transaction (a
// clipping is in at most one run per recipient), then each attempt freezes
// the message (same Message-ID, same bytes), sends it and records it as
// sent. A crash or a timeout between the SMTP server's acceptance and that
// record leaves the run pending, and the next attempt sends the identical
// message again: delivery is at least once, and the stable Message-ID lets
// the receiving side (mail servers and clients that deduplicate on it)
// show it once. Failures are retried with exponential backoff; nothing owed
// is ever dropped.
package digest

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"regexp"
	"strings"
	"time"

	"github.com/cner/veille/config"
	"github.com/cner/veille/internal/store"
)

// Defaults of Options.
const (
	DefaultTimeout   = time.Minute
	DefaultRetryBase = time.Minute
	DefaultRetryMax  = time.Hour
	// catchUpSkip: a daily digest missed while veille was stopped is sent
	// when it restarts, unless the next one is due within this time (it
	// then carries everything).
	catchUpSkip = 4 * time.Hour
	// maxSleep bounds the scheduler's sleeps, so that a clock jump or a
	// suspended machine delays a digest by minutes at most.
	maxSleep = 5 * time.Minute
)

// Options tunes a Service. The zero value is ready for production.
type Options struct {
	Logger *slog.Logger
	// Now and Sleep are the clock; tests inject their own.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
	// Timeout bounds one SMTP session (connection, TLS, every command).
	Timeout time.Duration
	// TLSConfig is the base TLS configuration (nil: the system's roots);
	// its ServerName defaults to digest.smtp.host.
	TLSConfig *tls.Config
	// RetryBase and RetryMax bound the backoff between failed attempts:
	// RetryBase, then doubled at each failure, up to RetryMax.
	RetryBase, RetryMax time.Duration
	// Lease is how long an attempt keeps other processes off a run; a
	// crashed attempt is retried after it. Defaults to 2×Timeout.
	Lease time.Duration
}

// Service builds, sends and schedules digests.
type Service struct {
	cfg     *config.Config
	st      *store.Store
	log     *slog.Logger
	opt     Options
	loc     *time.Location
	hour    int
	minute  int
	catalog *catalog
	from    *mail.Address
	smtp    *sender
	// afterAccept, when set (tests only), runs after the SMTP server
	// accepted a message and before the ledger records it.
	afterAccept func(run store.DigestRun)
}

// New returns a digest service over a validated configuration and an open
// store.
func New(cfg *config.Config, st *store.Store, opt Options) (*Service, error) {
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Sleep == nil {
		opt.Sleep = sleep
	}
	if opt.Timeout <= 0 {
		opt.Timeout = DefaultTimeout
	}
	if opt.RetryBase <= 0 {
		opt.RetryBase = DefaultRetryBase
	}
	if opt.RetryMax < opt.RetryBase {
		opt.RetryMax = max(DefaultRetryMax, opt.RetryBase)
	}
	if opt.Lease <= 0 {
		opt.Lease = 2 * opt.Timeout
	}
	t, err := time.Parse("15:04", cfg.Digest.Time)
	if err != nil {
		return nil, fmt.Errorf("digest: digest.time %q: %w", cfg.Digest.Time, err)
	}
	s := &Service{
		cfg:     cfg,
		st:      st,
		log:     opt.Logger.With("component", "digest"),
		opt:     opt,
		loc:     cfg.Location(),
		hour:    t.Hour(),
		minute:  t.Minute(),
		catalog: newCatalog(cfg),
	}
	if cfg.Digest.SMTP.From != "" {
		if s.from, err = mail.ParseAddress(cfg.Digest.SMTP.From); err != nil {
			return nil, fmt.Errorf("digest: digest.smtp.from %q: %w", cfg.Digest.SMTP.From, err)
		}
	}
	s.smtp = &sender{cfg: cfg.Digest.SMTP, timeout: opt.Timeout, tlsConfig: opt.TLSConfig, log: s.log}
	return s, nil
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Recipients returns the configured recipients.
func (s *Service) Recipients() []config.Recipient { return s.cfg.Digest.Recipients }

// Recipient finds a configured recipient by address (case-insensitive).
func (s *Service) Recipient(email string) (config.Recipient, bool) {
	for _, r := range s.cfg.Digest.Recipients {
		if strings.EqualFold(strings.TrimSpace(r.Email), strings.TrimSpace(email)) {
			return r, true
		}
	}
	return config.Recipient{}, false
}

func filterOf(r config.Recipient) store.DigestFilter {
	return store.DigestFilter{Recipient: r.Email, Entities: r.Entities, Kinds: r.Kinds, Scopes: r.Scopes}
}

func wantsEmpty(r config.Recipient) bool { return r.Empty == "send" }

var slotUnsafe = regexp.MustCompile(`[^A-Za-z0-9.-]+`)

// newMessageID returns a fresh Message-ID (without angle brackets) for a
// run: the slot for humans, a random part so that no two digests ever share
// one (a reinstalled veille must not collide with what clients have seen),
// the sender's domain.
func (s *Service) newMessageID(slot string) (string, error) {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("digest: message id: %w", err)
	}
	domain := "veille.invalid"
	if s.from != nil {
		if _, d, ok := strings.Cut(s.from.Address, "@"); ok && d != "" {
			domain = d
		}
	}
	return fmt.Sprintf("digest.%s.%s@%s", slotUnsafe.ReplaceAllString(slot, "-"), hex.EncodeToString(b[:]), domain), nil
}

// ErrNoSMTP is returned when sending is asked without digest.smtp.host.
var ErrNoSMTP = errors.New("digest: digest.smtp.host is empty")
