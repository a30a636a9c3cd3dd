package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cner/veille/internal/model"
	"github.com/cner/veille/internal/store"
)

type mentionView struct {
	Entity  string
	Kind    string
	Field   string
	Matched string
	Count   int
	Role    string
	Snippet snippet
	URL     string // the search of this entity's clippings
}

type clippingData struct {
	C          *model.Clipping
	D          store.ArticleDetails
	Lead       []string
	Paragraphs []string
	Mentions   []mentionView
	DateSource string
	Clipping   bool // has mentions (else: an article stored without a match)
}

// readID reads the {id} of the path; ok is false (and a page is sent) when
// it is not a number.
func (s *Server) readID(w http.ResponseWriter, r *http.Request, sess *session) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.notFound(w, r, sess, "Cette retombée n'existe pas.")
		return 0, false
	}
	return id, true
}

// failed answers err of a store call about clipping id: "no such clipping"
// for store.ErrNotFound, a server error otherwise. It reports whether there
// was an error (and a page was sent).
func (s *Server) failed(w http.ResponseWriter, r *http.Request, sess *session, id int64, err error) bool {
	switch {
	case err == nil:
		return false
	case errors.Is(err, store.ErrNotFound):
		s.notFound(w, r, sess, fmt.Sprintf("La retombée n° %d n'existe pas.", id))
	default:
		s.serverError(w, r, sess, err)
	}
	return true
}

// clippingOf reads the clipping of the path's {id}; ok is false (and a page
// is sent) when there is none.
func (s *Server) clippingOf(w http.ResponseWriter, r *http.Request, sess *session) (*model.Clipping, bool) {
	id, ok := s.readID(w, r, sess)
	if !ok {
		return nil, false
	}
	c, err := s.st.Clipping(r.Context(), id)
	if s.failed(w, r, sess, id, err) {
		return nil, false
	}
	return c, true
}

func (s *Server) clipping(w http.ResponseWriter, r *http.Request, sess *session) {
	c, ok := s.clippingOf(w, r, sess)
	if !ok {
		return
	}
	id := c.ID
	d, err := s.st.ArticleDetailsOf(r.Context(), id)
	if err != nil {
		s.serverError(w, r, sess, err)
		return
	}
	data := clippingData{C: c, D: d, Lead: paragraphs(d.Lead), Paragraphs: paragraphs(c.Text),
		DateSource: dateSourceName(d.DateSource), Clipping: len(c.Mentions) > 0}
	for _, m := range c.Mentions {
		data.Mentions = append(data.Mentions, mentionView{
			Entity: s.entityName(m.EntityID), Kind: kindName(string(m.EntityKind)), Field: fieldName(m.Field),
			Matched: m.Matched, Count: m.Count, Role: roleName(m.Role), Snippet: snippetOf(m),
			URL: searchParams{Entity: m.EntityID}.URL("/search"),
		})
	}
	v := &view{Title: c.Title, Nav: "search", User: sess.User, Data: &data}
	if v.Title == "" {
		v.Title = "Retombée sans titre"
	}
	switch r.URL.Query().Get("ok") {
	case "excluded":
		v.Flash = "La retombée est écartée : elle ne compte plus et ne reviendra pas."
	case "restored":
		v.Flash = "La retombée est rétablie."
	case "added":
		v.Flash = "La page est ajoutée."
	case "added-nomatch":
		v.Flash = "La page est enregistrée, mais aucune entité suivie n'y est mentionnée : elle n'est pas comptée."
	case "added-excluded":
		v.Flash = "Cette page avait été écartée comme faux positif : elle le reste (rétablissez-la ci-dessous si besoin)."
	}
	s.render(w, r, http.StatusOK, "clipping", v)
}

