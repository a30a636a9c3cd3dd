// Package web is veille's web UI for the communications team: full-text
// search with facets, the facts of each clipping, the yearly totals of the
// activity report, the crawler's per-source health, the manual add of a
// clipping and the removal of false positives. Pages are server-rendered in
// French (html/template, assets embedded, no script), every page needs a
// login, every form is protected against cross-origin requests, and all the
// press's content is treated as untrusted.
package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/microcosm-cc/bluemonday"

	"github.com/cner/veille/config"
	"github.com/cner/veille/index"
	"github.com/cner/veille/internal/pipeline"
	"github.com/cner/veille/internal/report"
	"github.com/cner/veille/internal/store"
)

// Options are what the web UI is built on.
type Options struct {
	Config   *config.Config     // web section, time zone, watch list, outlets
	Store    *store.Store       // the source of truth (clippings, sources, sessions)
	Index    *index.Index       // search
	Pipeline *pipeline.Pipeline // the manual add, and the index kept in step after an exclusion
	Logger   *slog.Logger
	Now      func() time.Time // the clock; time.Now when nil
}

// Server is the web UI. Build it with New, then serve Handler() or call
// Serve.
type Server struct {
	cfg        *config.Config
	loc        *time.Location
	st         *store.Store
	ix         *index.Index
	pl         *pipeline.Pipeline
	log        *slog.Logger
	now        func() time.Time
	users      map[string]string // name → bcrypt hash
	entities   map[string]config.Entity
	pages      *pages
	assets     *assets
	limiter    *loginLimiter
	loginSem   chan struct{} // bcrypt comparisons at once
	dummyOnce  sync.Once
	dummy      []byte
	copyPolicy *bluemonday.Policy
	facetCache *facetCache
	reporter   *report.Reporter
	// beforeCount, in tests, runs before each background facet count.
	beforeCount func()
	facetWait   time.Duration
	// bg bounds the background work (facet counts): cancelled, and waited
	// for, when ServeListener returns.
	bg      context.Context
	stopBg  context.CancelFunc
	bgWait  sync.WaitGroup
	handler http.Handler
}

// New builds the web UI. It fails when a required part is missing.
func New(opt Options) (*Server, error) {
	if opt.Config == nil || opt.Store == nil || opt.Index == nil || opt.Pipeline == nil {
		return nil, errors.New("web: config, store, index and pipeline are required")
	}
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	now := opt.Now
	if now == nil {
		now = time.Now
	}
	s := &Server{
		cfg:        opt.Config,
		loc:        opt.Config.Location(),
		st:         opt.Store,
		ix:         opt.Index,
		pl:         opt.Pipeline,
		log:        log.With("component", "web"),
		now:        now,
		users:      map[string]string{},
		entities:   map[string]config.Entity{},
		limiter:    newLoginLimiter(),
		facetCache: newFacetCache(),
		facetWait:  facetWait,
		loginSem:   make(chan struct{}, 2),
	}
	s.copyPolicy = copyPolicy()
	s.bg, s.stopBg = context.WithCancel(context.Background())
	for _, u := range opt.Config.Web.Users {
		s.users[u.Name] = u.PasswordHash
	}
	entities := opt.Config.Entities()
	for _, e := range entities {
		s.entities[e.ID] = e
	}
	s.reporter = report.New(opt.Store, entities, s.loc)
	s.reporter.SetNow(now)
	var err error
	if s.assets, err = loadAssets(); err != nil {
		return nil, err
	}
	if s.pages, err = loadPages(s.funcs()); err != nil {
		return nil, err
	}
	s.handler = s.routes()
	return s, nil
}

// Handler returns the UI's HTTP handler.
func (s *Server) Handler() http.Handler { return s.handler }

// Serve listens on addr (web.addr when empty) and serves until ctx ends,
// then shuts down gracefully: requests under way get a few seconds to end.
func (s *Server) Serve(ctx context.Context, addr string) error {
	if addr == "" {
		addr = s.cfg.Web.Addr
	}
	if addr == "" {
		addr = "127.0.0.1:8080"
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("web: listen on %s: %w", addr, err)
	}
	return s.ServeListener(ctx, ln)
}

