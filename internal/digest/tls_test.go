package digest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cner/veille/internal/digest/mailpittest"
)

// testCert writes a self-signed certificate for 127.0.0.1 and returns its
// files and a pool that trusts it.
func testCert(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		IsCA:         true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// TestTLSModes sends through mailpit speaking STARTTLS (with a password
// read from the environment) and implicit TLS, and checks the refusals: a
// server without STARTTLS, a certificate nobody vouches for.
func TestTLSModes(t *testing.T) {
	certFile, keyFile, pool := testCert(t)
	t.Setenv("VEILLE_TEST_SMTP_PASSWORD", "secret")
	for _, c := range []struct {
		name    string
		mode    string
		server  mailpittest.Options
		roots   bool
		auth    bool
		wantErr string // SMTPError stage, empty for success
	}{
		{"starttls with a password", "starttls", mailpittest.Options{TLSCert: certFile, TLSKey: keyFile, RequireSTARTTLS: true, AuthAcceptAny: true}, true, true, ""},
		{"implicit tls", "tls", mailpittest.Options{TLSCert: certFile, TLSKey: keyFile, RequireTLS: true}, true, false, ""},
		{"starttls against a plain server", "starttls", mailpittest.Options{}, true, false, "tls"},
		{"untrusted certificate", "starttls", mailpittest.Options{TLSCert: certFile, TLSKey: keyFile}, false, false, "tls"},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, aderly)
			mp := h.startMailpit(c.server)
			h.cfg.Digest.SMTP.TLS = c.mode
			if c.auth {
				h.cfg.Digest.SMTP.Username = "veille"
				h.cfg.Digest.SMTP.PasswordEnv = "VEILLE_TEST_SMTP_PASSWORD"
			}
			h.seed("aderly-investisseurs", at(2025, 3, 13, 20, 0))
			h.clock.Set(at(2025, 3, 14, 8, 0))
			opt := Options{Timeout: 10 * time.Second}
			if c.roots {
				opt.TLSConfig = &tls.Config{RootCAs: pool}
			}
			res, err := h.service(opt).SendNow(context.Background(), "")
			if err != nil || len(res) == 0 {
				t.Fatalf("%+v (%v)", res, err)
			}
			if c.wantErr == "" {
				if res[0].Outcome != OutcomeSent {
					t.Fatalf("outcome %s: %v", res[0].Outcome, res[0].Err)
				}
				msgs := mp.WaitFor(t, 1)
				if len(msgs) != 1 {
					t.Fatalf("%d messages", len(msgs))
				}
				if c.auth && msgs[0].Username != "veille" {
					t.Errorf("authenticated as %q, want veille", msgs[0].Username)
				}
				return
			}
			var se *SMTPError
			if res[0].Outcome != OutcomeFailed || !errors.As(res[0].Err, &se) || se.Stage != c.wantErr {
				t.Fatalf("outcome %s, error %v; want a failure at %s", res[0].Outcome, res[0].Err, c.wantErr)
			}
			pending, err := h.st.DigestRuns(context.Background(), "", true, 0)
			if err != nil || len(pending) != 1 || pending[0].Frozen {
				t.Errorf("the digest should stay owed, not frozen: %+v (%v)", pending, err)
			}
			if n := len(mp.Messages(t)); n != 0 {
				t.Errorf("%d messages arrived", n)
			}
		})
	}
}
