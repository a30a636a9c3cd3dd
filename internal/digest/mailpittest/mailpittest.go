// Package mailpittest starts a real SMTP server for tests: mailpit
// (go install github.com/axllent/mailpit@v1.33.1), on free ports of
// 127.0.0.1 with a temporary database, and reads what it received through
// its HTTP API. It also offers a TCP proxy that misbehaves on demand (the
// server down, or hanging), to test retries and timeouts.
//
// When mailpit is not installed, Start skips the test with a message, unless
// VEILLE_E2E=require, in which case the test fails.
package mailpittest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/build"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Version is the mailpit the tests are written against.
const Version = "v1.33.1"

// Binary finds mailpit on PATH or in $(go env GOPATH)/bin.
func Binary() (string, error) {
	if p, err := exec.LookPath("mailpit"); err == nil {
		return p, nil
	}
	gopath := os.Getenv("GOPATH")
	if gopath == "" {
		gopath = build.Default.GOPATH
	}
	for _, dir := range filepath.SplitList(gopath) {
		p := filepath.Join(dir, "bin", "mailpit")
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	return "", errors.New("mailpit not found on PATH nor in $(go env GOPATH)/bin")
}

// Options configure a mailpit instance.
type Options struct {
	// IgnoreDuplicateIDs drops a message whose Message-ID the mailbox
	// already holds, as deduplicating mail servers and clients do.
	IgnoreDuplicateIDs bool
	// Chaos enables the chaos API (SetChaos): injected SMTP errors.
	Chaos bool
	// TLSCert and TLSKey (PEM files) enable STARTTLS; RequireTLS makes the
	// port speak implicit TLS instead, RequireSTARTTLS refuses plain text.
	TLSCert, TLSKey string
	RequireTLS      bool
	RequireSTARTTLS bool
	// AuthAcceptAny accepts any username and password.
	AuthAcceptAny bool
}

// Server is a running mailpit.
type Server struct {
	Host     string // 127.0.0.1
	SMTPPort int
	API      string // http://127.0.0.1:PORT
	cmd      *exec.Cmd
	log      *bytes.Buffer
}

// SMTPAddr is host:port of the SMTP listener.
func (s *Server) SMTPAddr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.SMTPPort)) }

// Start starts mailpit; it is stopped when the test ends.
func Start(t testing.TB, opt Options) *Server {
	t.Helper()
	bin, err := Binary()
	if err != nil {
		msg := fmt.Sprintf("%v: go install github.com/axllent/mailpit@%s", err, Version)
		if os.Getenv("VEILLE_E2E") == "require" {
			t.Fatalf("VEILLE_E2E=require: %s", msg)
		}
		t.Skip(msg)
	}
	var lastErr error
	for try := 0; try < 3; try++ {
		s, err := start(t, bin, opt)
		if err == nil {
			return s
		}
		lastErr = err
	}
	t.Fatalf("mailpit: %v", lastErr)
	return nil
}

