package desk

import (
	"testing"

	"github.com/harkdesk/hark/internal/classify"
)

// Every language the classifier names has a name for the inbox filter and
// the badge's hover.
func TestLanguageNames(t *testing.T) {
	for _, code := range classify.Languages() {
		if languageNames[code] == "" {
			t.Errorf("%s has no name", code)
		}
	}
}