// ServeListener serves on ln until ctx ends, then shuts down gracefully. It
// closes ln.
func (s *Server) ServeListener(ctx context.Context, ln net.Listener) error {
	if len(s.users) == 0 {
		s.log.Warn("no web user configured: nobody can log in (add web.users, see veille passwd)")
	}
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	s.log.Info("web UI listening", "addr", ln.Addr().String())
	wctx, stopWarm := context.WithCancel(ctx)
	warmed := make(chan struct{})
	go func() {
		defer close(warmed)
		s.warmFacets(wctx)
	}()
	defer func() {
		stopWarm()
		<-warmed
		s.stopBg()
		s.bgWait.Wait()
	}()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("web: serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	err := srv.Shutdown(sctx)
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	if err != nil {
		return fmt.Errorf("web: shutdown: %w", err)
	}
	return nil
}

// routes is the URL map. Every page but the login form and the static
// files needs a session.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login", s.loginForm)
	mux.HandleFunc("POST /login", s.login)
	mux.HandleFunc("POST /logout", s.logout)
	mux.Handle("GET /static/", s.assets)
	mux.HandleFunc("GET /favicon.ico", s.assets.favicon)

	mux.Handle("GET /{$}", s.auth(s.search))
	mux.Handle("GET /search", s.auth(s.search))
	mux.Handle("GET /search.csv", s.auth(s.searchCSV))
	mux.Handle("GET /clippings/{id}", s.auth(s.clipping))
	mux.Handle("GET /clippings/{id}/copy", s.auth(s.clippingCopy))
	mux.Handle("POST /clippings/{id}/exclude", s.auth(s.exclude))
	mux.Handle("POST /clippings/{id}/restore", s.auth(s.restore))
	mux.Handle("GET /totals", s.auth(s.totals))
	mux.Handle("GET /totals.csv", s.auth(s.totalsCSV))
	mux.Handle("GET /sources", s.auth(s.sources))
	mux.Handle("GET /sources.csv", s.auth(s.sourcesCSV))
	mux.Handle("GET /add", s.auth(s.addForm))
	mux.Handle("POST /add", s.auth(s.add))
	mux.Handle("/", s.auth(func(w http.ResponseWriter, r *http.Request, sess *session) {
		s.notFound(w, r, sess, "Cette page n'existe pas.")
	}))

	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.log.Warn("cross-origin request refused", "method", r.Method, "path", r.URL.Path,
			"origin", r.Header.Get("Origin"), "sec_fetch_site", r.Header.Get("Sec-Fetch-Site"))
		s.renderError(w, r, nil, http.StatusForbidden,
			"Requête refusée : ce formulaire a été envoyé depuis un autre site. Rechargez la page et recommencez.")
	}))
	return s.recoverer(s.logRequests(securityHeaders(cop.Handler(mux))))
}

// securityHeaders sets the headers every response carries. Pages run no
// script at all; the stored copy of a press page sets its own, stricter
// policy.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", pageCSP)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")
		if r.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

// pageCSP is the Content-Security-Policy of the UI's pages: no script,
// styles and images from the UI itself, frames only for the stored copy.
const pageCSP = "default-src 'none'; script-src 'none'; style-src 'self'; img-src 'self' data:; " +
	"frame-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// statusWriter records the status code written.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		level := slog.LevelDebug
		if sw.status >= 500 {
			level = slog.LevelError
		}
		s.log.Log(r.Context(), level, "request", "method", r.Method, "path", r.URL.Path, "status", sw.status,
			"bytes", sw.bytes, "duration_ms", float64(time.Since(start).Microseconds())/1000)
	})
}

func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("panic serving a request", "path", r.URL.Path, "panic", fmt.Sprint(v),
					"stack", string(debug.Stack()))
				http.Error(w, "Erreur interne du serveur.", http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// secure reports whether the request reached us over TLS, directly or
// through a reverse proxy, or whether web.base_url says the UI is served
// over https: the session cookie is then Secure.
func (s *Server) secure(r *http.Request) bool {
	return r.TLS != nil || strings.HasPrefix(strings.ToLower(s.cfg.Web.BaseURL), "https://") ||
		strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}
