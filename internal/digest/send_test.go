package digest

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/cner/veille/config"
	"github.com/cner/veille/internal/digest/mailpittest"
	"github.com/cner/veille/internal/store"
)

// The recipients of the end-to-end tests: the communication service gets
// everything (and an "aucune retombée" note on empty days); three member
// agencies get their own clippings, one of them restricted to the national
// press.
var (
	comms  = config.Recipient{Email: "communication@cner.test", Name: "Service communication", Empty: "send"}
	aderly = config.Recipient{Email: "direction@aderly.test", Name: "Aderly", Entities: []string{"aderly"}, Empty: "skip"}
	adocc  = config.Recipient{Email: "contact@adocc.test", Name: "AD'OCC", Entities: []string{"ad-occ"},
		Scopes: []string{"national"}, Empty: "send"}
	lorrup = config.Recipient{Email: "veille@lorrup.test", Entities: []string{"lorr-up"}, Scopes: []string{"national"}, Empty: "skip"}
)

func outcomes(rs []Result) map[string][]string {
	out := map[string][]string{}
	for _, r := range rs {
		out[r.Recipient.Email] = append(out[r.Recipient.Email], r.Outcome)
	}
	return out
}

// TestSendThroughMailpit sends two rounds of digests through a real SMTP
// server and checks what arrived: who got what, subjects, both parts, the
// clippings listed, and that no clipping is listed twice to anyone.
func TestSendThroughMailpit(t *testing.T) {
	h := newHarness(t, comms, aderly, adocc, lorrup)
	mp := h.startMailpit(mailpittest.Options{})
	seedAll(h, at(2025, 3, 13, 20, 0))
	h.clock.Set(at(2025, 3, 14, 8, 0))
	s := h.service(Options{Timeout: 10 * time.Second})
	ctx := context.Background()

	res, err := s.SendNow(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Err != nil {
			t.Errorf("%s: %v", r.Recipient.Email, r.Err)
		}
	}
	got := outcomes(res)
	if strings.Join(got[lorrup.Email], ",") != OutcomeSkipped {
		t.Errorf("Lorr'Up (nothing national, empty: skip): %v", got[lorrup.Email])
	}
	mp.WaitFor(t, 3)
	box := inbox(t, mp)
	if len(box) != 3 || len(box[lorrup.Email]) != 0 {
		t.Fatalf("mailboxes %v, want communication, aderly and adocc", keys(box))
	}

	c := box[comms.Email][0]
	if c.Subject != "Veille CNER : 5 nouvelles retombées (2 nationales) – vendredi 14 mars 2025" {
		t.Errorf("subject %q", c.Subject)
	}
	if c.From.Address != "veille@cner.test" || c.From.Name != "Veille CNER" || c.To[0].Name != "Service communication" {
		t.Errorf("from %+v to %+v", c.From, c.To)
	}
	if !strings.Contains(c.Text, "5 nouvelles retombées, dont 2 dans la presse nationale") ||
		!strings.Contains(c.HTML, "5 nouvelles retombées, dont 2 dans la presse nationale") {
		t.Errorf("the totals line is missing from a part")
	}
	all := h.idsOf("cner-presidence", "aderly-investisseurs", "devco-occitanie", "titre-piege", "archive-2023")
	if !equalIDs(listed(c.HTML), all) || !equalIDs(listed(c.Text), all) {
		t.Errorf("communication got %s (html) %s (text), want %s", h.slugs(listed(c.HTML)), h.slugs(listed(c.Text)), h.slugs(all))
	}
	a := box[aderly.Email][0]
	if !strings.HasPrefix(a.Subject, "Veille CNER : 1 nouvelle retombée – ") || !equalIDs(listed(a.HTML), h.idsOf("aderly-investisseurs")) {
		t.Errorf("Aderly got %q listing %s", a.Subject, h.slugs(listed(a.HTML)))
	}
	o := box[adocc.Email][0]
	if !strings.Contains(o.Subject, "aucune nouvelle retombée") || len(listed(o.HTML)) != 0 ||
		!strings.Contains(o.Text, "Aucune nouvelle retombée depuis la précédente synthèse.") {
		t.Errorf("AD'OCC (national only, empty: send) got %q: %s", o.Subject, o.Text)
	}
	ids := map[string]bool{}
	for _, msgs := range box {
		for _, m := range msgs {
			if ids[m.MessageID] {
				t.Errorf("Message-ID %s used twice", m.MessageID)
			}
			ids[m.MessageID] = true
		}
	}

	// Second round: two new articles, one of them removed as a false positive.
	h.seed("aderly-suite", at(2025, 3, 14, 8, 30))
	fp := h.seed("faux-positif", at(2025, 3, 14, 8, 30))
	if err := h.st.Exclude(ctx, fp, "le CNER luxembourgeois", at(2025, 3, 14, 8, 40)); err != nil {
		t.Fatal(err)
	}
	h.clock.Set(at(2025, 3, 14, 9, 0))
	if _, err := s.SendNow(ctx, ""); err != nil {
		t.Fatal(err)
	}
	mp.WaitFor(t, 6)
	box = inbox(t, mp)
	if n := len(box[comms.Email]); n != 2 {
		t.Fatalf("communication has %d emails, want 2", n)
	}
	if got := listed(box[comms.Email][1].HTML); !equalIDs(got, h.idsOf("aderly-suite")) {
		t.Errorf("second digest lists %s, want only aderly-suite", h.slugs(got))
	}
	for addr, msgs := range box {
		seen := map[int64]bool{}
		for _, m := range msgs {
			for _, id := range listed(m.HTML) {
				if seen[id] {
					t.Errorf("%s got %s twice", addr, h.slugOfID(id))
				}
				if id == fp {
					t.Errorf("%s got the excluded clipping", addr)
				}
				seen[id] = true
			}
		}
	}
	if n := len(box[aderly.Email]); n != 2 {
		t.Errorf("Aderly has %d emails, want 2", n)
	}
	// The ledger agrees with the mailbox.
	runs, err := h.st.DigestRuns(ctx, comms.Email, false, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 || runs[0].State != store.DigestSent || runs[1].State != store.DigestSent ||
		"<"+runs[0].MessageID+">" != "<"+box[comms.Email][0].MessageID+">" {
		t.Errorf("ledger %+v", runs)
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestServerDownThenUp: the server drops connections; the digest stays
// owed, is retried, and once the server is back arrives once. A clipping
// excluded meanwhile is withdrawn, since no attempt reached the server.
func TestServerDownThenUp(t *testing.T) {
	h := newHarness(t, everything)
	mp := mailpittest.Start(t, mailpittest.Options{})
	proxy := mailpittest.NewProxy(t, mp.SMTPAddr())
	h.useSMTP("127.0.0.1", proxy.Port())
	seedAll(h, at(2025, 3, 13, 20, 0))
	h.clock.Set(at(2025, 3, 14, 8, 0))
	s := h.service(Options{Timeout: 5 * time.Second})
	ctx := context.Background()

	proxy.SetMode(mailpittest.Drop)
	res, err := s.SendNow(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || res[0].Outcome != OutcomeFailed {
		t.Fatalf("results %+v, want one failure", res)
	}
	var se *SMTPError
	if !errors.As(res[0].Err, &se) || se.Stage != "connect" {
		t.Errorf("error %v, want a connect-stage SMTP error", res[0].Err)
	}
	if want := at(2025, 3, 14, 8, 1); !res[0].Run.NextAttemptAt.Equal(want) {
		t.Errorf("next attempt %v, want %v", res[0].Run.NextAttemptAt, want)
	}
	pending, err := s.Pending(ctx)
	if err != nil || len(pending) != 1 || pending[0].Attempts != 1 || pending[0].Frozen || pending[0].LastError == "" {
		t.Fatalf("pending %+v (%v)", pending, err)
	}

	// The false positive is excluded while the server is down.
	if err := h.st.Exclude(ctx, h.ids["titre-piege"], "test", at(2025, 3, 14, 8, 5)); err != nil {
		t.Fatal(err)
	}
	proxy.SetMode(mailpittest.Forward)
	h.clock.Set(at(2025, 3, 14, 8, 10))
	if _, err := s.SendNow(ctx, ""); err != nil {
		t.Fatal(err)
	}
	msgs := mp.WaitFor(t, 1)
	time.Sleep(200 * time.Millisecond) // a second message would be stored by now
	msgs = mp.Messages(t)
	if len(msgs) != 1 {
		t.Fatalf("%d messages, want 1", len(msgs))
	}
	m := mp.Message(t, msgs[0].ID)
	want := h.idsOf("cner-presidence", "aderly-investisseurs", "devco-occitanie", "archive-2023")
	if got := listed(m.HTML); !equalIDs(got, want) {
		t.Errorf("listed %s, want %s (the excluded one withdrawn)", h.slugs(got), h.slugs(want))
	}
	if m.MessageID != pending[0].MessageID {
		t.Errorf("Message-ID %s, want the run's %s", m.MessageID, pending[0].MessageID)
	}
	// Restored, the clipping is owed again, and goes in the next digest.
	if err := h.st.Restore(ctx, h.ids["titre-piege"]); err != nil {
		t.Fatal(err)
	}
	h.clock.Set(at(2025, 3, 14, 9, 0))
	if _, err := s.SendNow(ctx, ""); err != nil {
		t.Fatal(err)
	}
	msgs = mp.WaitFor(t, 2)
	if len(msgs) != 2 {
		t.Fatalf("%d messages, want 2", len(msgs))
	}
	if got := listed(mp.Message(t, msgs[1].ID).HTML); !equalIDs(got, h.idsOf("titre-piege")) {
		t.Errorf("after restoring, the next digest lists %s", h.slugs(got))
	}
}

// TestServerHangs: a server that accepts the connection and says nothing
// makes the attempt fail at the timeout, not hang; the retry delivers.
func TestServerHangs(t *testing.T) {
	h := newHarness(t, aderly)
	mp := mailpittest.Start(t, mailpittest.Options{})
	proxy := mailpittest.NewProxy(t, mp.SMTPAddr())
	h.useSMTP("127.0.0.1", proxy.Port())
	h.seed("aderly-investisseurs", at(2025, 3, 13, 20, 0))
	h.clock.Set(at(2025, 3, 14, 8, 0))
	s := h.service(Options{Timeout: 300 * time.Millisecond})
	ctx := context.Background()

	proxy.SetMode(mailpittest.Hang)
	res, err := s.SendNow(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	var ne net.Error
	if len(res) != 1 || res[0].Outcome != OutcomeFailed || !errors.As(res[0].Err, &ne) || !ne.Timeout() {
		t.Fatalf("results %+v, want a timeout", res)
	}
	proxy.SetMode(mailpittest.Forward)
	h.clock.Set(at(2025, 3, 14, 8, 5))
	res, err = s.SendNow(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if o := outcomes(res)[aderly.Email]; strings.Join(o, ",") != "sent,skipped" {
		t.Errorf("outcomes %v, want the pending digest sent, nothing new", o)
	}
	if msgs := mp.WaitFor(t, 1); len(msgs) != 1 {
		t.Errorf("%d messages, want 1", len(msgs))
	}
}

// TestTemporaryAndPermanentRefusals: the real server answers RCPT with 451
// (temporary: retry soon) or 550 (permanent: retry at the longest backoff);
// nothing is dropped, and the digest arrives once the server accepts.
func TestTemporaryAndPermanentRefusals(t *testing.T) {
	h := newHarness(t, aderly)
	mp := h.startMailpit(mailpittest.Options{Chaos: true})
	h.seed("aderly-investisseurs", at(2025, 3, 13, 20, 0))
	h.clock.Set(at(2025, 3, 14, 8, 0))
	s := h.service(Options{Timeout: 10 * time.Second})
	ctx := context.Background()

	mp.SetChaos(t, 451, 100)
	res, _ := s.SendNow(ctx, "")
	var se *SMTPError
	if len(res) != 1 || !errors.As(res[0].Err, &se) || se.Code != 451 || se.Stage != "rcpt" || se.Permanent() {
		t.Fatalf("results %+v, want a temporary refusal of the recipient", res)
	}
	if want := h.clock.Now().Add(time.Minute); !res[0].Run.NextAttemptAt.Equal(want) {
		t.Errorf("retry at %v, want %v", res[0].Run.NextAttemptAt, want)
	}
	mp.SetChaos(t, 550, 100)
	h.clock.Advance(time.Minute)
	res, _ = s.SendNow(ctx, "")
	if len(res) == 0 || !errors.As(res[0].Err, &se) || se.Code != 550 || !se.Permanent() {
		t.Fatalf("results %+v, want a permanent refusal", res)
	}
	if want := h.clock.Now().Add(DefaultRetryMax); !res[0].Run.NextAttemptAt.Equal(want) {
		t.Errorf("retry after a 550 at %v, want %v", res[0].Run.NextAttemptAt, want)
	}
	mp.SetChaos(t, 451, 0)
	h.clock.Advance(time.Hour)
	res, err := s.SendNow(ctx, "")
	if err != nil || res[0].Outcome != OutcomeSent {
		t.Fatalf("results %+v (%v)", res, err)
	}
	msgs := mp.WaitFor(t, 1)
	if len(msgs) != 1 || !equalIDs(listed(mp.Message(t, msgs[0].ID).HTML), h.idsOf("aderly-investisseurs")) {
		t.Errorf("mailbox %+v", msgs)
	}
}

// TestConcurrentSendersSendOnce: two services on one store (as veille run
// and a veille digest --send at the same moment) send one digest, not two.
func TestConcurrentSendersSendOnce(t *testing.T) {
	h := newHarness(t, comms)
	mp := h.startMailpit(mailpittest.Options{})
	seedAll(h, at(2025, 3, 13, 20, 0))
	h.clock.Set(at(2025, 3, 14, 8, 0))
	a, b := h.service(Options{}), h.service(Options{})
	ctx := context.Background()
	done := make(chan struct{})
	go func() { a.tick(ctx, h.clock.Now()); close(done) }()
	b.tick(ctx, h.clock.Now())
	<-done
	msgs := mp.WaitFor(t, 1)
	time.Sleep(200 * time.Millisecond)
	if msgs = mp.Messages(t); len(msgs) != 1 {
		t.Errorf("%d messages, want 1", len(msgs))
	}
	runs, err := h.st.DigestRuns(ctx, "", false, 0)
	if err != nil || len(runs) != 1 || runs[0].State != store.DigestSent || runs[0].Attempts != 1 {
		t.Errorf("ledger %+v (%v)", runs, err)
	}
}
