package secure

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"time"
)

const (
	// keyFileName is the host key's file in the identity directory.
	keyFileName = "host.key"
	// maxKeyFile bounds how much of a key file is read; an Ed25519 PKCS#8
	// PEM is under 200 bytes.
	maxKeyFile = 16 << 10
	// certValidity is how long a host certificate is valid. Validity is
	// not checked (the key is what is trusted) but must be plausible.
	certValidity = 20 * 365 * 24 * time.Hour
)

// Identity is the host's long-lived key and its self-signed certificate.
type Identity struct {
	// Certificate holds the self-signed certificate, its parsed Leaf and
	// the Ed25519 private key. Read-only once loaded.
	Certificate tls.Certificate
	// Fingerprint is the canonical fingerprint of the host's public key.
	Fingerprint string
}

// LoadOrCreateIdentity loads the host key from dir/host.key (PKCS#8 PEM),
// creating dir (mode 0700) and the key (Ed25519, mode 0600, written
// atomically) on first use. An existing dir keeps its mode. A fresh
// self-signed certificate is made from the key on each load; only the key,
// and so the fingerprint, is stable.
//
// A key file accessible by group or others is refused with an error that
// wraps ErrKeyPermissions and names the file; it is not silently fixed. A key
// file that is not an Ed25519 PKCS#8 PEM is refused with ErrCorruptKey and
// never replaced: that would change the host's fingerprint behind the
// user's back.
func LoadOrCreateIdentity(dir string) (*Identity, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("secure: identity directory: %w", err)
	}
	path := filepath.Join(dir, keyFileName)
	key, err := loadKey(path)
	if errors.Is(err, fs.ErrNotExist) {
		key, err = createKey(path)
		if errors.Is(err, fs.ErrExist) {
			// Another process created it first: use theirs.
			key, err = loadKey(path)
		}
	}
	if err != nil {
		return nil, err
	}
	return newIdentity(key)
}

// loadKey reads and checks the key file. A missing file is an error
// wrapping fs.ErrNotExist.
func loadKey(path string) (ed25519.PrivateKey, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("secure: host key: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("secure: host key: %w", err)
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("secure: %w: %s is not a regular file", ErrCorruptKey, path)
	}
	if err := checkPrivate(path, info); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(f, maxKeyFile+1))
	if err != nil {
		return nil, fmt.Errorf("secure: host key %s: %w", path, err)
	}
	key, err := parseKey(data)
	if err != nil {
		return nil, fmt.Errorf("secure: %w: %s: %v; move it away to make a new identity (the fingerprint will change)",
			ErrCorruptKey, path, err)
	}
	return key, nil
}

// parseKey decodes one PKCS#8 "PRIVATE KEY" PEM block holding an Ed25519 key.
func parseKey(data []byte) (ed25519.PrivateKey, error) {
	if len(data) > maxKeyFile {
		return nil, errors.New("file too large")
	}
	block, rest := pem.Decode(data)
	if block == nil {
		return nil, errors.New("no PEM block")
	}
	if block.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("PEM block is %q, want \"PRIVATE KEY\"", block.Type)
	}
	if len(bytes.TrimSpace(rest)) != 0 {
		return nil, errors.New("trailing data after the PEM block")
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	key, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("key is %T, want Ed25519", k)
	}
	return key, nil
}

// createKey makes a new Ed25519 key and writes it to path, unless path
// exists (then the error wraps fs.ErrExist).
func createKey(path string) (ed25519.PrivateKey, error) {
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("secure: generate host key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("secure: encode host key: %w", err)
	}
	data := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	if err := WriteFileAtomic(path, data, 0o600, false); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil, err
		}
		return nil, fmt.Errorf("secure: write host key: %w", err)
	}
	return key, nil
}

// newIdentity wraps key in a fresh self-signed certificate.
func newIdentity(key ed25519.PrivateKey) (*Identity, error) {
	pub := key.Public()
	fp, err := Fingerprint(pub)
	if err != nil {
		return nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("secure: certificate serial: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "wetalk host " + fp},
		NotBefore:             now.Add(-24 * time.Hour), // tolerate skewed member clocks
		NotAfter:              now.Add(certValidity),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, key)
	if err != nil {
		return nil, fmt.Errorf("secure: self-signed certificate: %w", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("secure: self-signed certificate: %w", err)
	}
	return &Identity{
		Certificate: tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf},
		Fingerprint: fp,
	}, nil
}
