package auth

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Proxies are the addresses of the reverse proxies or load balancers in
// front of the desk. Behind them every request comes from a proxy, so the
// per-address limits (sign-in, chat, forms) would count all customers and
// agents as one; the client is then read from X-Forwarded-For, but only
// as far as the proxies listed here wrote it: anything further left was
// written by the client and proves nothing.
type Proxies []netip.Prefix

// ParseProxies reads a comma-separated list of addresses and CIDR ranges
// ("10.0.0.0/8, 192.0.2.7").
func ParseProxies(s string) (Proxies, error) {
	var out Proxies
	for f := range strings.SplitSeq(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q is neither an address nor a CIDR range", f)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

func (p Proxies) trusts(s string) bool {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, pr := range p {
		if pr.Contains(a) {
			return true
		}
	}
	return false
}

// ClientIP is the address a request came from: its peer's, or, when the
// peer is a trusted proxy, the nearest address in X-Forwarded-For that is
// not one (read right to left, as each proxy appends the address it saw).
func (p Proxies) ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if len(p) == 0 || !p.trusts(host) {
		return host
	}
	var hops []string
	for _, h := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(h, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		hop := strings.TrimSpace(hops[i])
		if hop == "" {
			continue
		}
		if h, _, err := net.SplitHostPort(hop); err == nil {
			hop = h // some proxies append the port
		}
		if !p.trusts(hop) {
			return hop
		}
		host = hop
	}
	return host
}

// ClientNet is what the limits per address count a client as: its IPv4
// address, or the /64 its IPv6 address is in. One IPv6 host is given a
// /64 at least and can post from a new address of it every time, so
// counting whole addresses would not slow it at all. An IPv4 address
// written as IPv6 (::ffff:a.b.c.d) counts as itself; what does not parse
// is counted as written.
func ClientNet(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = a.Unmap()
	if a.Is4() {
		return a.String()
	}
	return netip.PrefixFrom(a.WithZone(""), 64).Masked().String()
}
