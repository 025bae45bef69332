package programmes

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/bits"
)

// The lottery is provably fair by commit and reveal. When a lottery opens the
// server draws a secret seed and publishes only its SHA-256 (the commitment);
// the prize table is frozen at the same moment. Draw n of member m is
// HMAC-SHA256(seed, "lottery:<id>:member:<m>:draw:<n>"): its first eight bytes,
// as a big-endian number, scaled onto the table's total weight, pick the prize.
// When the lottery closes the seed is revealed: anyone can check that it
// hashes to the commitment and recompute every draw. The operator cannot
// steer a draw after committing, and nobody can predict one before the reveal.

// NewSeed returns a fresh secret seed (hex) and its commitment (hex SHA-256 of
// the seed's bytes).
func NewSeed() (seed, commitment string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", fmt.Errorf("programmes: new seed: %w", err)
	}
	seed = hex.EncodeToString(b)
	return seed, Commitment(seed), nil
}

// Commitment is the published hash of a seed: hex SHA-256 of its bytes.
func Commitment(seed string) string {
	b, err := hex.DecodeString(seed)
	if err != nil {
		return ""
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// DrawMessage is the message HMAC'd for one draw.
func DrawMessage(lotteryID, memberID, drawNo int64) string {
	return fmt.Sprintf("lottery:%d:member:%d:draw:%d", lotteryID, memberID, drawNo)
}

// DrawMAC is the hex HMAC-SHA256 of a draw under the seed (the value a
// verifier recomputes).
func DrawMAC(seed string, lotteryID, memberID, drawNo int64) (string, error) {
	key, err := hex.DecodeString(seed)
	if err != nil || len(key) == 0 {
		return "", ErrBadSeed
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(DrawMessage(lotteryID, memberID, drawNo)))
	return hex.EncodeToString(m.Sum(nil)), nil
}

// Roll maps a draw's MAC onto [0, total): the MAC's first 64 bits times
// total, divided by 2^64 (the high word of the product). Every value of the
// MAC is equally likely, so each roll is within 1/2^64·total of uniform.
func Roll(mac string, total int64) (int64, error) {
	b, err := hex.DecodeString(mac)
	if err != nil || len(b) < 8 || total <= 0 {
		return 0, ErrBadSeed
	}
	hi, _ := bits.Mul64(binary.BigEndian.Uint64(b[:8]), uint64(total))
	return int64(hi), nil
}

// Pick is the position (0-based, in table order) of the prize a roll lands
// on: prizes own consecutive ranges of the roll as wide as their weights.
func Pick(weights []int64, roll int64) int {
	for i, w := range weights {
		if roll < w {
			return i
		}
		roll -= w
	}
	return len(weights) - 1
}

// DrawOutcome is one draw recomputed from the seed.
type DrawOutcome struct {
	MAC      string
	Roll     int64
	Total    int64
	Position int
}

// Recompute redoes a draw from the seed and the prize weights in table
// order: what the verify page shows and what Draw itself uses.
func Recompute(seed string, lotteryID, memberID, drawNo int64, weights []int64) (DrawOutcome, error) {
	var total int64
	for _, w := range weights {
		total += w
	}
	mac, err := DrawMAC(seed, lotteryID, memberID, drawNo)
	if err != nil {
		return DrawOutcome{}, err
	}
	r, err := Roll(mac, total)
	if err != nil {
		return DrawOutcome{}, err
	}
	return DrawOutcome{MAC: mac, Roll: r, Total: total, Position: Pick(weights, r)}, nil
}
