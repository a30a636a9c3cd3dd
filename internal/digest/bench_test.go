package digest

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"testing"
	"time"

	"github.com/cner/veille/config"
	"github.com/cner/veille/internal/digest/mailpittest"
	"github.com/cner/veille/internal/model"
	"github.com/cner/veille/internal/store"
)

// benchClippings makes n clippings spread over the test entities.
func benchClippings(n int) []*model.Clipping {
	ents := []struct {
		id   string
		kind model.EntityKind
	}{{"cner", model.KindFederation}, {"devco", model.KindEvent}, {"jalil-benabdillah", model.KindPerson},
		{"aderly", model.KindMember}, {"ad-occ", model.KindMember}, {"lorr-up", model.KindMember}}
	scopes := model.Scopes()
	out := make([]*model.Clipping, n)
	for i := range out {
		snippet := "… les agences de développement, dont le CNER, ont présenté leurs résultats devant les élus de la région …"
		hl := bytes.Index([]byte(snippet), []byte("CNER"))
		c := &model.Clipping{ID: int64(i + 1), URL: fmt.Sprintf("https://lesechos.test/article-%d", i),
			OutletID: "lesechos", OutletName: "Les Échos", Scope: scopes[i%len(scopes)],
			Title:     fmt.Sprintf("Les agences de développement et le CNER, épisode %d", i),
			Authors:   []string{"Anne Martin"},
			Published: at(2025, 3, 13, 6, 0).Add(time.Duration(i) * time.Minute), FirstSeen: at(2025, 3, 13, 20, 0)}
		for j := 0; j < 1+i%3; j++ {
			e := ents[(i+j)%len(ents)]
			c.Mentions = append(c.Mentions, model.Mention{EntityID: e.id, EntityKind: e.kind, Snippet: snippet,
				HLStart: hl, HLEnd: hl + 4, Count: 1})
		}
		out[i] = c
	}
	return out
}

