// Package desk serves the web desk agents work in: server-rendered pages,
// live updates and keyboard shortcuts, with no JavaScript build step.
package desk

import (
	"net/http"

	"github.com/harkdesk/hark/internal/app"
)

// Register mounts the desk's pages on mux.
func Register(mux *http.ServeMux, a *app.App) {}
