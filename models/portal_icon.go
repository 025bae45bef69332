package models

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
)

// The portal's home-screen icon, drawn with the standard library once at
// start-up: no image files to keep in step with the brand colours.

var (
	brandOrange = color.RGBA{0xe8, 0x59, 0x0c, 0xff}
	brandGold   = color.RGBA{0xf5, 0x9f, 0x00, 0xff}
)

// starPolygon returns the ten corners of a five-pointed star.
func starPolygon(cx, cy, r float64) [][2]float64 {
	pts := make([][2]float64, 10)
	for i := range pts {
		rad := r
		if i%2 == 1 {
			rad = r * 0.4
		}
		a := -math.Pi/2 + float64(i)*math.Pi/5
		pts[i] = [2]float64{cx + rad*math.Cos(a), cy + rad*math.Sin(a)}
	}
	return pts
}

func inPolygon(x, y float64, pts [][2]float64) bool {
	in := false
	for i, j := 0, len(pts)-1; i < len(pts); j, i = i, i+1 {
		xi, yi, xj, yj := pts[i][0], pts[i][1], pts[j][0], pts[j][1]
		if (yi > y) != (yj > y) && x < (xj-xi)*(y-yi)/(yj-yi)+xi {
			in = !in
		}
	}
	return in
}

// fillStar paints a star with 4×4 supersampled edges.
func fillStar(img *image.RGBA, cx, cy, r float64, c color.RGBA) {
	pts := starPolygon(cx, cy, r)
	x0, y0 := int(cx-r)-1, int(cy-r)-1
	x1, y1 := int(cx+r)+1, int(cy+r)+1
	for y := max(y0, img.Rect.Min.Y); y <= min(y1, img.Rect.Max.Y-1); y++ {
		for x := max(x0, img.Rect.Min.X); x <= min(x1, img.Rect.Max.X-1); x++ {
			n := 0
			for sy := 0; sy < 4; sy++ {
				for sx := 0; sx < 4; sx++ {
					if inPolygon(float64(x)+(float64(sx)+0.5)/4, float64(y)+(float64(sy)+0.5)/4, pts) {
						n++
					}
				}
			}
			if n == 0 {
				continue
			}
			bg := img.RGBAAt(x, y)
			mix := func(a, b uint8) uint8 { return uint8((int(a)*(16-n) + int(b)*n) / 16) }
			img.SetRGBA(x, y, color.RGBA{mix(bg.R, c.R), mix(bg.G, c.G), mix(bg.B, c.B), 0xff})
		}
	}
}

func encodePNG(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("models: png: %w", err)
	}
	return buf.Bytes(), nil
}

// PortalIconPNG draws the portal's home-screen icon: a white star on the
// school orange, full bleed so it also works as a maskable icon (the star
// stays inside the safe circle).
func PortalIconPNG(size int) ([]byte, error) {
	img := image.NewRGBA(image.Rect(0, 0, size, size))
	draw.Draw(img, img.Bounds(), image.NewUniform(brandOrange), image.Point{}, draw.Src)
	s := float64(size)
	fillStar(img, s/2, s*0.53, s*0.30, color.RGBA{0xff, 0xff, 0xff, 0xff})
	fillStar(img, s*0.78, s*0.22, s*0.07, brandGold)
	return encodePNG(img)
}
