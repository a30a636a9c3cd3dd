package digest

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	htmltemplate "html/template"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/cner/veille/config"
	"github.com/cner/veille/internal/model"
)

//go:embed templates/digest.html templates/digest.txt
var templateFS embed.FS

var funcs = map[string]any{
	"longDate": frLongDate,
	"clock":    frTime,
	"kind":     kindLabel,
	"authors":  authors,
	"itemDate": itemDate,
}

var (
	htmlTmpl = htmltemplate.Must(htmltemplate.New("digest.html").Funcs(funcs).ParseFS(templateFS, "templates/digest.html"))
	textTmpl = texttemplate.Must(texttemplate.New("digest.txt").Funcs(funcs).ParseFS(templateFS, "templates/digest.txt"))
)

// itemDate is how a clipping's date reads: "publié le 14 mars 2025", with
// the day veille found it when that explains a late arrival.
func itemDate(it Item) string {
	switch {
	case it.Published.IsZero():
		return "date de publication inconnue, trouvé le " + frDate(it.FirstSeen)
	case it.Late:
		return "publié le " + frDate(it.Published) + ", trouvé le " + frDate(it.FirstSeen)
	}
	return "publié le " + frDate(it.Published)
}

// view is what the templates see.
type view struct {
	*Digest
	Subject    string
	Totals     string
	ScopeLine  string
	FilterLine string
	From       string
}

// Rendered is a digest rendered in both forms.
type Rendered struct {
	Subject string
	Text    string
	HTML    string
}

func (s *Service) render(d *Digest) (Rendered, error) {
	v := view{
		Digest:     d,
		Subject:    d.subject(),
		Totals:     totalsSentence(d.Total, d.National),
		ScopeLine:  scopeLine(d.ByScope),
		FilterLine: s.filterLine(d.To),
	}
	if s.from != nil {
		v.From = s.from.Address
	} else {
		v.From = "l'administrateur de veille"
	}
	var h, t bytes.Buffer
	if err := htmlTmpl.Execute(&h, v); err != nil {
		return Rendered{}, fmt.Errorf("digest: html: %w", err)
	}
	if err := textTmpl.Execute(&t, v); err != nil {
		return Rendered{}, fmt.Errorf("digest: text: %w", err)
	}
	return Rendered{Subject: v.Subject, Text: t.String(), HTML: h.String()}, nil
}

// filterLine describes what a recipient follows: "suivi : Aderly ; presse
// régionale". Empty for a recipient who gets everything.
func (s *Service) filterLine(r config.Recipient) string {
	var parts []string
	var names []string
	for _, id := range r.Entities {
		names = append(names, s.catalog.info(id, "").Name)
	}
	for _, k := range r.Kinds {
		names = append(names, kindLabelPlural(k))
	}
	if len(names) > 0 {
		parts = append(parts, strings.Join(names, ", "))
	}
	var scopes []string
	for _, sc := range r.Scopes {
		scopes = append(scopes, model.Scope(sc).Label())
	}
	if len(scopes) > 0 {
		parts = append(parts, strings.Join(scopes, ", "))
	}
	if len(parts) == 0 {
		return ""
	}
	return "suivi : " + strings.Join(parts, " ; ")
}

// compose writes the RFC 5322 message: multipart/alternative, text then
// HTML, both UTF-8 in quoted-printable. Everything in it derives from its
// arguments, so a retry of a frozen message is byte for byte the same.
func (s *Service) compose(to mail.Address, r Rendered, messageID, slot string, date time.Time) ([]byte, error) {
	from := mail.Address{Name: "Veille CNER"}
	if s.from != nil {
		from.Address = s.from.Address
		if s.from.Name != "" {
			from.Name = s.from.Name
		}
	}
	sum := sha256.Sum256([]byte(messageID))
	boundary := "veille-" + hex.EncodeToString(sum[:12])

	var b bytes.Buffer
	hdr := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, headerSafe(v)) }
	hdr("From", from.String())
	hdr("To", to.String())
	hdr("Subject", mime.QEncoding.Encode("utf-8", r.Subject))
	hdr("Date", date.Format(time.RFC1123Z))
	hdr("Message-ID", "<"+messageID+">")
	hdr("MIME-Version", "1.0")
	hdr("Auto-Submitted", "auto-generated")
	hdr("X-Auto-Response-Suppress", "All")
	hdr("X-Veille-Digest", slot)
	hdr("Content-Language", "fr")
	hdr("Content-Type", `multipart/alternative; boundary="`+boundary+`"`)
	b.WriteString("\r\n")

	mw := multipart.NewWriter(&b)
	if err := mw.SetBoundary(boundary); err != nil {
		return nil, fmt.Errorf("digest: compose: %w", err)
	}
	for _, part := range []struct{ ctype, body string }{
		{"text/plain; charset=utf-8", r.Text},
		{"text/html; charset=utf-8", r.HTML},
	} {
		h := textproto.MIMEHeader{}
		h.Set("Content-Type", part.ctype)
		h.Set("Content-Transfer-Encoding", "quoted-printable")
		pw, err := mw.CreatePart(h)
		if err != nil {
			return nil, fmt.Errorf("digest: compose: %w", err)
		}
		qp := quotedprintable.NewWriter(pw)
		if _, err := qp.Write([]byte(part.body)); err != nil {
			return nil, fmt.Errorf("digest: compose: %w", err)
		}
		if err := qp.Close(); err != nil {
			return nil, fmt.Errorf("digest: compose: %w", err)
		}
	}
	if err := mw.Close(); err != nil {
		return nil, fmt.Errorf("digest: compose: %w", err)
	}
	return b.Bytes(), nil
}

// headerSafe keeps a header value on one line.
func headerSafe(v string) string {
	return strings.NewReplacer("\r", " ", "\n", " ").Replace(v)
}