// BenchmarkRender: a digest of 50 clippings, built (grouped, sorted),
// rendered to HTML and text and composed as a MIME message, against the
// bare libraries doing the rendering and encoding alone (html/template and
// text/template on the same, already built digest; multipart and
// quoted-printable).
func BenchmarkRender(b *testing.B) {
	cfg, err := config.Load("testdata/config.yaml")
	if err != nil {
		b.Fatal(err)
	}
	s, err := New(cfg, nil, Options{})
	if err != nil {
		b.Fatal(err)
	}
	clippings := benchClippings(50)
	r := config.Recipient{Email: "communication@cner.test", Name: "Service communication"}
	day, since := at(2025, 3, 14, 8, 0), at(2025, 3, 13, 8, 0)
	b.Run("veille", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			d := s.catalog.build(r, clippings, day, since, "http://veille.test", paris)
			rd, err := s.render(d)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := s.compose(mail.Address{Name: r.Name, Address: r.Email}, rd, "x@cner.test", "2025-03-14", day); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("bare", func(b *testing.B) {
		d := s.catalog.build(r, clippings, day, since, "http://veille.test", paris)
		v := view{Digest: d, Subject: d.subject(), Totals: totalsSentence(d.Total, d.National), ScopeLine: scopeLine(d.ByScope)}
		b.ReportAllocs()
		for b.Loop() {
			var h, t, msg bytes.Buffer
			if err := htmlTmpl.Execute(&h, v); err != nil {
				b.Fatal(err)
			}
			if err := textTmpl.Execute(&t, v); err != nil {
				b.Fatal(err)
			}
			mw := multipart.NewWriter(&msg)
			for _, body := range [][]byte{t.Bytes(), h.Bytes()} {
				pw, _ := mw.CreatePart(textproto.MIMEHeader{"Content-Transfer-Encoding": {"quoted-printable"}})
				qp := quotedprintable.NewWriter(pw)
				qp.Write(body)
				qp.Close()
			}
			mw.Close()
		}
	})
}

// BenchmarkPrepare: writing a digest run on a store of 4,000 articles
// (1,000 of them clippings over two years, 50 found in the last day):
// selecting what is owed and claiming it in one transaction, against the
// bare selection query through database/sql.
func BenchmarkPrepare(b *testing.B) {
	ctx := context.Background()
	cfg, err := config.Load("testdata/config.yaml")
	if err != nil {
		b.Fatal(err)
	}
	st, err := store.Open(ctx, b.TempDir()+"/veille.db")
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	if err := st.SyncOutlets(ctx, cfg.Outlets, paris, at(2020, 1, 1, 0, 0)); err != nil {
		b.Fatal(err)
	}
	now := at(2025, 3, 14, 8, 0)
	for i := 0; i < 4000; i++ {
		seen := now.Add(-time.Duration(i) * 4 * time.Hour) // two years
		if i < 200 {
			seen = now.Add(-time.Duration(i) * 7 * time.Minute) // the last day: 200 articles
		}
		var ms []model.Mention
		if i%4 == 0 {
			ms = []model.Mention{{EntityID: "cner", EntityKind: model.KindFederation, Alias: "CNER", Matched: "CNER",
				Field: model.FieldBody, Snippet: "le CNER", HLStart: 3, HLEnd: 7, Count: 1}}
		}
		art := &model.Article{Title: fmt.Sprintf("Article %d", i), Text: "Texte.", Published: seen}
		if _, err := st.SaveArticle(ctx, store.ArticleInput{URL: fmt.Sprintf("https://lesechos.test/%d", i), OutletID: "lesechos",
			Article: art, FetchedAt: seen, Mentions: ms}); err != nil {
			b.Fatal(err)
		}
	}
	since := now.Add(-24 * time.Hour)
	b.Run("veille", func(b *testing.B) {
		i := 0
		for b.Loop() {
			i++
			run, _, err := st.PrepareDigestRun(ctx, store.DigestPrepare{
				Filter: store.DigestFilter{Recipient: fmt.Sprintf("r%d@cner.test", i)}, Slot: "2025-03-14",
				MessageID: fmt.Sprintf("m%d@cner.test", i), Now: now, DefaultSince: since})
			if err != nil || len(run.ArticleIDs) != 50 {
				b.Fatalf("%d clippings (%v), want 50", len(run.ArticleIDs), err)
			}
		}
	})
	b.Run("bare", func(b *testing.B) {
		i := 0
		for b.Loop() {
			i++
			rows, err := st.DB().QueryContext(ctx, `SELECT a.id FROM articles a WHERE a.mention_count > 0 AND a.excluded = 0
				AND a.first_seen_at >= ? AND NOT EXISTS (SELECT 1 FROM digest_items d WHERE d.recipient = ? AND d.article_id = a.id)`,
				since.Unix(), fmt.Sprintf("bare%d@cner.test", i))
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			for rows.Next() {
				n++
			}
			rows.Close()
			if n != 50 {
				b.Fatalf("%d rows, want 50", n)
			}
		}
	})
}

// BenchmarkSend: one digest through a real SMTP server (mailpit), by
// veille's sender (timeouts, context, checks) against net/smtp.SendMail.
func BenchmarkSend(b *testing.B) {
	mp := mailpittest.Start(b, mailpittest.Options{})
	cfg, err := config.Load("testdata/config.yaml")
	if err != nil {
		b.Fatal(err)
	}
	cfg.Digest.SMTP.Port = mp.SMTPPort
	s, err := New(cfg, nil, Options{Timeout: 10 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	r := config.Recipient{Email: "communication@cner.test"}
	rd, err := s.render(s.catalog.build(r, benchClippings(50), at(2025, 3, 14, 8, 0), at(2025, 3, 13, 8, 0), "", paris))
	if err != nil {
		b.Fatal(err)
	}
	msg, err := s.compose(mail.Address{Address: r.Email}, rd, "x@cner.test", "bench", at(2025, 3, 14, 8, 0))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("veille", func(b *testing.B) {
		for b.Loop() {
			if err := s.smtp.send(context.Background(), "veille@cner.test", []string{r.Email}, msg); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("bare", func(b *testing.B) {
		for b.Loop() {
			if err := smtp.SendMail(mp.SMTPAddr(), nil, "veille@cner.test", []string{r.Email}, msg); err != nil {
				b.Fatal(err)
			}
		}
	})
}
