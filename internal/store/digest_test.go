package store

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/cner/veille/internal/model"
)

// saveSeen stores an article found at firstSeen, published at published,
// mentioning the given entities.
func saveSeen(t *testing.T, s *Store, slug string, published, firstSeen time.Time, entities ...string) int64 {
	t.Helper()
	var ms []model.Mention
	for _, e := range entities {
		ms = append(ms, model.Mention{EntityID: e, EntityKind: model.KindMember, Alias: e, Matched: e,
			Field: model.FieldBody, Snippet: "… " + e + " …", HLStart: 4, HLEnd: 4 + len(e), Count: 1})
	}
	res, err := s.SaveArticle(context.Background(), ArticleInput{URL: "https://echo.fr/" + slug, OutletID: "echo",
		Article: &model.Article{Title: slug, Text: "Texte " + slug, Published: published}, FetchedAt: firstSeen, Mentions: ms})
	if err != nil {
		t.Fatal(err)
	}
	return res.ID
}

func prepare(t *testing.T, s *Store, f DigestFilter, slot string, now time.Time) DigestRun {
	t.Helper()
	run, _, err := s.PrepareDigestRun(context.Background(), DigestPrepare{Filter: f, Slot: slot,
		MessageID: slot + "." + f.Recipient, Now: now, DefaultSince: now.Add(-24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	return run
}

func sameIDs(a []int64, b ...int64) bool {
	return fmt.Sprint(sortIDs(a)) == fmt.Sprint(sortIDs(b))
}

func sortIDs(ids []int64) []int64 {
	out := append([]int64(nil), ids...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

// TestDigestLedgerOwes: what a recipient is owed, run after run — the
// baseline, a late find, an exclusion, a rematch that adds an entity.
func TestDigestLedgerOwes(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	if err := s.SyncOutlets(ctx, testOutlets(), paris, day(2020, 1, 1)); err != nil {
		t.Fatal(err)
	}
	comms := DigestFilter{Recipient: "Communication@CNER.test"}
	member := DigestFilter{Recipient: "direction@aderly.test", Entities: []string{"aderly"}}
	d1 := time.Date(2025, 3, 14, 8, 0, 0, 0, paris)

	before := saveSeen(t, s, "avant", d1.Add(-72*time.Hour), d1.Add(-72*time.Hour), "cner")
	a := saveSeen(t, s, "a", d1.Add(-5*time.Hour), d1.Add(-4*time.Hour), "cner")
	late := saveSeen(t, s, "archive-2019", day(2019, 6, 1), d1.Add(-3*time.Hour), "cner") // found late
	b := saveSeen(t, s, "b", d1.Add(-2*time.Hour), d1.Add(-2*time.Hour), "cner", "aderly")
	x := saveSeen(t, s, "faux", d1.Add(-2*time.Hour), d1.Add(-2*time.Hour), "cner")
	none := saveSeen(t, s, "sans", d1.Add(-2*time.Hour), d1.Add(-2*time.Hour))
	if err := s.Exclude(ctx, x, "faux positif", d1.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}

	r1 := prepare(t, s, comms, "2025-03-14", d1)
	if !sameIDs(r1.ArticleIDs, a, late, b) {
		t.Errorf("first digest lists %v, want %v (not %d found before the baseline, %d excluded, %d no clipping)",
			r1.ArticleIDs, []int64{a, late, b}, before, x, none)
	}
	if r1.State != DigestPending || r1.Recipient != "communication@cner.test" || !r1.PeriodFrom.Equal(d1.Add(-24*time.Hour)) {
		t.Errorf("run %+v", r1)
	}
	// The same slot again (a restart): the same run, nothing new claimed.
	again, created, err := s.PrepareDigestRun(ctx, DigestPrepare{Filter: comms, Slot: "2025-03-14", MessageID: "other",
		Now: d1.Add(time.Hour), DefaultSince: d1})
	if err != nil || created || again.ID != r1.ID || again.MessageID != r1.MessageID {
		t.Errorf("second prepare of a slot: created %v, %+v (%v)", created, again, err)
	}
	if m := prepare(t, s, member, "2025-03-14", d1); !sameIDs(m.ArticleIDs, b) {
		t.Errorf("member digest lists %v, want [%d]", m.ArticleIDs, b)
	}

	// Day 2: a new article; a rematch credits Aderly in article a, already
	// sent to comms; the excluded one is restored.
	d2 := d1.Add(24 * time.Hour)
	c := saveSeen(t, s, "c", d2.Add(-3*time.Hour), d2.Add(-3*time.Hour), "aderly")
	if _, err := s.ReplaceMentions(ctx, a, []model.Mention{
		{EntityID: "cner", EntityKind: model.KindFederation, Snippet: "cner", HLStart: 0, HLEnd: 4, Count: 1},
		{EntityID: "aderly", EntityKind: model.KindMember, Snippet: "aderly", HLStart: 0, HLEnd: 6, Count: 1},
	}, d2.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.Restore(ctx, x); err != nil {
		t.Fatal(err)
	}
	r2 := prepare(t, s, comms, "2025-03-15", d2)
	if !sameIDs(r2.ArticleIDs, c, x) {
		t.Errorf("comms' second digest lists %v, want [%d %d] (the new one and the restored one, not a again)", r2.ArticleIDs, c, x)
	}
	if !r2.PeriodFrom.Equal(d1) {
		t.Errorf("second digest covers from %v, want the first one's time %v", r2.PeriodFrom, d1)
	}
	if m := prepare(t, s, member, "2025-03-15", d2); !sameIDs(m.ArticleIDs, a, c) {
		t.Errorf("member's second digest lists %v, want [%d %d] (a is new to Aderly after the rematch)", m.ArticleIDs, a, c)
	}
	// Nothing is in two runs of one recipient: the database refuses it.
	if _, err := s.db.ExecContext(ctx, `INSERT INTO digest_items(run_id, recipient, article_id) VALUES (?, ?, ?)`,
		r2.ID, "communication@cner.test", a); err == nil {
		t.Errorf("a clipping could be put in a second digest to the same recipient")
	}
	// A new recipient starts from the day before their first digest: not
	// the restored x, found before that.
	if nw := prepare(t, s, DigestFilter{Recipient: "new@example.org"}, "2025-03-15", d2); !sameIDs(nw.ArticleIDs, c) {
		t.Errorf("a new recipient gets %v, want [%d]", nw.ArticleIDs, c)
	}
	owed, err := s.OwedClippings(ctx, comms, d1.Add(-24*time.Hour))
	if err != nil || len(owed) != 0 {
		t.Errorf("still owed to comms: %v (%v)", owed, err)
	}
}

// TestDigestClaim: a claim freezes the message, leases the run, and gives
// every later attempt the same bytes; a failure before DATA may unfreeze it.
func TestDigestClaim(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	if err := s.SyncOutlets(ctx, testOutlets(), paris, day(2020, 1, 1)); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2025, 3, 14, 8, 0, 0, 0, paris)
	a := saveSeen(t, s, "a", now.Add(-time.Hour), now.Add(-time.Hour), "cner")
	b := saveSeen(t, s, "b", now.Add(-time.Hour), now.Add(-time.Hour), "cner")
	run := prepare(t, s, DigestFilter{Recipient: "r@example.org"}, "2025-03-14", now)

	// Before any attempt, withdrawn clippings leave the run.
	if ok, err := s.DropDigestItems(ctx, run.ID, []int64{b}); err != nil || !ok {
		t.Fatalf("drop before the first attempt: %v %v", ok, err)
	}
	msg1 := []byte("message one")
	frozen, was, ok, err := s.ClaimDigestRun(ctx, run.ID, msg1, now, now.Add(time.Minute))
	if err != nil || !ok || was || !bytes.Equal(frozen, msg1) {
		t.Fatalf("first claim: %q %v %v %v", frozen, was, ok, err)
	}
	if _, _, ok, _ := s.ClaimDigestRun(ctx, run.ID, []byte("other"), now.Add(30*time.Second), now.Add(2*time.Minute)); ok {
		t.Errorf("a second claim within the lease succeeded")
	}
	if ok, _ := s.DropDigestItems(ctx, run.ID, []int64{a}); ok {
		t.Errorf("items dropped from a frozen run")
	}
	// The lease over (a crash), the next attempt gets the first message.
	frozen, was, ok, err = s.ClaimDigestRun(ctx, run.ID, []byte("message two"), now.Add(2*time.Minute), now.Add(3*time.Minute))
	if err != nil || !ok || !was || !bytes.Equal(frozen, msg1) {
		t.Fatalf("claim after the lease: %q %v %v %v", frozen, was, ok, err)
	}
	// A failure that certainly did not deliver may unfreeze (the caller
	// decides: only when no earlier attempt had frozen it).
	if err := s.DigestRunFailed(ctx, run.ID, "connect: refused", now.Add(5*time.Minute), true); err != nil {
		t.Fatal(err)
	}
	got, _, err := s.DigestRunBySlot(ctx, "R@example.org", "2025-03-14")
	if err != nil || got.Frozen || got.Attempts != 2 || got.LastError != "connect: refused" || !got.NextAttemptAt.Equal(now.Add(5*time.Minute)) || !sameIDs(got.ArticleIDs, a) {
		t.Errorf("after failure: %+v (%v)", got, err)
	}
	next, ok, err := s.NextDigestAttempt(ctx, []string{"r@example.org"})
	if err != nil || !ok || !next.Equal(now.Add(5*time.Minute)) {
		t.Errorf("next attempt %v %v %v", next, ok, err)
	}
	if _, _, ok, err := s.ClaimDigestRun(ctx, run.ID, []byte("message three"), now.Add(5*time.Minute), now.Add(6*time.Minute)); err != nil || !ok {
		t.Fatal(err)
	}
	if err := s.DigestRunSent(ctx, run.ID, now.Add(5*time.Minute)); err != nil {
		t.Fatal(err)
	}
	got, _, _ = s.DigestRunBySlot(ctx, "r@example.org", "2025-03-14")
	if got.State != DigestSent || got.Frozen || !got.SentAt.Equal(now.Add(5*time.Minute)) {
		t.Errorf("after sent: %+v", got)
	}
	if _, _, ok, _ := s.ClaimDigestRun(ctx, run.ID, nil, now.Add(time.Hour), now.Add(2*time.Hour)); ok {
		t.Errorf("a sent run was claimed again")
	}
	if n, ok, _ := s.NextDigestAttempt(ctx, []string{"r@example.org"}); ok {
		t.Errorf("next attempt %v for a recipient with nothing pending", n)
	}
}
