package ops

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"os"
	"time"
)

// PinnedClient accepts exactly the certificate in certFile (PEM; the first
// certificate is the server's own), whatever name it was issued for: a
// container checking its own health dials 127.0.0.1, which the service's
// certificate does not name, and must still talk to nothing but this
// service.
func PinnedClient(certFile string, timeout time.Duration) (*http.Client, error) {
	raw, err := os.ReadFile(certFile)
	if err != nil {
		return nil, fmt.Errorf("pinned certificate: %w", err)
	}
	var want []byte
	for rest := raw; want == nil; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			return nil, fmt.Errorf("pinned certificate: no PEM certificate in %s", certFile)
		}
		if b.Type == "CERTIFICATE" {
			want = b.Bytes
		}
	}
	return &http.Client{Timeout: timeout, Transport: &http.Transport{TLSClientConfig: &tls.Config{
		MinVersion: tls.VersionTLS12,
		// The chain and name checks are replaced by the byte comparison.
		InsecureSkipVerify: true,
		VerifyPeerCertificate: func(peer [][]byte, _ [][]*x509.Certificate) error {
			if len(peer) == 0 || !bytes.Equal(peer[0], want) {
				return errors.New("the server's certificate is not the one in " + certFile)
			}
			return nil
		},
	}}}, nil
}
