package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/harkdesk/hark/internal/hark"
)

// ConfigureAccount replaces a channel account's connector config after
// checking that its connector accepts it. The config holds secrets: it is
// stored but never shown again, only the names of its fields.
func (a *App) ConfigureAccount(ctx context.Context, accountID int64, cfg json.RawMessage) error {
	acct, err := a.Workspaces.Account(ctx, accountID)
	if err != nil {
		return err
	}
	cfg = bytes.TrimSpace(cfg)
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(cfg, &obj); err != nil || obj == nil {
		return fmt.Errorf("the config must be a JSON object: %w", hark.ErrInvalid)
	}
	if len(obj) > 0 {
		f, ok := a.Outbox.Registry[acct.Channel]
		if !ok {
			return fmt.Errorf("%s accounts have no connector to configure: %w", acct.Channel, hark.ErrInvalid)
		}
		if _, err := f(acct, cfg); err != nil {
			return fmt.Errorf("the %s connector refused this config: %v: %w", acct.Channel, err, hark.ErrInvalid)
		}
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, cfg); err != nil {
		return fmt.Errorf("config: %v: %w", err, hark.ErrInvalid)
	}
	return a.Workspaces.SetConfig(ctx, accountID, compact.Bytes())
}

// ConfigField is one field of an account's config as an admin sees it.
type ConfigField struct {
	Name   string `json:"name"`
	Value  string `json:"value,omitempty"` // empty for secrets
	Secret bool   `json:"secret"`
}

// ConfigSummary shows an account's config with its credentials masked:
// secrets never leave the store once saved.
func ConfigSummary(cfg json.RawMessage) []ConfigField {
	var obj map[string]json.RawMessage
	if json.Unmarshal(cfg, &obj) != nil {
		return nil
	}
	out := make([]ConfigField, 0, len(obj))
	for k, v := range obj {
		f := ConfigField{Name: k, Secret: isSecretField(k)}
		if !f.Secret {
			f.Value = string(v)
			var str string
			if json.Unmarshal(v, &str) == nil {
				f.Value = str
			}
			if len(f.Value) > 200 {
				f.Value = f.Value[:200] + "…"
			}
		}
		out = append(out, f)
	}
	slices.SortFunc(out, func(a, b ConfigField) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// isSecretField reports whether a config field holds a credential.
func isSecretField(name string) bool {
	n := strings.ToLower(name)
	for _, s := range []string{"secret", "token", "password", "key", "auth", "smtp", "imap"} {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}
