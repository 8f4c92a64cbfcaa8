package twilio

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"io"
	"net/url"
	"sort"
	"strings"
)

// Signature is X-Twilio-Signature for a request: base64(HMAC-SHA1(auth
// token, the full URL followed by each POST parameter's name and value,
// sorted by name)).
func Signature(authToken, fullURL string, params url.Values) string {
	m := hmac.New(sha1.New, []byte(authToken))
	io.WriteString(m, fullURL)
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		vs := append([]string(nil), params[k]...)
		sort.Strings(vs)
		for _, v := range vs {
			io.WriteString(m, k+v)
		}
	}
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// ValidSignature checks sig against the URL as given and with its port
// added or removed: Twilio signs the URL it was configured with, which a
// proxy in front of the desk may have changed. Requests with a JSON body
// carry bodySHA256 in the query and sign the URL alone.
func ValidSignature(authToken, fullURL string, params url.Values, body []byte, sig string) bool {
	if authToken == "" || sig == "" {
		return false
	}
	u, err := url.Parse(fullURL)
	if err != nil {
		return false
	}
	if want := u.Query().Get("bodySHA256"); want != "" {
		sum := sha256.Sum256(body)
		if !hmac.Equal([]byte(hex.EncodeToString(sum[:])), []byte(strings.ToLower(want))) {
			return false
		}
		params = nil
	}
	for _, candidate := range urlVariants(u) {
		if hmac.Equal([]byte(Signature(authToken, candidate, params)), []byte(sig)) {
			return true
		}
	}
	return false
}

func urlVariants(u *url.URL) []string {
	out := []string{u.String()}
	port := u.Port()
	v := *u
	switch {
	case port == "":
		def := "443"
		if u.Scheme == "http" {
			def = "80"
		}
		v.Host = u.Host + ":" + def
	case (u.Scheme == "https" && port == "443") || (u.Scheme == "http" && port == "80"):
		v.Host = u.Hostname()
	default:
		return out
	}
	return append(out, v.String())
}
