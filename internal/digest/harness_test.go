package digest

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/cner/veille/config"
	"github.com/cner/veille/internal/digest/mailpittest"
	"github.com/cner/veille/internal/match"
	"github.com/cner/veille/internal/model"
	"github.com/cner/veille/internal/store"
)

var paris = mustLoc("Europe/Paris")

func mustLoc(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// at is a local time in Paris.
func at(y int, m time.Month, d, hh, mm int) time.Time { return time.Date(y, m, d, hh, mm, 0, 0, paris) }

// fixture is an article of testdata/articles.yaml.
type fixture struct {
	Slug      string    `yaml:"slug"`
	Outlet    string    `yaml:"outlet"`
	Published time.Time `yaml:"published"`
	Authors   []string  `yaml:"authors"`
	Title     string    `yaml:"title"`
	Text      string    `yaml:"text"`
}

// harness is a real store in a temporary directory, the test configuration,
// the real matcher, and a clock the test controls.
type harness struct {
	t       *testing.T
	cfg     *config.Config
	st      *store.Store
	matcher *match.Matcher
	clock   *fakeClock
	arts    map[string]fixture
	ids     map[string]int64
	dbPath  string
}

func newHarness(t *testing.T, recipients ...config.Recipient) *harness {
	t.Helper()
	cfg, err := config.Load(filepath.Join("testdata", "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Digest.Recipients = recipients
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	dbPath := filepath.Join(t.TempDir(), "veille.db")
	st, err := store.Open(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.SyncOutlets(context.Background(), cfg.Outlets, cfg.Location(), at(2020, 1, 1, 0, 0)); err != nil {
		t.Fatal(err)
	}
	m, err := match.New(cfg.Entities())
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join("testdata", "articles.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var list []fixture
	if err := yaml.Unmarshal(b, &list); err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, cfg: cfg, st: st, matcher: m, clock: &fakeClock{now: at(2025, 3, 14, 7, 0)},
		arts: map[string]fixture{}, ids: map[string]int64{}, dbPath: dbPath}
	for _, a := range list {
		h.arts[a.Slug] = a
	}
	return h
}

// useSMTP points the configuration at host:port.
func (h *harness) useSMTP(host string, port int) {
	h.cfg.Digest.SMTP.Host = host
	h.cfg.Digest.SMTP.Port = port
}

// seed stores a fixture as if veille had found it at firstSeen, with the
// mentions the real matcher finds.
func (h *harness) seed(slug string, firstSeen time.Time) int64 {
	h.t.Helper()
	a, ok := h.arts[slug]
	if !ok {
		h.t.Fatalf("no fixture %q", slug)
	}
	o, _ := h.cfg.Outlet(a.Outlet)
	art := &model.Article{Title: a.Title, Text: strings.TrimSpace(a.Text), Authors: a.Authors, Published: a.Published, Lang: "fr"}
	mentions := h.matcher.Match(match.Doc{Title: art.Title, Body: art.Text})
	res, err := h.st.SaveArticle(context.Background(), store.ArticleInput{
		URL: "https://" + o.Domains[0] + "/" + a.Slug, OutletID: a.Outlet, Article: art,
		HTML: []byte("<html><body>" + a.Text + "</body></html>"), FetchedAt: firstSeen, Mentions: mentions,
	})
	if err != nil {
		h.t.Fatal(err)
	}
	h.ids[slug] = res.ID
	return res.ID
}

func (h *harness) service(opt Options) *Service {
	h.t.Helper()
	if opt.Now == nil {
		opt.Now = h.clock.Now
	}
	if opt.Sleep == nil {
		opt.Sleep = h.clock.Sleep
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.NewTextHandler(testWriter{h.t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	s, err := New(h.cfg, h.st, opt)
	if err != nil {
		h.t.Fatal(err)
	}
	return s
}

// slugOfID names a stored clipping.
func (h *harness) slugOfID(id int64) string {
	for slug, i := range h.ids {
		if i == id {
			return slug
		}
	}
	return fmt.Sprintf("#%d", id)
}

// fakeClock is the scheduler's clock in tests: Sleep advances time at once.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	sleeps  []time.Duration
	onSleep func(now time.Time) // called after each sleep, with the new time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.sleeps = append(c.sleeps, d)
	now, hook := c.now, c.onSleep
	c.mu.Unlock()
	if hook != nil {
		hook(now)
	}
	return ctx.Err()
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

var clippingLink = regexp.MustCompile(`http://veille\.test/clippings/(\d+)`)

// listed returns the distinct clipping ids an email links to, sorted.
func listed(body string) []int64 {
	seen := map[int64]bool{}
	var ids []int64
	for _, m := range clippingLink.FindAllStringSubmatch(body, -1) {
		id, _ := strconv.ParseInt(m[1], 10, 64)
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

func (h *harness) idsOf(slugs ...string) []int64 {
	var ids []int64
	for _, s := range slugs {
		id, ok := h.ids[s]
		if !ok {
			h.t.Fatalf("%s was not seeded", s)
		}
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

// startMailpit starts a real SMTP server and points the configuration at it.
func (h *harness) startMailpit(opt mailpittest.Options) *mailpittest.Server {
	mp := mailpittest.Start(h.t, opt)
	h.useSMTP(mp.Host, mp.SMTPPort)
	return mp
}

// inbox groups what mailpit received by recipient address.
func inbox(t *testing.T, mp *mailpittest.Server) map[string][]mailpittest.Message {
	t.Helper()
	out := map[string][]mailpittest.Message{}
	for _, s := range mp.Messages(t) {
		m := mp.Message(t, s.ID)
		for _, to := range m.To {
			out[strings.ToLower(to.Address)] = append(out[strings.ToLower(to.Address)], m)
		}
	}
	return out
}

func equalIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// slugs names ids for messages.
func (h *harness) slugs(ids []int64) string {
	var out []string
	for _, id := range ids {
		out = append(out, h.slugOfID(id))
	}
	return "[" + strings.Join(out, " ") + "]"
}
