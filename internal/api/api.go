// Package api serves the JSON API under /api/v1.
package api

import (
	"net/http"

	"github.com/harkdesk/hark/internal/app"
)

// Register mounts the API routes on mux.
func Register(mux *http.ServeMux, a *app.App) {}
