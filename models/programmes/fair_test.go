package programmes

import (
	"fmt"
	"math"
	"testing"
)

// TestDrawIsReproducibleFromTheRevealedSeed: the same seed, lottery, member
// and draw number always give the same MAC, roll and prize; the commitment
// is the SHA-256 of the seed; another seed gives other draws.
func TestDrawIsReproducibleFromTheRevealedSeed(t *testing.T) {
	seed := "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	if got, want := Commitment(seed), "630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd"; got != want {
		t.Fatalf("commitment %s, want %s", got, want)
	}
	weights := []int64{1, 9, 90}
	a, err := Recompute(seed, 7, 42, 3, weights)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Recompute(seed, 7, 42, 3, weights)
	if a != b || a.Total != 100 || a.Roll < 0 || a.Roll >= 100 {
		t.Fatalf("not reproducible or out of range: %+v %+v", a, b)
	}
	other, _ := Recompute(seed, 7, 42, 4, weights)
	if other.MAC == a.MAC {
		t.Fatal("draw 4 has the same MAC as draw 3")
	}
	if _, err := Recompute("not hex", 7, 42, 3, weights); err == nil {
		t.Fatal("a bad seed was accepted")
	}
	fresh, hash, err := NewSeed()
	if err != nil || Commitment(fresh) != hash || len(fresh) != 64 {
		t.Fatalf("new seed %q hash %q err %v", fresh, hash, err)
	}
}

// TestPickFollowsTheWeights: each roll lands on the prize owning that range.
func TestPickFollowsTheWeights(t *testing.T) {
	w := []int64{1, 9, 90}
	for _, c := range []struct {
		roll int64
		want int
	}{{0, 0}, {1, 1}, {9, 1}, {10, 2}, {99, 2}} {
		if got := Pick(w, c.roll); got != c.want {
			t.Errorf("Pick(%d) = %d, want %d", c.roll, got, c.want)
		}
	}
}

// TestDrawDistributionMatchesTheOdds simulates 60,000 draws (as 600 members
// × 100 draws) and checks each prize's share against its odds within four
// standard deviations: the mapping from MAC to prize is not biased.
func TestDrawDistributionMatchesTheOdds(t *testing.T) {
	seed := "8f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"
	weights := []int64{5, 15, 30, 50}
	counts := make([]int, len(weights))
	n := 0
	for m := int64(1); m <= 600; m++ {
		for d := int64(1); d <= 100; d++ {
			o, err := Recompute(seed, 1, m, d, weights)
			if err != nil {
				t.Fatal(err)
			}
			counts[o.Position]++
			n++
		}
	}
	for i, w := range weights {
		p := float64(w) / 100
		want := p * float64(n)
		sd := math.Sqrt(float64(n) * p * (1 - p))
		if diff := math.Abs(float64(counts[i]) - want); diff > 4*sd {
			t.Errorf("prize %d: %d of %d draws, want %.0f ± %.0f", i, counts[i], n, want, 4*sd)
		}
	}
	t.Log(fmt.Sprint("counts ", counts))
}
