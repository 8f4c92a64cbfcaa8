package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/harkdesk/hark/internal/channel/blog"
	"github.com/harkdesk/hark/internal/channel/linkedin"
	"github.com/harkdesk/hark/internal/channel/meta"
	"github.com/harkdesk/hark/internal/channel/twilio"
	"github.com/harkdesk/hark/internal/channel/x"
)

// fakeProvider is a provider's fake API and the account config that points
// a channel account at it.
type fakeProvider struct {
	channels string
	start    func(baseURL string) (http.Handler, json.RawMessage)
}

// fakes lists every provider `hark fake` can stand in for; one line each.
var fakes = map[string]fakeProvider{
	"meta": {"facebook, instagram, whatsapp", func(base string) (http.Handler, json.RawMessage) {
		f := meta.NewFake("fake-app-secret", "fake-verify-token", "fake-page-token")
		return f, f.Config(base)
	}},
	"x": {"x", func(base string) (http.Handler, json.RawMessage) {
		f := x.NewFake("fake-consumer-secret", "fake-user-token")
		return f, f.Config(base)
	}},
	"linkedin": {"linkedin", func(base string) (http.Handler, json.RawMessage) {
		f := linkedin.NewFake("fake-client-secret", "fake-access-token", "2414183")
		return f, f.Config(base)
	}},
	"twilio": {"sms, phone", func(base string) (http.Handler, json.RawMessage) {
		f := twilio.NewFake("ACfake0000000000000000000000000000", "fake-auth-token")
		cfg, _ := json.Marshal(twilio.Config{AccountSID: "ACfake0000000000000000000000000000", AuthToken: "fake-auth-token", Number: "+15550100", BaseURL: base})
		return f, cfg
	}},
	"wordpress": {"blog", func(base string) (http.Handler, json.RawMessage) {
		f := blog.NewWordPress("hark", "fake app password")
		cfg, _ := json.Marshal(blog.Config{Kind: "wordpress", Site: base, Username: "hark", AppPassword: "fake app password"})
		return f, cfg
	}},
}

func cmdFake(args []string) error {
	names := make([]string, 0, len(fakes))
	for n := range fakes {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return fmt.Errorf("usage: hark fake PROVIDER [--addr 127.0.0.1:0]; providers: %s", strings.Join(names, ", "))
	}
	p, ok := fakes[args[0]]
	if !ok {
		return fmt.Errorf("no fake for %q; providers: %s", args[0], strings.Join(names, ", "))
	}
	f := newFlags("fake "+args[0], "[flags]")
	addr := f.fs.String("addr", "127.0.0.1:0", "address for the fake API to listen on")
	if err := f.parse(args[1:]); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String()
	h, cfg := p.start(base)
	fmt.Printf("A fake %s API (%s) is listening at %s\n", args[0], p.channels, base)
	fmt.Printf("Point a channel account at it with this config:\n  %s\n", cfg)
	fmt.Println("It answers sends as the provider would and records them. Press Ctrl-C to stop.")
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { <-ctx.Done(); srv.Close() }()
	if err := srv.Serve(ln); err != http.ErrServerClosed {
		return err
	}
	return nil
}
