package digest

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/cner/veille/config"
	"github.com/cner/veille/internal/model"
)

// FuzzRender feeds arbitrary press text (titles, authors, snippets, match
// offsets) through building, rendering and composing: the message always
// parses, both parts decode to what was rendered, and the HTML never
// carries markup from the press (no element or event handler it did not
// write itself).
func FuzzRender(f *testing.F) {
	f.Add("Le CNER élit son président", "Anne Martin", "… le CNER a élu …", 4, 8)
	f.Add(`<script>alert(1)</script>`, `<b onmouseover="x()">R</b>`, `<img src=x onerror=alert(1)> CNER`, 30, 34)
	f.Add("=?utf-8?q?=41?= \r\nBcc: x@y", "\x00\x1b[31m", "CNER\r\n.\r\nQUIT", 0, 4)
	f.Add("\xff\xfe invalid", "", "", -3, 99)
	f.Add(strings.Repeat("é", 500), strings.Repeat("a", 1000), strings.Repeat("CNER ", 300), 5, 9)
	cfg, err := config.Load("testdata/config.yaml")
	if err != nil {
		f.Fatal(err)
	}
	s, err := New(cfg, nil, Options{})
	if err != nil {
		f.Fatal(err)
	}
	r := config.Recipient{Email: "communication@cner.test", Name: "Service « communication »"}
	f.Fuzz(func(t *testing.T, title, author, snippet string, hlStart, hlEnd int) {
		c := &model.Clipping{ID: 7, URL: "https://lesechos.test/a", OutletName: title, Scope: model.ScopeNational,
			Title: title, Authors: []string{author}, Published: at(2025, 3, 13, 9, 0), FirstSeen: at(2025, 3, 13, 20, 0),
			Mentions: []model.Mention{{EntityID: "cner", EntityKind: model.KindFederation, Snippet: snippet, HLStart: hlStart, HLEnd: hlEnd},
				{EntityID: "aderly", EntityKind: model.KindMember, Snippet: title, HLStart: 0, HLEnd: len(title)}}}
		d := s.catalog.build(r, []*model.Clipping{c}, at(2025, 3, 14, 8, 0), at(2025, 3, 13, 8, 0), "http://veille.test", paris)
		rd, err := s.render(d)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := s.compose(mail.Address{Name: r.Name, Address: r.Email}, rd, "x@cner.test", "2025-03-14", at(2025, 3, 14, 8, 0))
		if err != nil {
			t.Fatal(err)
		}
		msg, err := mail.ReadMessage(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("message does not parse: %v", err)
		}
		if len(msg.Header["Bcc"]) > 0 || msg.Header.Get("Message-Id") != "<x@cner.test>" {
			t.Fatalf("headers altered: %v", msg.Header)
		}
		_, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
		if err != nil {
			t.Fatal(err)
		}
		mr := multipart.NewReader(msg.Body, params["boundary"])
		parts := 0
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(p)
			if err != nil {
				t.Fatal(err)
			}
			want := rd.Text
			if strings.HasPrefix(p.Header.Get("Content-Type"), "text/html") {
				want = rd.HTML
			}
			if strings.ReplaceAll(string(body), "\r\n", "\n") != strings.ReplaceAll(want, "\r\n", "\n") {
				t.Fatalf("%s part does not decode to what was rendered", p.Header.Get("Content-Type"))
			}
			parts++
		}
		if parts != 2 {
			t.Fatalf("%d parts", parts)
		}
		z := html.NewTokenizer(strings.NewReader(rd.HTML))
		for {
			tt := z.Next()
			if tt == html.ErrorToken {
				break
			}
			if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
				continue
			}
			name, hasAttr := z.TagName()
			switch string(name) {
			case "html", "head", "meta", "title", "body", "div", "table", "tr", "td", "p", "h1", "h2", "span", "strong", "a":
			default:
				t.Fatalf("element <%s> from the press in the HTML", name)
			}
			for hasAttr {
				var k []byte
				k, _, hasAttr = z.TagAttr()
				if strings.HasPrefix(string(k), "on") {
					t.Fatalf("event handler %s from the press in the HTML", k)
				}
			}
		}
	})
}
