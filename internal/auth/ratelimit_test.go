package auth

import (
	"testing"
	"time"
)

func TestLimiterAllowsABurstThenRefills(t *testing.T) {
	l := NewLimiter(3, 50*time.Millisecond)
	for i := 0; i < 3; i++ {
		if !l.Allow("ip") {
			t.Fatalf("attempt %d refused within the burst", i+1)
		}
	}
	if l.Allow("ip") {
		t.Fatal("fourth attempt allowed")
	}
	if !l.Allow("other-ip") {
		t.Fatal("one key's limit spilled onto another")
	}
	time.Sleep(60 * time.Millisecond)
	if !l.Allow("ip") {
		t.Fatal("no refill after the interval")
	}
}
