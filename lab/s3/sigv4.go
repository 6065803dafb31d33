package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/johannesboyne/gofakes3"
)

const sigV4Algorithm = "AWS4-HMAC-SHA256"

// requireSignature answers 403 unless the request carries an AWS Signature V4 Authorization header
// made with the given key. The payload hash is taken as the client declares it
// (x-amz-content-sha256): the headers, including that hash, are what is verified.
func requireSignature(keyID, secret string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if code, message := verifySignature(r, keyID, secret); code != "" {
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusForbidden)
			if r.Method != http.MethodHead {
				_ = xml.NewEncoder(w).Encode(gofakes3.ErrorResponse{Code: code, Message: message})
			}
			return
		}
		next.ServeHTTP(w, r)
	})
}

func verifySignature(r *http.Request, keyID, secret string) (gofakes3.ErrorCode, string) {
	auth, found := strings.CutPrefix(r.Header.Get("Authorization"), sigV4Algorithm+" ")
	if !found {
		return "AccessDenied", "only AWS Signature Version 4 (Authorization header) is accepted"
	}
	fields := map[string]string{}
	for _, part := range strings.Split(auth, ",") {
		if name, value, ok := strings.Cut(strings.TrimSpace(part), "="); ok {
			fields[name] = value
		}
	}
	scope := strings.Split(fields["Credential"], "/") // key id / date / region / service / aws4_request
	if len(scope) != 5 || scope[4] != "aws4_request" || fields["SignedHeaders"] == "" || fields["Signature"] == "" {
		return "AuthorizationHeaderMalformed", "the Authorization header is malformed"
	}
	if scope[0] != keyID {
		return "InvalidAccessKeyId", "the access key id does not exist in our records"
	}
	payloadHash := r.Header.Get("X-Amz-Content-Sha256")
	amzDate := r.Header.Get("X-Amz-Date")
	if payloadHash == "" || amzDate == "" {
		return "AccessDenied", "x-amz-content-sha256 and x-amz-date are required"
	}

	signedHeaders := strings.Split(fields["SignedHeaders"], ";")
	var headers strings.Builder
	for _, name := range signedHeaders {
		value := strings.Join(r.Header.Values(name), ",")
		if name == "host" {
			value = r.Host
		}
		headers.WriteString(name + ":" + strings.Join(strings.Fields(value), " ") + "\n")
	}
	canonicalRequest := strings.Join([]string{
		r.Method,
		encodePath(r.URL.Path),
		canonicalQuery(r),
		headers.String(),
		fields["SignedHeaders"],
		payloadHash,
	}, "\n")
	stringToSign := strings.Join([]string{sigV4Algorithm, amzDate, strings.Join(scope[1:], "/"), sha256Hex(canonicalRequest)}, "\n")
	key := []byte("AWS4" + secret)
	for _, part := range scope[1:] {
		key = hmacSHA256(key, part)
	}
	expected := hex.EncodeToString(hmacSHA256(key, stringToSign))
	if !hmac.Equal([]byte(expected), []byte(fields["Signature"])) {
		return "SignatureDoesNotMatch", "the request signature we calculated does not match the signature you provided; check your key and signing method"
	}
	return "", ""
}

func canonicalQuery(r *http.Request) string {
	query := r.URL.Query()
	names := make([]string, 0, len(query))
	for name := range query {
		names = append(names, name)
	}
	sort.Strings(names)
	var pairs []string
	for _, name := range names {
		values := append([]string(nil), query[name]...)
		sort.Strings(values)
		for _, value := range values {
			pairs = append(pairs, encode(name, false)+"="+encode(value, false))
		}
	}
	return strings.Join(pairs, "&")
}

func encodePath(path string) string {
	if path == "" {
		return "/"
	}
	return encode(path, true)
}

// encode is AWS's URI encoding: every byte but the unreserved characters (and '/' in paths) as %XX.
func encode(s string, keepSlash bool) string {
	var out strings.Builder
	for _, b := range []byte(s) {
		switch {
		case 'A' <= b && b <= 'Z', 'a' <= b && b <= 'z', '0' <= b && b <= '9', b == '-', b == '_', b == '.', b == '~', keepSlash && b == '/':
			out.WriteByte(b)
		default:
			fmt.Fprintf(&out, "%%%02X", b)
		}
	}
	return out.String()
}

func hmacSHA256(key []byte, data string) []byte {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(data))
	return mac.Sum(nil)
}

func sha256Hex(data string) string {
	sum := sha256.Sum256([]byte(data))
	return hex.EncodeToString(sum[:])
}
