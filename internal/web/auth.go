package web

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/cner/veille/internal/store"
)

const (
	cookieName = "veille_session"
	// sessionLifetime is the longest a session lasts; sessionIdle ends one
	// unused for that long.
	sessionLifetime = 30 * 24 * time.Hour
	sessionIdle     = 7 * 24 * time.Hour
	// touchEvery bounds the writes that record a session's use.
	touchEvery = 10 * time.Minute

	// Login throttling: failures allowed per window, per user name and per
	// client address.
	loginWindow      = 15 * time.Minute
	loginMaxPerUser  = 5
	loginMaxPerAddr  = 20
	loginMaxTracked  = 10000
	maxFormBodyBytes = 64 << 10
)

// session is a logged-in user.
type session struct {
	User      string
	tokenHash string
}

// authHandler is a page that needs a session.
type authHandler func(w http.ResponseWriter, r *http.Request, sess *session)

// auth runs h with the request's session; without one, GET requests are
// sent to the login form (then back), others are refused.
func (s *Server) auth(h authHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sess, err := s.sessionOf(r)
		if err != nil {
			s.serverError(w, r, nil, err)
			return
		}
		if sess == nil {
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			s.renderError(w, r, nil, http.StatusUnauthorized, "Votre session a expiré : reconnectez-vous.")
			return
		}
		w.Header().Set("Cache-Control", "private, no-store")
		h(w, r, sess)
	})
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// passwordFingerprint identifies a password hash without revealing it: a
// session opened before the password changed no longer matches.
func passwordFingerprint(hash string) string {
	sum := sha256.Sum256([]byte("veille-session\x00" + hash))
	return hex.EncodeToString(sum[:8])
}

// sessionOf returns the request's valid session, or nil.
func (s *Server) sessionOf(r *http.Request) (*session, error) {
	c, err := r.Cookie(cookieName)
	if err != nil || c.Value == "" || len(c.Value) > 100 {
		return nil, nil
	}
	th := hashToken(c.Value)
	ws, err := s.st.WebSessionByHash(r.Context(), th)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("web: session: %w", err)
	}
	now := s.now()
	hash, known := s.users[ws.User]
	switch {
	case !now.Before(ws.ExpiresAt), now.Sub(ws.LastSeenAt) > sessionIdle:
	case !known, passwordFingerprint(hash) != ws.PasswordFP:
		s.log.Info("session of a removed user or an old password ended", "user", ws.User)
	default:
		if now.Sub(ws.LastSeenAt) > touchEvery {
			if err := s.st.TouchWebSession(r.Context(), th, now); err != nil {
				return nil, fmt.Errorf("web: session: %w", err)
			}
		}
		return &session{User: ws.User, tokenHash: th}, nil
	}
	if err := s.st.DeleteWebSession(r.Context(), th); err != nil {
		return nil, fmt.Errorf("web: session: %w", err)
	}
	return nil, nil
}

