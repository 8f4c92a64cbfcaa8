package live

import (
	"log/slog"
	"strings"
	"testing"
)

// A NATS server that cannot be reached is named in the error without the
// user's password.
func TestAnUnreachableNATSIsNamedWithoutItsPassword(t *testing.T) {
	_, err := DialNATS("nats://hark:NatsS3cret@127.0.0.1:1", slog.Default())
	if err == nil {
		t.Skip("something listens on port 1")
	}
	if strings.Contains(err.Error(), "NatsS3cret") || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Errorf("error %q: want the server named, its password hidden", err)
	}
}
