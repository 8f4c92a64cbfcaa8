package meta

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/harkdesk/hark/internal/channel"
)

// Probe checks that the Page is reachable with the desk's token and still
// published: an unpublished Page takes no comments or messages.
func (p *Page) Probe(ctx context.Context) error {
	var r struct {
		ID          string `json:"id"`
		IsPublished *bool  `json:"is_published"`
	}
	if err := p.call(ctx, http.MethodGet, p.cfg.PageID, url.Values{"fields": {"name,is_published"}}, nil, &r); err != nil {
		return err
	}
	if r.IsPublished != nil && !*r.IsPublished {
		return errors.New("the Page is unpublished")
	}
	return nil
}

// Probe checks that the Instagram account is reachable with the token.
func (g *Instagram) Probe(ctx context.Context) error {
	return g.call(ctx, http.MethodGet, g.cfg.IGUserID, url.Values{"fields": {"username"}}, nil, nil)
}

// Probe checks that the WhatsApp number is reachable and not flagged.
func (w *WhatsApp) Probe(ctx context.Context) error {
	var r struct {
		Quality string `json:"quality_rating"`
	}
	if err := w.call(ctx, http.MethodGet, w.cfg.PhoneNumberID, url.Values{"fields": {"display_phone_number,quality_rating"}}, nil, &r); err != nil {
		return err
	}
	if r.Quality == "RED" {
		return errors.New("WhatsApp rates this number's quality red: sending may soon be limited")
	}
	return nil
}

var (
	_ channel.Prober = (*Page)(nil)
	_ channel.Prober = (*Instagram)(nil)
	_ channel.Prober = (*WhatsApp)(nil)
)
