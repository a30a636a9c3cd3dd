package digest

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/smtp"
	"net/textproto"
	"strconv"
	"time"

	"github.com/cner/veille/config"
)

// sender speaks SMTP to the configured server: implicit TLS, STARTTLS or
// plain, PLAIN authentication when a username is set, one session per
// message, every step bounded by the timeout and the context.
type sender struct {
	cfg       config.SMTP
	timeout   time.Duration
	tlsConfig *tls.Config
	log       *slog.Logger
}

// SMTPError is a failed SMTP session (an error after the server accepted
// the message is not reported).
type SMTPError struct {
	Stage string // connect, hello, tls, auth, mail, rcpt, data, message
	Code  int    // the server's reply code, 0 for network errors
	Err   error
}

func (e *SMTPError) Error() string {
	if e.Code != 0 {
		return fmt.Sprintf("digest: smtp %s: %d %v", e.Stage, e.Code, e.Err)
	}
	return fmt.Sprintf("digest: smtp %s: %v", e.Stage, e.Err)
}

func (e *SMTPError) Unwrap() error { return e.Err }

// Permanent reports a 5xx reply: the server refuses, retrying as is will
// probably fail again (veille still retries, at the longest backoff).
func (e *SMTPError) Permanent() bool { return e.Code >= 500 }

// mayHaveBeenDelivered reports whether a failed send may still have reached
// the server: only a failure while sending the message's content or waiting
// for the verdict (a timeout there, a reset) is ambiguous.
func mayHaveBeenDelivered(err error) bool {
	if errors.Is(err, ErrNoSMTP) {
		return false
	}
	var se *SMTPError
	if errors.As(err, &se) {
		return se.Stage == "message"
	}
	return true
}

func smtpErr(stage string, err error) error {
	se := &SMTPError{Stage: stage, Err: err}
	var tp *textproto.Error
	if errors.As(err, &tp) {
		se.Code = tp.Code
		se.Err = errors.New(tp.Msg)
	}
	return se
}

func (s *sender) port() int {
	if s.cfg.Port > 0 {
		return s.cfg.Port
	}
	switch s.cfg.TLS {
	case "tls":
		return 465
	case "none":
		return 25
	}
	return 587
}

func (s *sender) tlsConf() *tls.Config {
	var c *tls.Config
	if s.tlsConfig != nil {
		c = s.tlsConfig.Clone()
	} else {
		c = &tls.Config{}
	}
	if c.ServerName == "" {
		c.ServerName = s.cfg.Host
	}
	if c.MinVersion == 0 {
		c.MinVersion = tls.VersionTLS12
	}
	return c
}

// send delivers msg from the envelope sender to the recipients. It returns
// nil once the server accepted the message (its reply to the end of DATA).
func (s *sender) send(ctx context.Context, from string, to []string, msg []byte) error {
	if s.cfg.Host == "" {
		return ErrNoSMTP
	}
	password, err := s.cfg.Password()
	if err != nil {
		return fmt.Errorf("digest: %w", err)
	}
	addr := net.JoinHostPort(s.cfg.Host, strconv.Itoa(s.port()))
	deadline := time.Now().Add(s.timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	dialer := &net.Dialer{Deadline: deadline}
	var conn net.Conn
	if s.cfg.TLS == "tls" {
		conn, err = (&tls.Dialer{NetDialer: dialer, Config: s.tlsConf()}).DialContext(ctx, "tcp", addr)
	} else {
		conn, err = dialer.DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return smtpErr("connect", err)
	}
	if err := conn.SetDeadline(deadline); err != nil {
		conn.Close()
		return smtpErr("connect", err)
	}
	// Cancelling the context interrupts whatever the session is waiting for.
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	c, err := smtp.NewClient(conn, s.cfg.Host)
	if err != nil {
		conn.Close()
		return ctxErr(ctx, smtpErr("connect", err))
	}
	defer c.Close()
	if err := c.Hello("localhost"); err != nil {
		return ctxErr(ctx, smtpErr("hello", err))
	}
	if s.cfg.TLS == "starttls" {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return &SMTPError{Stage: "tls", Err: fmt.Errorf("%s does not offer STARTTLS (digest.smtp.tls: starttls)", addr)}
		}
		if err := c.StartTLS(s.tlsConf()); err != nil {
			return ctxErr(ctx, smtpErr("tls", err))
		}
	}
	if s.cfg.Username != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			return &SMTPError{Stage: "auth", Err: fmt.Errorf("%s does not offer authentication", addr)}
		}
		if err := c.Auth(smtp.PlainAuth("", s.cfg.Username, password, s.cfg.Host)); err != nil {
			return ctxErr(ctx, smtpErr("auth", err))
		}
	}
	if err := c.Mail(from); err != nil {
		return ctxErr(ctx, smtpErr("mail", err))
	}
	for _, r := range to {
		if err := c.Rcpt(r); err != nil {
			return ctxErr(ctx, smtpErr("rcpt", err))
		}
	}
	w, err := c.Data()
	if err != nil {
		return ctxErr(ctx, smtpErr("data", err))
	}
	if _, err := w.Write(msg); err != nil {
		w.Close()
		return ctxErr(ctx, smtpErr("message", err))
	}
	if err := w.Close(); err != nil { // waits for the server's verdict
		return ctxErr(ctx, smtpErr("message", err))
	}
	// Accepted. A failing QUIT changes nothing to the delivery.
	if err := c.Quit(); err != nil {
		s.log.Debug("smtp quit after delivery failed", "err", err)
	}
	return nil
}

// ctxErr prefers the context's error when it caused the failure.
func ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("digest: %w (%w)", ctx.Err(), err)
	}
	return err
}
