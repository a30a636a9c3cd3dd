package crawler

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

func TestPublicAddress(t *testing.T) {
	for addr, want := range map[string]bool{
		"93.184.216.34":    true,
		"2a00:1450::1":     true,
		"127.0.0.1":        false,
		"127.0.0.5":        false,
		"10.1.2.3":         false,
		"172.16.0.1":       false,
		"192.168.1.1":      false,
		"169.254.169.254":  false, // cloud metadata
		"fd00:ec2::254":    false, // cloud metadata, IPv6
		"100.64.0.1":       false,
		"0.0.0.0":          false,
		"::1":              false,
		"::ffff:127.0.0.1": false,
		"fe80::1":          false,
		"224.0.0.1":        false,
		"198.18.0.1":       false,
	} {
		if got := PublicAddress(netip.MustParseAddr(addr)); got != want {
			t.Errorf("PublicAddress(%s) = %v, want %v", addr, got, want)
		}
	}
}

// TestPrivateAddressGuard: with the guard on, a host that is no configured
// outlet's is refused when it resolves to a private or loopback address,
// also after a redirect from a trusted host; trusted hosts are fetched
// wherever they point; allow_private lifts the guard.
func TestPrivateAddressGuard(t *testing.T) {
	inner := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, articleHTML("Interne", "secret"))
	}))
	defer inner.Close()
	trustedSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/to-inner":
			http.Redirect(w, r, inner.URL+"/secret", http.StatusFound)
		case "/to-localhost":
			http.Redirect(w, r, strings.Replace(inner.URL, "127.0.0.1", "localhost", 1)+"/secret", http.StatusFound)
		default:
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, articleHTML("Public", "ok"))
		}
	}))
	defer trustedSrv.Close()
	cfg := testConfig(t, outletOf("local", trustedSrv))
	trusted := NewHosts(map[string]string{strings.TrimPrefix(trustedSrv.URL, "http://"): "local"})
	guarded := NewClient(cfg.Crawler, Options{DenyPrivate: true, Trusted: trusted})
	ctx := context.Background()
	for _, u := range []string{inner.URL + "/secret", strings.Replace(inner.URL, "127.0.0.1", "localhost", 1) + "/x",
		trustedSrv.URL + "/to-inner", trustedSrv.URL + "/to-localhost", "http://[::1]:1/x"} {
		_, err := guarded.Get(ctx, u, Conditional{})
		if !errors.Is(err, ErrRefusedAddress) || ErrorKind(err) != ErrKindForbidden {
			t.Errorf("%s: err = %v, want a refused address", u, err)
		}
	}
	if _, err := guarded.Get(ctx, trustedSrv.URL+"/article", Conditional{}); err != nil {
		t.Errorf("a trusted outlet on 127.0.0.1 was refused: %v", err)
	}
	cfg.Crawler.AllowPrivate = true
	open := NewClient(cfg.Crawler, Options{DenyPrivate: true})
	if _, err := open.Get(ctx, inner.URL+"/secret", Conditional{}); err != nil {
		t.Errorf("allow_private: %v", err)
	}
	// The crawler's own client is guarded too: a feed cannot send it to
	// an internal address.
	cr, _ := testCrawler(t, testConfig(t, outletOf("local", trustedSrv)))
	if _, err := cr.FetchArticle(ctx, inner.URL+"/secret"); !errors.Is(err, ErrRefusedAddress) {
		t.Errorf("crawler client fetched an internal address: %v", err)
	}
	if _, err := cr.FetchArticle(ctx, trustedSrv.URL+"/article"); err != nil {
		t.Errorf("crawler client refused its outlet: %v", err)
	}
}

func TestHostsLookup(t *testing.T) {
	h := NewHosts(map[string]string{"lemonde.fr": "lemonde", "127.0.0.5:8080": "local", "sitemaps.lefigaro.fr": "figaro"})
	for host, want := range map[string]string{
		"www.lemonde.fr": "lemonde", "lemonde.fr": "lemonde", "LEMONDE.FR:443": "lemonde",
		"127.0.0.5:8080": "local", "127.0.0.5:9090": "", "sitemaps.lefigaro.fr": "figaro", "www.lefigaro.fr": "",
		"notlemonde.fr": "", "evil.com": "",
	} {
		got, _ := h.Lookup(host)
		if got != want {
			t.Errorf("Lookup(%q) = %q, want %q", host, got, want)
		}
	}
}
