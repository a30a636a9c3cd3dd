package config

import (
	"strings"
	"testing"
)

// TestDigestSMTPValidation: the digest's SMTP settings that would leak a
// password or cannot work are refused, naming the key.
func TestDigestSMTPValidation(t *testing.T) {
	for _, c := range []struct {
		name    string
		smtp    SMTP
		wantKey string // empty: valid
	}{
		{"plain text to a remote server with a password", SMTP{Host: "smtp.example.org", Port: 25, Username: "u", TLS: "none", From: "v@example.org"}, "digest.smtp.tls"},
		{"plain text to this machine", SMTP{Host: "127.0.0.1", Port: 1025, Username: "u", TLS: "none", From: "v@example.org"}, ""},
		{"plain text without password", SMTP{Host: "relay.example.org", Port: 25, TLS: "none", From: "v@example.org"}, ""},
		{"starttls with a password", SMTP{Host: "smtp.example.org", Port: 587, Username: "u", TLS: "starttls", From: "v@example.org"}, ""},
		{"port in the host", SMTP{Host: "smtp.example.org:587", Port: 587, TLS: "starttls", From: "v@example.org"}, "digest.smtp.host"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := Load("")
			if err != nil {
				t.Fatal(err)
			}
			cfg.Digest.SMTP = c.smtp
			cfg.Digest.Recipients = []Recipient{{Email: "a@example.org"}}
			err = cfg.Validate()
			switch {
			case c.wantKey == "" && err != nil:
				t.Errorf("refused: %v", err)
			case c.wantKey != "" && (err == nil || !strings.Contains(err.Error(), c.wantKey)):
				t.Errorf("error %v, want one naming %s", err, c.wantKey)
			}
		})
	}
}
