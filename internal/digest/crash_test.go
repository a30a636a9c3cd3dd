package digest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/smtp"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/cner/veille/config"
	"github.com/cner/veille/internal/digest/mailpittest"
	"github.com/cner/veille/internal/store"
)

// The crash test runs veille's sending in a child process (this test binary
// again) that dies, as a kill -9 would, right after the SMTP server accepted
// the digest and before the ledger recorded it.
const (
	crashEnvDB   = "VEILLE_DIGEST_CRASH_DB"
	crashEnvPort = "VEILLE_DIGEST_CRASH_SMTP_PORT"
	crashEnvNow  = "VEILLE_DIGEST_CRASH_NOW"
	crashExit    = 3
)

func TestMain(m *testing.M) {
	if os.Getenv(crashEnvDB) != "" {
		os.Exit(crashChild())
	}
	os.Exit(m.Run())
}

// crashChild sends the digest and dies between acceptance and ledger.
func crashChild() int {
	fail := func(err error) int {
		fmt.Fprintln(os.Stderr, "crash child:", err)
		return 1
	}
	cfg, err := config.Load(filepath.Join("testdata", "config.yaml"))
	if err != nil {
		return fail(err)
	}
	cfg.Digest.Recipients = []config.Recipient{everything}
	cfg.Digest.SMTP.Port, _ = strconv.Atoi(os.Getenv(crashEnvPort))
	now, err := time.Parse(time.RFC3339, os.Getenv(crashEnvNow))
	if err != nil {
		return fail(err)
	}
	st, err := store.Open(context.Background(), os.Getenv(crashEnvDB))
	if err != nil {
		return fail(err)
	}
	s, err := New(cfg, st, Options{Now: func() time.Time { return now }, Timeout: 10 * time.Second})
	if err != nil {
		return fail(err)
	}
	s.afterAccept = func(store.DigestRun) { os.Exit(crashExit) }
	res, err := s.SendNow(context.Background(), "")
	if err != nil {
		return fail(err)
	}
	return fail(fmt.Errorf("did not crash: %+v", res))
}

// TestCrashBetweenAcceptAndLedger: the SMTP server accepted the digest, then
// veille died before writing "sent". At restart, the digest is still owed:
// it is sent again, the same message (same Message-ID, same clippings, same
// bytes), once. The mailbox that keeps everything shows the duplicate; a
// mailbox that deduplicates on Message-ID, as the recipient's mail service
// or client does, shows one digest.
func TestCrashBetweenAcceptAndLedger(t *testing.T) {
	h := newHarness(t, everything)
	mp := h.startMailpit(mailpittest.Options{})
	seedAll(h, at(2025, 3, 13, 20, 0))
	crashAt := at(2025, 3, 14, 8, 0)
	ctx := context.Background()

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashEnvDB+"="+h.dbPath, crashEnvPort+"="+strconv.Itoa(mp.SMTPPort),
		crashEnvNow+"="+crashAt.Format(time.RFC3339))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != crashExit {
		t.Fatalf("child: %v, want exit %d\n%s", err, crashExit, stderr.String())
	}

	// The server has the digest; the ledger does not know it was sent.
	first := mp.WaitFor(t, 1)
	if len(first) != 1 {
		t.Fatalf("%d messages after the crash, want 1", len(first))
	}
	pending, err := h.st.DigestRuns(ctx, "", true, 0)
	if err != nil || len(pending) != 1 || !pending[0].Frozen || pending[0].Attempts != 1 {
		t.Fatalf("pending after the crash %+v (%v)", pending, err)
	}
	run := pending[0]

	// A restart within the lease leaves it alone (the attempt might still be
	// in progress); after the lease it sends it again.
	s := h.service(Options{Timeout: 10 * time.Second})
	h.clock.Set(crashAt.Add(5 * time.Second))
	res, err := s.SendNow(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if o := outcomes(res)[everything.Email]; len(o) != 2 || o[0] != OutcomeBusy || o[1] != OutcomeSkipped {
		t.Errorf("within the lease: %v, want busy, then nothing new", o)
	}
	h.clock.Set(crashAt.Add(time.Minute))
	res, err = s.SendNow(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if o := outcomes(res)[everything.Email]; len(o) != 2 || o[0] != OutcomeSent || !res[0].Retry || o[1] != OutcomeSkipped {
		t.Errorf("after the lease: %v, want the pending digest sent again, then nothing new", o)
	}
	msgs := mp.WaitFor(t, 2)
	if len(msgs) != 2 {
		t.Fatalf("%d messages, want 2 (the original and the retry)", len(msgs))
	}
	a, b := mp.Message(t, msgs[0].ID), mp.Message(t, msgs[1].ID)
	if a.MessageID != run.MessageID || b.MessageID != run.MessageID {
		t.Errorf("Message-IDs %s and %s, want both %s", a.MessageID, b.MessageID, run.MessageID)
	}
	if a.Subject != b.Subject || a.Text != b.Text || a.HTML != b.HTML {
		t.Errorf("the retry differs from the original")
	}
	want := h.idsOf("cner-presidence", "aderly-investisseurs", "devco-occitanie", "titre-piege", "archive-2023")
	if !equalIDs(listed(a.HTML), want) || !equalIDs(listed(b.HTML), want) {
		t.Errorf("listed %s and %s, want %s", h.slugs(listed(a.HTML)), h.slugs(listed(b.HTML)), h.slugs(want))
	}
	rawA, rawB := ownPart(t, mp.Raw(t, msgs[0].ID)), ownPart(t, mp.Raw(t, msgs[1].ID))
	if !bytes.Equal(rawA, rawB) {
		t.Errorf("the retry is not byte for byte the original")
	}
	runs, err := h.st.DigestRuns(ctx, "", false, 0)
	if err != nil {
		t.Fatal(err)
	}
	sent := 0
	for _, r := range runs {
		if r.State == store.DigestSent {
			sent++
			if r.ID != run.ID || r.Attempts != 2 || r.Frozen {
				t.Errorf("sent run %+v", r)
			}
		}
	}
	if sent != 1 {
		t.Errorf("%d runs sent, want 1: %+v", sent, runs)
	}

	// Later sends find nothing owed: no third copy.
	h.clock.Set(crashAt.Add(time.Hour))
	if _, err := s.SendNow(ctx, ""); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	if n := len(mp.Messages(t)); n != 2 {
		t.Errorf("%d messages, want still 2", n)
	}

	// What the recipient sees: a mailbox that deduplicates on Message-ID
	// (mailpit --ignore-duplicate-ids) receives both copies and keeps one.
	inbox := mailpittest.Start(t, mailpittest.Options{IgnoreDuplicateIDs: true})
	for _, m := range msgs {
		raw := ownPart(t, mp.Raw(t, m.ID))
		if err := smtp.SendMail(inbox.SMTPAddr(), nil, "veille@cner.test", []string{everything.Email}, raw); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(200 * time.Millisecond)
	if kept := inbox.Messages(t); len(kept) != 1 || kept[0].MessageID != run.MessageID {
		t.Errorf("the deduplicating mailbox holds %d messages, want 1", len(kept))
	}
}

// ownPart cuts the headers the receiving server added (Received,
// Return-Path…) off a raw message: what veille wrote starts at "From: ".
func ownPart(t *testing.T, raw []byte) []byte {
	t.Helper()
	i := bytes.Index(raw, []byte("\r\nFrom: "))
	if bytes.HasPrefix(raw, []byte("From: ")) {
		return raw
	}
	if i < 0 {
		t.Fatalf("no From header in\n%s", raw)
	}
	return raw[i+2:]
}
