package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/harkdesk/hark/internal/channel"
	"github.com/harkdesk/hark/internal/channel/chat"
	"github.com/harkdesk/hark/internal/conversation"
	"github.com/harkdesk/hark/internal/hark"
	"github.com/harkdesk/hark/internal/workspace"
)

// ConfigureAccount replaces a channel account's config after checking
// that its connector (or, for live chat, the widget) accepts it. The
// config holds secrets: it is stored but never shown again, only the names
// of its fields.
func (a *App) ConfigureAccount(ctx context.Context, accountID int64, cfg json.RawMessage) error {
	acct, err := a.Workspaces.Account(ctx, accountID)
	if err != nil {
		return err
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(cfg, &obj); err != nil || obj == nil {
		return fmt.Errorf("the config must be a JSON object: %s: %w", notAnObject(cfg, err), hark.ErrInvalid)
	}
	cfg = bytes.TrimSpace(cfg)
	var target any
	switch f, ok := a.Outbox.Registry[acct.Channel]; {
	case len(obj) == 0:
	case acct.Channel == "chat": // no connector: replies reach the widget live
		if err := chat.CheckConfig(cfg); err != nil {
			return err
		}
	case !ok:
		return fmt.Errorf("%s accounts have no connector to configure: %w", acct.Channel, hark.ErrInvalid)
	default:
		c, err := f(acct, cfg)
		if err != nil {
			return fmt.Errorf("the %s connector refused this config: %v: %w", acct.Channel, err, hark.ErrInvalid)
		}
		target = c
	}
	return a.Workspaces.UpdateConfig(ctx, accountID, func(cur workspace.Account, all []workspace.Account) (json.RawMessage, error) {
		if err := a.targetFree(acct, target, all); err != nil {
			return nil, err
		}
		return keepMadeKeys(acct.Channel, cur.Config, obj)
	})
}

// notAnObject says why cfg is not a JSON object, and where, so an admin
// can find the stray comma in a file of credentials.
func notAnObject(cfg []byte, err error) string {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case len(bytes.TrimSpace(cfg)) == 0:
		return "it is empty"
	case err == nil:
		return "it is null"
	case errors.As(err, &syntax):
		before := cfg[:min(int(syntax.Offset), len(cfg))]
		line := bytes.Count(before, []byte("\n")) + 1
		col := len(before) - bytes.LastIndexByte(before, '\n')
		return fmt.Sprintf("%s at line %d, column %d", strings.TrimPrefix(err.Error(), "json: "), line, col-1)
	case errors.As(err, &typ) && typ.Field == "":
		return "it is a JSON " + typ.Value
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

// madeKeys are config keys the desk writes itself, which an admin's config
// does not give: the chat's visitor-token secret, without which every
// visitor would be a stranger at their next page load.
var madeKeys = map[string][]string{"chat": {"chat_secret"}}

// keepMadeKeys returns the new config with the stored one's made keys
// that it does not set, compacted.
func keepMadeKeys(channel string, stored json.RawMessage, cfg map[string]json.RawMessage) (json.RawMessage, error) {
	var old map[string]json.RawMessage
	json.Unmarshal(stored, &old)
	for _, k := range madeKeys[channel] {
		if _, set := cfg[k]; !set && old[k] != nil {
			cfg[k] = old[k]
		}
	}
	b, err := json.Marshal(cfg)
	if err != nil {
		return nil, fmt.Errorf("config: %v: %w", err, hark.ErrInvalid)
	}
	return b, nil
}

// targetFree refuses a second account for a Page, organisation or number
// another account already has: the webhook edge would file its events
// under one of the two by account order, and replies would go out as
// either.
func (a *App) targetFree(acct workspace.Account, c any, all []workspace.Account) error {
	t, ok := c.(channel.Targeted)
	if !ok || t.Target() == "" {
		return nil
	}
	f := a.Outbox.Registry[acct.Channel]
	for _, o := range all {
		if o.ID == acct.ID || o.Channel != acct.Channel || len(o.Config) == 0 {
			continue
		}
		oc, err := f(o, o.Config)
		if ot, ok := oc.(channel.Targeted); err == nil && ok && ot.Target() == t.Target() {
			return fmt.Errorf("%w: %s %s is already connected as account %d (%s); remove it there first", hark.ErrConflict, acct.Channel, t.Target(), o.ID, o.Name)
		}
	}
	return nil
}

// ConfigField is one field of an account's config as an admin sees it.
type ConfigField struct {
	Name   string `json:"name"`
	Value  string `json:"value,omitempty"` // empty for secrets
	Secret bool   `json:"secret"`
}

// ConfigSummary shows an account's config with its credentials masked:
// secrets never leave the store once saved. Nested objects are shown field
// by field ("webhook.basic_user"), so a secret is masked at any depth, and
// a URL's password is masked wherever it appears.
func ConfigSummary(cfg json.RawMessage) []ConfigField {
	var obj map[string]json.RawMessage
	if json.Unmarshal(cfg, &obj) != nil {
		return nil
	}
	out := []ConfigField{}
	summarise(&out, "", obj)
	slices.SortFunc(out, func(a, b ConfigField) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// summarise appends obj's fields under prefix: a field whose name looks
// like a credential is masked whole, whatever it holds.
func summarise(out *[]ConfigField, prefix string, obj map[string]json.RawMessage) {
	for k, v := range obj {
		if isSecretField(k) {
			*out = append(*out, ConfigField{Name: prefix + k, Secret: true})
			continue
		}
		walk(out, prefix+k, v)
	}
}

// walk appends one value: an object field by field, a list that holds
// objects or lists item by item ("routes.0.name"), anything else as it
// reads, with any URL's password masked.
func walk(out *[]ConfigField, name string, v json.RawMessage) {
	var inner map[string]json.RawMessage
	if json.Unmarshal(v, &inner) == nil && len(inner) > 0 {
		summarise(out, name+".", inner)
		return
	}
	var list []json.RawMessage
	if json.Unmarshal(v, &list) == nil && slices.ContainsFunc(list, func(e json.RawMessage) bool {
		e = bytes.TrimSpace(e)
		return bytes.HasPrefix(e, []byte("{")) || bytes.HasPrefix(e, []byte("["))
	}) {
		for i, e := range list {
			walk(out, name+"."+strconv.Itoa(i), e)
		}
		return
	}
	f := ConfigField{Name: name, Value: string(v)}
	var str string
	if json.Unmarshal(v, &str) == nil {
		f.Value = str
	}
	f.Value = urlPassword.ReplaceAllString(f.Value, "${1}xxxxx@")
	if cut := conversation.Clip(f.Value, 200); cut != f.Value {
		f.Value = cut + "…"
	}
	*out = append(*out, f)
}

// urlPassword is the password of a URL's user info, whatever it holds
// (reserved characters included, which url.Parse refuses).
var urlPassword = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://[^:@/\s]*:)[^\s]*@`)

// isSecretField reports whether a config field holds a credential.
func isSecretField(name string) bool {
	n := strings.ToLower(name)
	for _, s := range []string{"secret", "token", "pass", "key", "auth", "signing", "credential", "private", "smtp", "imap"} {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}
