package web

import (
	"net/netip"
	"strings"

	"github.com/gofiber/fiber/v2"
)

const (
	localClientIP = "client_ip"
	headerXRealIP = "X-Real-IP"
)

// clientIP is the address a request came from: the peer, unless the peer is one of the configured proxies
// (http.trusted_proxies), in which case the proxy header says. X-Forwarded-For is read from the right, past
// every trusted proxy, to the first address no trusted proxy vouches for: its left part is whatever the client
// sent, so taking the leftmost entry (as Fiber's ProxyHeader does) would let anyone choose their address.
func (s *Server) clientIP(c *fiber.Ctx) string {
	if ip, ok := c.Locals(localClientIP).(string); ok {
		return ip
	}
	ip := s.resolveClientIP(c).String()
	c.Locals(localClientIP, ip)
	return ip
}

func (s *Server) resolveClientIP(c *fiber.Ctx) netip.Addr {
	peer, _ := netip.AddrFromSlice(c.Context().RemoteIP())
	peer = peer.Unmap()
	if !s.trusted(peer) {
		return peer
	}
	if strings.EqualFold(s.ProxyHeader, headerXRealIP) {
		if ip, err := netip.ParseAddr(strings.TrimSpace(c.Get(headerXRealIP))); err == nil {
			return ip.Unmap()
		}
		return peer
	}
	var hops []string
	for _, v := range c.Request().Header.PeekAll(fiber.HeaderXForwardedFor) {
		hops = append(hops, strings.Split(string(v), ",")...)
	}
	addr := peer
	for i := len(hops) - 1; i >= 0; i-- {
		ip, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return addr // a garbled hop: the last address a trusted proxy gave is all we know
		}
		addr = ip.Unmap()
		if !s.trusted(addr) {
			return addr
		}
	}
	return addr
}

// trusted reports whether ip is one of the configured proxies.
func (s *Server) trusted(ip netip.Addr) bool {
	for _, p := range s.TrustedProxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}
