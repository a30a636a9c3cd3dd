package mailpittest

import (
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
)

// Mode is how a Proxy treats new connections.
type Mode int32

const (
	// Forward relays to the target.
	Forward Mode = iota
	// Drop accepts and closes at once: the server is down.
	Drop
	// Hang accepts and never answers: the server is stuck.
	Hang
)

// Proxy is a TCP relay in front of a server that can play dead.
type Proxy struct {
	ln       net.Listener
	target   string
	mode     atomic.Int32
	accepted atomic.Int32
	mu       sync.Mutex
	conns    []net.Conn
	wg       sync.WaitGroup
}

// NewProxy listens on a free port of 127.0.0.1 and relays to target; it is
// closed when the test ends.
func NewProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{ln: ln, target: target}
	p.wg.Add(1)
	go p.serve()
	t.Cleanup(p.close)
	return p
}

// Port is the proxy's port on 127.0.0.1.
func (p *Proxy) Port() int { return p.ln.Addr().(*net.TCPAddr).Port }

// SetMode changes how the next connections are treated.
func (p *Proxy) SetMode(m Mode) { p.mode.Store(int32(m)) }

// Accepted counts the connections accepted so far.
func (p *Proxy) Accepted() int { return int(p.accepted.Load()) }

func (p *Proxy) track(c net.Conn) {
	p.mu.Lock()
	p.conns = append(p.conns, c)
	p.mu.Unlock()
}

func (p *Proxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.accepted.Add(1)
		switch Mode(p.mode.Load()) {
		case Drop:
			c.Close()
		case Hang:
			p.track(c) // held open, silent, until the client gives up or the test ends
		default:
			up, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.track(c)
			p.track(up)
			p.wg.Add(2)
			go func() { defer p.wg.Done(); io.Copy(up, c); up.Close() }()
			go func() { defer p.wg.Done(); io.Copy(c, up); c.Close() }()
		}
	}
}

func (p *Proxy) close() {
	p.ln.Close()
	p.mu.Lock()
	for _, c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}