type loginData struct {
	Name string
	Next string
}

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) {
	sess, err := s.sessionOf(r)
	if err != nil {
		s.serverError(w, r, nil, err)
		return
	}
	next := safeNext(r.URL.Query().Get("next"))
	if sess != nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "login", &view{Title: "Connexion", Data: loginData{Next: next}})
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBodyBytes)
	if err := r.ParseForm(); err != nil {
		s.renderError(w, r, nil, http.StatusBadRequest, "Formulaire illisible.")
		return
	}
	name := strings.TrimSpace(r.PostForm.Get("name"))
	password := r.PostForm.Get("password")
	next := safeNext(r.PostForm.Get("next"))
	data := loginData{Name: name, Next: next}
	w.Header().Set("Cache-Control", "no-store")
	if name == "" || password == "" || len(name) > 200 || len(password) > 200 {
		s.render(w, r, http.StatusBadRequest, "login", &view{Title: "Connexion", Data: data,
			Error: "Saisissez votre identifiant et votre mot de passe."})
		return
	}
	now := s.now()
	userKey, addrKey := "user:"+strings.ToLower(name), "addr:"+clientAddr(r)
	if wait := s.limiter.wait(now, userKey, addrKey); wait > 0 {
		s.log.Warn("login throttled", "user", name, "remote_addr", clientAddr(r))
		minutes := int(wait.Round(time.Minute) / time.Minute)
		msg := fmt.Sprintf("Trop de tentatives de connexion : réessayez dans %d minute%s.", max(minutes, 1),
			plural(max(minutes, 1)))
		w.Header().Set("Retry-After", fmt.Sprint(int(wait.Seconds())+1))
		s.render(w, r, http.StatusTooManyRequests, "login", &view{Title: "Connexion", Data: data, Error: msg})
		return
	}
	hash, known := s.users[name]
	var ok bool
	select {
	case s.loginSem <- struct{}{}:
		if known {
			ok = bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil
		} else {
			_ = bcrypt.CompareHashAndPassword(s.dummyHash(), []byte(password))
		}
		<-s.loginSem
	case <-r.Context().Done():
		return
	}
	if !ok {
		s.limiter.fail(now, userKey, addrKey)
		s.log.Warn("login failed", "user", name, "known_user", known, "remote_addr", clientAddr(r))
		s.render(w, r, http.StatusUnauthorized, "login", &view{Title: "Connexion", Data: data,
			Error: "Identifiant ou mot de passe incorrect."})
		return
	}
	s.limiter.reset(userKey)

	token, err := newToken()
	if err != nil {
		s.serverError(w, r, nil, err)
		return
	}
	if n, err := s.st.DeleteStaleWebSessions(r.Context(), now, now.Add(-sessionIdle)); err != nil {
		s.log.Warn("purging stale sessions failed", "error", err)
	} else if n > 0 {
		s.log.Debug("stale sessions purged", "count", n)
	}
	err = s.st.CreateWebSession(r.Context(), store.WebSession{
		TokenHash: hashToken(token), User: name, PasswordFP: passwordFingerprint(hash),
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(sessionLifetime),
		RemoteAddr: clientAddr(r), UserAgent: truncate(r.UserAgent(), 300),
	})
	if err != nil {
		s.serverError(w, r, nil, err)
		return
	}
	// An old cookie of the same browser is replaced: a new token at each login.
	http.SetCookie(w, &http.Cookie{
		Name: cookieName, Value: token, Path: "/", MaxAge: int(sessionLifetime.Seconds()),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.secure(r),
	})
	s.log.Info("login", "user", name, "remote_addr", clientAddr(r))
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(cookieName); err == nil && c.Value != "" && len(c.Value) <= 100 {
		if err := s.st.DeleteWebSession(r.Context(), hashToken(c.Value)); err != nil {
			s.serverError(w, r, nil, err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.secure(r)})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// dummyHash is compared against when the user name is unknown, so that a
// wrong name takes as long as a wrong password: a hash of a random password
// at the cost of the configured users' hashes, made at first need.
func (s *Server) dummyHash() []byte {
	s.dummyOnce.Do(func() {
		cost := PasswordCost
		for _, h := range s.users {
			if c, err := bcrypt.Cost([]byte(h)); err == nil {
				cost = c
				break
			}
		}
		secret := make([]byte, 16)
		_, _ = rand.Read(secret) // crypto/rand.Read never fails (Go 1.24+)
		h, err := bcrypt.GenerateFromPassword(secret, cost)
		if err != nil {
			s.log.Error("dummy password hash", "error", err)
		}
		s.dummy = h
	})
	return s.dummy
}

// PasswordCost is the bcrypt cost of the hashes veille passwd makes.
const PasswordCost = 12

// HashPassword returns the bcrypt hash of a web user's password, for
// web.users[].password_hash.
func HashPassword(password string, cost int) (string, error) {
	if len(password) > 72 {
		return "", errors.New("web: password longer than 72 bytes (bcrypt's limit)")
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), cost)
	if err != nil {
		return "", fmt.Errorf("web: password hash: %w", err)
	}
	return string(h), nil
}

func newToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("web: session token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// safeNext keeps a post-login destination only when it is a path of this
// site: never another host ("//evil", "/\evil", "https://…").
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") ||
		strings.HasPrefix(next, "/\\") || strings.ContainsAny(next, "\r\n\t") ||
		strings.HasPrefix(next, "/login") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Host != "" || u.Scheme != "" {
		return "/"
	}
	return next
}

// clientAddr is the request's peer address without its port. Behind a
// reverse proxy, it is the proxy's: the per-address login limit then
// applies to everyone together, and the per-user limit still applies.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}

// loginLimiter counts failed logins per key (a user name, a client
// address) in a sliding window.
type loginLimiter struct {
	mu    sync.Mutex
	fails map[string][]time.Time
}

func newLoginLimiter() *loginLimiter {
	return &loginLimiter{fails: map[string][]time.Time{}}
}

func limitOf(key string) int {
	if strings.HasPrefix(key, "user:") {
		return loginMaxPerUser
	}
	return loginMaxPerAddr
}

// recent drops the failures of key older than the window; l.mu is held.
func (l *loginLimiter) recent(now time.Time, key string) []time.Time {
	list := l.fails[key]
	i := 0
	for i < len(list) && now.Sub(list[i]) >= loginWindow {
		i++
	}
	list = list[i:]
	if len(list) == 0 {
		delete(l.fails, key)
		return nil
	}
	l.fails[key] = list
	return list
}

// wait returns how long until another attempt is allowed for every key; 0
// when one is allowed now.
func (l *loginLimiter) wait(now time.Time, keys ...string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	var wait time.Duration
	for _, k := range keys {
		list := l.recent(now, k)
		if n := limitOf(k); len(list) >= n {
			wait = max(wait, list[len(list)-n].Add(loginWindow).Sub(now))
		}
	}
	if wait == 0 && len(l.fails) >= loginMaxTracked {
		// Too many keys at once: an attack from many addresses. Refuse until
		// the window drains rather than let memory grow.
		for k := range l.fails {
			l.recent(now, k)
		}
		if len(l.fails) >= loginMaxTracked {
			return loginWindow
		}
	}
	return wait
}

func (l *loginLimiter) fail(now time.Time, keys ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range keys {
		l.fails[k] = append(l.recent(now, k), now)
	}
}

func (l *loginLimiter) reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.fails, key)
}
