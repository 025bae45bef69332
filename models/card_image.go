package models

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	qrcode "github.com/skip2/go-qrcode"
)

// CardImageSize is the side of a card QR PNG in pixels: 25 modules plus the
// quiet zone at 8 px a module, crisp on a phone and on paper.
const CardImageSize = 264

// CardPNG draws the QR of a card's token (level M: a scratched print still
// scans; the token keeps the code at version 2).
func CardPNG(secret []byte, cardNo string, version int) ([]byte, error) {
	q, err := qrcode.New(CardToken(secret, cardNo, version), qrcode.Medium)
	if err != nil {
		return nil, fmt.Errorf("models: card png: %w", err)
	}
	png, err := q.PNG(CardImageSize)
	if err != nil {
		return nil, fmt.Errorf("models: card png: %w", err)
	}
	return png, nil
}

// CardImages caches card PNGs on disk under Dir, one file per card number
// and version (and secret, so a rotated secret never serves a stale QR).
// Encoding a QR costs a couple of milliseconds; reading the file does not.
// Files are written to a temp name and renamed, so concurrent requests and
// several app instances sharing the directory never see half a file.
type CardImages struct {
	Dir    string
	Secret []byte
}

// ETag names a card image version for HTTP caching.
func (ci CardImages) ETag(cardNo string, version int) string {
	return `"card-` + cardNo + `-v` + strconv.Itoa(version) + `"`
}

func (ci CardImages) path(cardNo string, version int) string {
	h := sha256.Sum256(ci.Secret)
	return filepath.Join(ci.Dir, "cards", hex.EncodeToString(h[:4]), cardNo+"-v"+strconv.Itoa(version)+".png")
}

// PNG returns the card's QR image, from the cache when it is there.
func (ci CardImages) PNG(cardNo string, version int) ([]byte, error) {
	p := ci.path(cardNo, version)
	if ci.Dir != "" {
		if b, err := os.ReadFile(p); err == nil && len(b) > 0 {
			return b, nil
		}
	}
	b, err := CardPNG(ci.Secret, cardNo, version)
	if err != nil || ci.Dir == "" {
		return b, err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o750); err == nil {
		tmp := p + "." + NewToken(4) + ".tmp"
		if os.WriteFile(tmp, b, 0o640) == nil {
			if os.Rename(tmp, p) != nil {
				_ = os.Remove(tmp)
			}
		}
	}
	return b, nil // a cache that cannot be written is only slower
}
