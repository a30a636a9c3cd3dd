package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/cner/veille/internal/model"
	"github.com/cner/veille/internal/report"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// view is what every page template receives.
type view struct {
	Title string // the page's title, before " · veille"
	Nav   string // the active menu entry
	User  string // the logged-in user; empty on the login page
	Flash string // a confirmation shown at the top
	Error string // a problem shown at the top
	Data  any    // the page's own data
}

// pages holds one template set per page, each made of the layout, the
// shared partials and the page.
type pages struct {
	sets map[string]*template.Template
}

func loadPages(funcs template.FuncMap) (*pages, error) {
	base, err := template.New("").Funcs(funcs).ParseFS(templateFS, "templates/_*.html")
	if err != nil {
		return nil, fmt.Errorf("web: templates: %w", err)
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("web: templates: %w", err)
	}
	p := &pages{sets: map[string]*template.Template{}}
	for _, n := range names {
		name := strings.TrimSuffix(path.Base(n), ".html")
		if strings.HasPrefix(name, "_") {
			continue
		}
		t, err := base.Clone()
		if err != nil {
			return nil, fmt.Errorf("web: templates: %w", err)
		}
		if t, err = t.ParseFS(templateFS, n); err != nil {
			return nil, fmt.Errorf("web: template %s: %w", name, err)
		}
		p.sets[name] = t
	}
	return p, nil
}

// render executes a page into a buffer, then writes it: a template error
// never leaves half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, page string, v *view) {
	t, ok := s.pages.sets[page]
	if !ok {
		s.log.Error("unknown page template", "page", page)
		http.Error(w, "Erreur interne du serveur.", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		s.log.Error("rendering a page", "page", page, "path", r.URL.Path, "error", err)
		http.Error(w, "Erreur interne du serveur.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(buf.Bytes()) // the client went away: nothing to do
	}
}

// renderError shows a page with a message in French.
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, sess *session, status int, msg string) {
	v := &view{Title: http.StatusText(status), Error: msg}
	switch status {
	case http.StatusNotFound:
		v.Title = "Page introuvable"
	case http.StatusForbidden:
		v.Title = "Accès refusé"
	case http.StatusBadRequest:
		v.Title = "Demande incorrecte"
	case http.StatusUnauthorized:
		v.Title = "Connexion requise"
	default:
		v.Title = "Erreur"
	}
	if sess != nil {
		v.User = sess.User
	}
	s.render(w, r, status, "error", v)
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request, sess *session, msg string) {
	s.renderError(w, r, sess, http.StatusNotFound, msg)
}

// serverError logs err and shows a page that does not reveal it.
func (s *Server) serverError(w http.ResponseWriter, r *http.Request, sess *session, err error) {
	if r.Context().Err() != nil {
		s.log.Debug("request cancelled", "path", r.URL.Path, "error", err)
		return
	}
	s.log.Error("serving a page", "method", r.Method, "path", r.URL.Path, "error", err)
	s.renderError(w, r, sess, http.StatusInternalServerError,
		"Une erreur interne est survenue ; elle a été consignée dans le journal du serveur. Réessayez dans un instant.")
}

// funcs are the template helpers.
func (s *Server) funcs() template.FuncMap {
	return template.FuncMap{
		"asset":     func(name string) string { return s.assets.url(name) },
		"date":      s.dateFR,
		"datetime":  s.dateTimeFR,
		"dateInput": func(t time.Time) string { return dateInput(t, s.loc) },
		"num":       formatInt,
		"plural":    plural,
		"retombees": func(n int) string { return formatInt(n) + " " + pluralWord(n, "retombée", "retombées") },
		"scopeName": scopeName,
		"kindName":  kindName,
		"entity": func(id string) string {
			if e, ok := s.entities[id]; ok && e.Name != "" {
				return e.Name
			}
			return id
		},
		"add": func(a, b int) int { return a + b },
	}
}

func (s *Server) dateFR(t time.Time) string {
	if t.IsZero() {
		return "date inconnue"
	}
	return report.DateFR(t.In(s.loc))
}

func (s *Server) dateTimeFR(t time.Time) string {
	if t.IsZero() {
		return "jamais"
	}
	t = t.In(s.loc)
	return report.DateFR(t) + " à " + t.Format("15:04")
}

func dateInput(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format("2006-01-02")
}

// formatInt writes n the French way: "12 345" (narrow no-break space).
func formatInt(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString("\u202f")
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// plural is "s" when n calls for the plural in French (2 and more).
func plural(n int) string {
	if n > 1 || n < -1 {
		return "s"
	}
	return ""
}

func pluralWord(n int, one, many string) string {
	if plural(n) == "" {
		return one
	}
	return many
}

// scopeName is the French name of an outlet scope, capitalised.
func scopeName(s string) string { return capitalised(model.Scope(s).Label(), s) }

// kindName is the French name of an entity kind, capitalised.
func kindName(k string) string { return capitalised(model.EntityKind(k).Label(), k) }

// capitalised returns label with its first letter in upper case, or
// fallback when label is empty.
func capitalised(label, fallback string) string {
	if label == "" {
		return fallback
	}
	r, size := utf8.DecodeRuneInString(label)
	return string(unicode.ToUpper(r)) + label[size:]
}

// assets are the embedded static files, served under names that carry a
// hash of their content so that browsers may keep them forever.
type assets struct {
	byName map[string]string // "style.css" → "/static/style.3f2a9c1b0d.css"
	files  map[string]asset  // "style.3f2a9c1b0d.css" → content
}

type asset struct {
	body        []byte
	contentType string
}

func loadAssets() (*assets, error) {
	a := &assets{byName: map[string]string{}, files: map[string]asset{}}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		name := path.Base(p)
		ext := path.Ext(name)
		hashed := strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:5]) + ext
		ct := mime.TypeByExtension(ext)
		if ct == "" {
			ct = "application/octet-stream"
		}
		a.byName[name] = "/static/" + hashed
		a.files[hashed] = asset{body: body, contentType: ct}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("web: static files: %w", err)
	}
	return a, nil
}

func (a *assets) url(name string) string {
	if u, ok := a.byName[name]; ok {
		return u
	}
	return "/static/" + name
}

func (a *assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f, ok := a.files[strings.TrimPrefix(r.URL.Path, "/static/")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	a.write(w, r, f, "public, max-age=31536000, immutable")
}

func (a *assets) favicon(w http.ResponseWriter, r *http.Request) {
	f, ok := a.files[strings.TrimPrefix(a.url("favicon.svg"), "/static/")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	a.write(w, r, f, "public, max-age=86400")
}

func (a *assets) write(w http.ResponseWriter, r *http.Request, f asset, cacheControl string) {
	w.Header().Set("Content-Type", f.contentType)
	w.Header().Set("Cache-Control", cacheControl)
	w.Header().Set("Content-Length", strconv.Itoa(len(f.body)))
	if r.Method != http.MethodHead {
		_, _ = w.Write(f.body)
	}
}
