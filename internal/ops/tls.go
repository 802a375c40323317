package ops

import (
	"crypto/tls"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/rs/zerolog"
)

// reloadEvery bounds how often a handshake looks at the certificate files.
const reloadEvery = time.Second

// certReloader serves a certificate that follows its files: a renewed pair
// (cert-manager, certbot, a rotated Kubernetes secret) is picked up on the
// next handshake after it lands, without a restart. A pair that does not
// load (a half-written renewal, a key that does not match) keeps the old
// certificate in service and is logged once per change of the files.
type certReloader struct {
	certFile, keyFile string
	log               zerolog.Logger

	mu      sync.Mutex
	cert    *tls.Certificate
	stamp   [2]fileStamp
	checked time.Time
}

type fileStamp struct {
	mod  time.Time
	size int64
}

func newCertReloader(certFile, keyFile string, log zerolog.Logger) (*certReloader, error) {
	r := &certReloader{certFile: certFile, keyFile: keyFile, log: log}
	stamp, err := r.stat()
	if err != nil {
		return nil, err
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("tls: load %s and %s: %w", certFile, keyFile, err)
	}
	r.cert, r.stamp, r.checked = &cert, stamp, time.Now()
	return r, nil
}

func (r *certReloader) stat() ([2]fileStamp, error) {
	var s [2]fileStamp
	for i, f := range []string{r.certFile, r.keyFile} {
		fi, err := os.Stat(f)
		if err != nil {
			return s, fmt.Errorf("tls: %w", err)
		}
		s[i] = fileStamp{fi.ModTime(), fi.Size()}
	}
	return s, nil
}

// GetCertificate is tls.Config's hook.
func (r *certReloader) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if now := time.Now(); now.Sub(r.checked) >= reloadEvery {
		r.checked = now
		r.reload()
	}
	return r.cert, nil
}

func (r *certReloader) reload() {
	stamp, err := r.stat()
	if err != nil {
		if r.stamp != ([2]fileStamp{}) {
			r.log.Warn().Err(err).Msg("tls: certificate files unreadable; keeping the certificate in service")
			r.stamp = [2]fileStamp{}
		}
		return
	}
	if stamp == r.stamp {
		return
	}
	// Remember the stamps even when the pair fails, so a bad renewal is
	// logged once, and tried again as soon as either file changes.
	r.stamp = stamp
	cert, err := tls.LoadX509KeyPair(r.certFile, r.keyFile)
	if err != nil {
		r.log.Warn().Err(err).Str("cert", r.certFile).Str("key", r.keyFile).Msg("tls: new certificate does not load; keeping the one in service")
		return
	}
	r.cert = &cert
	r.log.Info().Str("cert", r.certFile).Msg("tls: certificate reloaded")
}