// paragraphs splits extracted text at its blank lines.
func paragraphs(text string) []string {
	var out []string
	for _, p := range strings.Split(text, "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// roleName is the French name of the part a mention plays.
func roleName(r string) string {
	switch r {
	case "interviewed":
		return "interviewé"
	case "quoted":
		return "cité"
	case "organiser":
		return "organisateur"
	case "passing":
		return "mention en passant"
	}
	return r
}

func fieldName(f string) string {
	switch f {
	case model.FieldTitle:
		return "titre"
	case model.FieldLead:
		return "chapô"
	case model.FieldBody:
		return "texte"
	}
	return f
}

func dateSourceName(src string) string {
	switch src {
	case "":
		return ""
	case "json-ld":
		return "données structurées de la page"
	case "meta":
		return "métadonnées de la page"
	case "time":
		return "balise de date de la page"
	case "text":
		return "texte de la page"
	case "feed":
		return "flux ou plan de site"
	case "url":
		return "adresse de la page"
	case "manual":
		return "saisie manuelle"
	}
	return src
}

// copyStyle is the only style of the stored copy; the copy's policy allows
// it by its hash and nothing else.
const copyStyle = `body{font:16px/1.55 Georgia,"DejaVu Serif",serif;color:#222;max-width:46rem;margin:1rem auto;padding:0 1rem}` +
	`a{color:#1a4f8b}h1,h2,h3{font-family:system-ui,sans-serif;line-height:1.25}` +
	`.veille-note{font:13px/1.4 system-ui,sans-serif;background:#fff6d5;border:1px solid #e6cf7a;padding:.5rem .75rem;margin-bottom:1rem}` +
	`table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2rem .4rem}`

// copyCSP locks the stored copy down on top of its sanitising: no script,
// no request to any server, no form, a sandbox, and only our own framing.
var copyCSP = "default-src 'none'; style-src 'sha256-" + styleHash(copyStyle) + "'; img-src data:; " +
	"form-action 'none'; base-uri 'self' http: https:; frame-ancestors 'self'; " +
	"sandbox allow-popups allow-popups-to-escape-sandbox"

func styleHash(css string) string {
	sum := sha256.Sum256([]byte(css))
	return base64.StdEncoding.EncodeToString(sum[:])
}

var copyTemplate = template.Must(template.New("copy").Parse(`<!doctype html>
<html lang="fr"><head><meta charset="utf-8">
<meta name="referrer" content="no-referrer">
<base href="{{.URL}}" target="_blank">
<title>Copie enregistrée</title>
<style>{{.Style}}</style></head>
<body><p class="veille-note">Copie de la page enregistrée par veille le {{.Fetched}}, réduite à son texte et à ses liens : aucun script, aucune image, aucun style de l'original.</p>
{{.Body}}
</body></html>`))

// clippingCopy serves the stored page sanitised: it is shown inside a
// sandboxed frame of the clipping page.
func (s *Server) clippingCopy(w http.ResponseWriter, r *http.Request, sess *session) {
	c, ok := s.clippingOf(w, r, sess)
	if !ok {
		return
	}
	id := c.ID
	page, err := s.st.ArticleHTML(r.Context(), id)
	if err != nil {
		s.serverError(w, r, sess, err)
		return
	}
	d, err := s.st.ArticleDetailsOf(r.Context(), id)
	if err != nil {
		s.serverError(w, r, sess, err)
		return
	}
	if len(page) == 0 {
		s.notFound(w, r, sess, "Aucune copie de cette page n'est enregistrée.")
		return
	}
	body := sanitizeCopy(s.copyPolicy, page)
	var buf bytes.Buffer
	err = copyTemplate.Execute(&buf, map[string]any{
		"URL":     c.URL,
		"Style":   template.CSS(copyStyle),
		"Fetched": s.dateTimeFR(d.FetchedAt),
		"Body":    template.HTML(body), // sanitised by copyPolicy
	})
	if err != nil {
		s.serverError(w, r, sess, err)
		return
	}
	h := w.Header()
	h.Set("Content-Security-Policy", copyCSP)
	h.Set("X-Frame-Options", "SAMEORIGIN")
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	_, _ = buf.WriteTo(w)
}

const maxReasonLen = 500

// exclude removes a clipping as a false positive: it stays in the store,
// marked, out of counts and search, and no crawl or rematch brings it back.
func (s *Server) exclude(w http.ResponseWriter, r *http.Request, sess *session) {
	id, ok := s.readID(w, r, sess)
	if !ok {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBodyBytes)
	if err := r.ParseForm(); err != nil {
		s.renderError(w, r, sess, http.StatusBadRequest, "Formulaire illisible.")
		return
	}
	reason := strings.TrimSpace(r.PostForm.Get("reason"))
	if len(reason) > maxReasonLen {
		s.renderError(w, r, sess, http.StatusBadRequest,
			fmt.Sprintf("Le motif est trop long (%d caractères au plus) : rien n'a été modifié.", maxReasonLen))
		return
	}
	if reason == "" {
		reason = "faux positif"
	}
	reason = fmt.Sprintf("%s (par %s)", reason, sess.User)
	if s.failed(w, r, sess, id, s.st.Exclude(r.Context(), id, reason, s.now())) {
		return
	}
	s.log.Info("clipping excluded", "id", id, "user", sess.User)
	s.syncIndex(r)
	s.facetCache.clear()
	http.Redirect(w, r, "/clippings/"+strconv.FormatInt(id, 10)+"?ok=excluded", http.StatusSeeOther)
}

// restore undoes an exclusion.
func (s *Server) restore(w http.ResponseWriter, r *http.Request, sess *session) {
	id, ok := s.readID(w, r, sess)
	if !ok {
		return
	}
	if _, err := s.st.ArticleDetailsOf(r.Context(), id); s.failed(w, r, sess, id, err) {
		return
	}
	if err := s.st.Restore(r.Context(), id); err != nil {
		s.serverError(w, r, sess, err)
		return
	}
	s.log.Info("clipping restored", "id", id, "user", sess.User)
	s.syncIndex(r)
	s.facetCache.clear()
	http.Redirect(w, r, "/clippings/"+strconv.FormatInt(id, 10)+"?ok=restored", http.StatusSeeOther)
}

// syncIndex brings the index up to the store after a change. The store is
// already written: if this fails, the next start (or the next sync of the
// crawler) repairs the index, so the failure is logged, not shown.
func (s *Server) syncIndex(r *http.Request) {
	start := time.Now()
	n, err := s.pl.SyncIndex(r.Context())
	if err != nil {
		s.log.Error("index sync after a change failed; it will be repaired at the next sync", "error", err)
		return
	}
	s.log.Debug("index synced", "entries", n, "duration_ms", time.Since(start).Milliseconds())
}
