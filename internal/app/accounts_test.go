package app_test

import (
	"strings"
	"testing"

	"github.com/harkdesk/hark/internal/app"
)

// Every role sees an account's config summary, so no credential may reach
// it, however deep the connector keeps it.
func TestConfigSummaryMasksSecretsAtAnyDepth(t *testing.T) {
	cfg := `{"address":"help@brand.test","inbound":"mailgun",
		"webhook":{"basic_user":"hooks","basic_password":"PW-s3cret","mailgun_signing_key":"KEY-s3cret"},
		"imap":{"server":"imap.brand.test","password":"IMAP-s3cret"},
		"feed_url":"https://reader:URL-s3cret@blog.brand.test/feed",
		"routes":[{"name":"a","client_secret":"LIST-s3cret"}],"days":[1,2],"extra":{},
		"relay":"smtps://hark:p4ss/s3cret#x@relay.brand.test:465","nested":[[{"api_token":"NEST-s3cret"}]]}`
	got := map[string]app.ConfigField{}
	for _, f := range app.ConfigSummary([]byte(cfg)) {
		if strings.Contains(f.Value, "s3cret") {
			t.Errorf("%s shows a secret: %q", f.Name, f.Value)
		}
		got[f.Name] = f
	}
	for name, want := range map[string]string{
		"address": "help@brand.test", "webhook.basic_user": "hooks", "routes.0.name": "a",
		"days": "[1,2]", "extra": "{}", "feed_url": "https://reader:xxxxx@blog.brand.test/feed",
		"relay": "smtps://hark:xxxxx@relay.brand.test:465",
	} {
		if got[name].Value != want || got[name].Secret {
			t.Errorf("%s: %+v, want the value %q", name, got[name], want)
		}
	}
	for _, name := range []string{"webhook.basic_password", "webhook.mailgun_signing_key", "imap", "routes.0.client_secret", "nested.0.0.api_token"} {
		if f, ok := got[name]; !ok || !f.Secret {
			t.Errorf("%s: %+v, want it listed as a secret", name, f)
		}
	}
}
