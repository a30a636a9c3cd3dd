package crawler

import (
	"context"
	"errors"
	"net"
	"net/netip"
)

// ErrRefusedAddress is wrapped by the error of a fetch whose host resolved
// to a private, loopback, link-local, metadata or otherwise non-public
// address (crawler.allow_private lifts the rule; configured outlets are
// always trusted).
var ErrRefusedAddress = errors.New("crawler: private or reserved address refused")

// nonPublic are the ranges never dialled for an untrusted host, besides
// those net/netip classifies (loopback, private, link-local, multicast,
// unspecified).
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("198.51.100.0/24"), // documentation
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, broadcast
	netip.MustParsePrefix("64:ff9b::/96"),    // NAT64: may embed a private IPv4
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
}

// PublicAddress reports whether ip may be dialled for an untrusted host.
// Cloud metadata endpoints (169.254.169.254, fd00:ec2::254) are link-local
// or private, hence refused.
func PublicAddress(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() ||
		ip.IsLinkLocalMulticast() || ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// dialer wraps base: when the guard is on and the host is not trusted, the
// name is resolved here, every address checked, and the checked address
// dialled (so a DNS answer that changes between check and dial, or a
// redirect to an internal host, cannot slip through).
func (c *Client) dialer(base *net.Dialer, allowPrivate bool) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		if allowPrivate || !c.denyPrivate.Load() {
			return base.DialContext(ctx, network, addr)
		}
		if _, ok := c.trusted.Load().Lookup(addr); ok {
			return base.DialContext(ctx, network, addr)
		}
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		if _, ok := c.trusted.Load().Lookup(host); ok {
			return base.DialContext(ctx, network, addr)
		}
		var ips []netip.Addr
		if ip, err := netip.ParseAddr(host); err == nil {
			ips = []netip.Addr{ip}
		} else {
			ips, err = net.DefaultResolver.LookupNetIP(ctx, "ip", host)
			if err != nil {
				return nil, err
			}
		}
		var errs []error
		for _, ip := range ips {
			if !PublicAddress(ip) {
				return nil, &FetchError{Kind: ErrKindForbidden, URL: addr,
					Msg: "resolves to " + ip.String() + ", a private or reserved address", Err: ErrRefusedAddress}
			}
		}
		for _, ip := range ips {
			conn, err := base.DialContext(ctx, network, net.JoinHostPort(ip.String(), port))
			if err == nil {
				return conn, nil
			}
			errs = append(errs, err)
		}
		if len(errs) == 0 {
			return nil, &net.DNSError{Err: "no address", Name: host, IsNotFound: true}
		}
		return nil, errors.Join(errs...)
	}
}