func start(t testing.TB, bin string, opt Options) (*Server, error) {
	smtpPort, err := freePort()
	if err != nil {
		return nil, err
	}
	httpPort, err := freePort()
	if err != nil {
		return nil, err
	}
	dir := t.TempDir()
	args := []string{
		"--smtp", "127.0.0.1:" + strconv.Itoa(smtpPort),
		"--listen", "127.0.0.1:" + strconv.Itoa(httpPort),
		"--database", filepath.Join(dir, "mailpit.db"),
		"--disable-version-check",
		"--smtp-disable-rdns",
	}
	if opt.IgnoreDuplicateIDs {
		args = append(args, "--ignore-duplicate-ids")
	}
	if opt.Chaos {
		args = append(args, "--enable-chaos")
	}
	if opt.TLSCert != "" {
		args = append(args, "--smtp-tls-cert", opt.TLSCert, "--smtp-tls-key", opt.TLSKey)
	}
	if opt.RequireTLS {
		args = append(args, "--smtp-require-tls")
	}
	if opt.RequireSTARTTLS {
		args = append(args, "--smtp-require-starttls")
	}
	if opt.AuthAcceptAny {
		args = append(args, "--smtp-auth-accept-any")
		if opt.TLSCert == "" {
			args = append(args, "--smtp-auth-allow-insecure")
		}
	}
	cmd := exec.Command(bin, args...)
	// mailpit reads MP_* variables: keep the caller's out.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MP_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	logBuf := &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = &syncWriter{w: logBuf}, &syncWriter{w: logBuf}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", bin, err)
	}
	s := &Server{Host: "127.0.0.1", SMTPPort: smtpPort, API: "http://127.0.0.1:" + strconv.Itoa(httpPort), cmd: cmd, log: logBuf}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() {
		cmd.Process.Kill()
		<-exited
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		select {
		case err := <-exited:
			return nil, fmt.Errorf("mailpit exited: %v\n%s", err, logBuf.String())
		default:
		}
		if s.ready() {
			break
		}
		if time.Now().After(deadline) {
			stop()
			return nil, fmt.Errorf("mailpit not ready after 15s\n%s", logBuf.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Cleanup(stop)
	return s, nil
}

func (s *Server) ready() bool {
	resp, err := http.Get(s.API + "/readyz")
	if err != nil {
		return false
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return false
	}
	c, err := net.DialTimeout("tcp", s.SMTPAddr(), time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Write(p)
}

// Address is a mailbox as mailpit reports it.
type Address struct {
	Name    string
	Address string
}

// Summary is a message in the list.
type Summary struct {
	ID        string
	MessageID string
	From      Address
	To        []Address
	Subject   string
	Created   time.Time
	Username  string // the SMTP login used, if any
}

// Message is a received message, parsed.
type Message struct {
	ID        string
	MessageID string
	From      Address
	To        []Address
	Subject   string
	Date      time.Time
	Text      string
	HTML      string
}

func (s *Server) getJSON(t testing.TB, path string, v any) {
	t.Helper()
	resp, err := http.Get(s.API + path)
	if err != nil {
		t.Fatalf("mailpit GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("mailpit GET %s: %s: %s", path, resp.Status, b)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("mailpit GET %s: %v", path, err)
	}
}

// Messages lists every message received, oldest first.
func (s *Server) Messages(t testing.TB) []Summary {
	t.Helper()
	var out struct {
		Total    int       `json:"total"`
		Messages []Summary `json:"messages"`
	}
	s.getJSON(t, "/api/v1/messages?limit=1000", &out)
	msgs := out.Messages
	for i, j := 0, len(msgs)-1; i < j; i, j = i+1, j-1 {
		msgs[i], msgs[j] = msgs[j], msgs[i]
	}
	return msgs
}

// Message reads one message with its text and HTML parts.
func (s *Server) Message(t testing.TB, id string) Message {
	t.Helper()
	var m Message
	s.getJSON(t, "/api/v1/message/"+url.PathEscape(id), &m)
	return m
}

// Raw returns a message's source as received.
func (s *Server) Raw(t testing.TB, id string) []byte {
	t.Helper()
	resp, err := http.Get(s.API + "/api/v1/message/" + url.PathEscape(id) + "/raw")
	if err != nil {
		t.Fatalf("mailpit raw %s: %v", id, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("mailpit raw %s: %s %v", id, resp.Status, err)
	}
	return b
}

// WaitFor waits until the mailbox holds at least n messages (mailpit
// stores a message shortly after accepting it) and returns them.
func (s *Server) WaitFor(t testing.TB, n int) []Summary {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		msgs := s.Messages(t)
		if len(msgs) >= n || time.Now().After(deadline) {
			return msgs
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// SetChaos makes the server answer RCPT TO with code (e.g. 451) with the
// given probability in percent (0 stops it). Needs Options.Chaos.
func (s *Server) SetChaos(t testing.TB, code, probability int) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"Recipient": map[string]int{"ErrorCode": code, "Probability": probability}})
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPut, s.API+"/api/v1/chaos", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("mailpit chaos: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("mailpit chaos: %s: %s", resp.Status, b)
	}
}
