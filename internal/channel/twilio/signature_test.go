package twilio

import (
	"net/url"
	"testing"
)

// The vector from Twilio's own SDK tests.
var (
	vectorURL    = "https://mycompany.com/myapp.php?foo=1&bar=2"
	vectorParams = url.Values{
		"Digits": {"1234"}, "CallSid": {"CA1234567890ABCDE"}, "To": {"+18005551212"},
		"Caller": {"+14158675309"}, "From": {"+14158675309"}, "ReasonConferenceEnded": {"test"}, "Reason": {"Participant"},
	}
	vectorSig = "vOEb5UThFn24KEfnOFLQY2AE5FY="
)

func TestSignatureOfficialVector(t *testing.T) {
	if got := Signature("12345", vectorURL, vectorParams); got != vectorSig {
		t.Fatalf("signature = %s, want %s", got, vectorSig)
	}
}

func TestValidSignatureWithAndWithoutPort(t *testing.T) {
	for _, u := range []string{vectorURL, "https://mycompany.com:443/myapp.php?foo=1&bar=2"} {
		if !ValidSignature("12345", u, vectorParams, nil, vectorSig) {
			t.Errorf("%s: valid signature rejected", u)
		}
	}
	// Signed with the port, received without it.
	withPort := Signature("12345", "https://mycompany.com:443/myapp.php?foo=1&bar=2", vectorParams)
	if !ValidSignature("12345", vectorURL, vectorParams, nil, withPort) {
		t.Error("signature over the URL with port rejected")
	}
	for name, tc := range map[string]struct {
		token, url, sig string
		params          url.Values
	}{
		"wrong token":   {"54321", vectorURL, vectorSig, vectorParams},
		"other url":     {"12345", "https://mycompany.com/other.php?foo=1&bar=2", vectorSig, vectorParams},
		"other port":    {"12345", "https://mycompany.com:8443/myapp.php?foo=1&bar=2", vectorSig, vectorParams},
		"changed param": {"12345", vectorURL, vectorSig, url.Values{"Digits": {"9999"}}},
		"empty sig":     {"12345", vectorURL, "", vectorParams},
		"empty token":   {"", vectorURL, vectorSig, vectorParams},
	} {
		if ValidSignature(tc.token, tc.url, tc.params, nil, tc.sig) {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestValidSignatureJSONBody(t *testing.T) {
	body := []byte(`{"property": "value", "boolean": true}`)
	u := "https://mycompany.com/myapp.php?bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620"
	sig := Signature("12345", u, nil)
	if !ValidSignature("12345", u, nil, body, sig) {
		t.Error("JSON body rejected")
	}
	if ValidSignature("12345", u, nil, []byte(`{"property": "other"}`), sig) {
		t.Error("tampered JSON body accepted")
	}
}
