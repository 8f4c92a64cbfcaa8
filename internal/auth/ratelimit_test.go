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

func TestARefundedAttemptDoesNotCount(t *testing.T) {
	l := NewLimiter(2, time.Hour)
	for i := range 10 {
		if !l.Allow("office") {
			t.Fatalf("attempt %d refused though every one before was refunded", i+1)
		}
		l.Refund("office")
	}
	l.Refund("office") // never above the burst
	l.Allow("office")
	l.Allow("office")
	if l.Allow("office") {
		t.Fatal("a refund lifted the bucket above its burst")
	}
}
