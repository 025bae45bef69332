package models

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"

	qrcode "github.com/skip2/go-qrcode"
)

// The referral poster a parent saves and shares from the portal, drawn with
// the standard library only. No font files are needed: the referral code
// uses a small built-in bitmap font (the code alphabet has no 0/O or 1/I),
// and the poster's Chinese words live on the page around it, in the
// reader's language.

var (
	brandDark  = color.RGBA{0xc2, 0x41, 0x0c, 0xff}
	brandCream = color.RGBA{0xff, 0xf7, 0xed, 0xff}
)

// fillRounded paints a rectangle with rounded corners.
func fillRounded(img *image.RGBA, r image.Rectangle, radius int, c color.RGBA) {
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			dx, dy := 0, 0
			if x < r.Min.X+radius {
				dx = r.Min.X + radius - x
			} else if x >= r.Max.X-radius {
				dx = x - (r.Max.X - radius - 1)
			}
			if y < r.Min.Y+radius {
				dy = r.Min.Y + radius - y
			} else if y >= r.Max.Y-radius {
				dy = y - (r.Max.Y - radius - 1)
			}
			if dx*dx+dy*dy <= radius*radius {
				img.SetRGBA(x, y, c)
			}
		}
	}
}

// glyphs is a 5×7 bitmap font for the referral code alphabet.
var glyphs = map[rune][7]string{
	'2': {" ### ", "#   #", "    #", "   # ", "  #  ", " #   ", "#####"},
	'3': {"#####", "   # ", "  #  ", "   # ", "    #", "#   #", " ### "},
	'4': {"   # ", "  ## ", " # # ", "#  # ", "#####", "   # ", "   # "},
	'5': {"#####", "#    ", "#### ", "    #", "    #", "#   #", " ### "},
	'6': {"  ## ", " #   ", "#    ", "#### ", "#   #", "#   #", " ### "},
	'7': {"#####", "    #", "   # ", "  #  ", " #   ", " #   ", " #   "},
	'8': {" ### ", "#   #", "#   #", " ### ", "#   #", "#   #", " ### "},
	'9': {" ### ", "#   #", "#   #", " ####", "    #", "   # ", " ##  "},
	'A': {" ### ", "#   #", "#   #", "#####", "#   #", "#   #", "#   #"},
	'B': {"#### ", "#   #", "#   #", "#### ", "#   #", "#   #", "#### "},
	'C': {" ### ", "#   #", "#    ", "#    ", "#    ", "#   #", " ### "},
	'D': {"#### ", "#   #", "#   #", "#   #", "#   #", "#   #", "#### "},
	'E': {"#####", "#    ", "#    ", "#### ", "#    ", "#    ", "#####"},
	'F': {"#####", "#    ", "#    ", "#### ", "#    ", "#    ", "#    "},
	'G': {" ### ", "#   #", "#    ", "# ###", "#   #", "#   #", " ####"},
	'H': {"#   #", "#   #", "#   #", "#####", "#   #", "#   #", "#   #"},
	'J': {"  ###", "   # ", "   # ", "   # ", "   # ", "#  # ", " ##  "},
	'K': {"#   #", "#  # ", "# #  ", "##   ", "# #  ", "#  # ", "#   #"},
	'L': {"#    ", "#    ", "#    ", "#    ", "#    ", "#    ", "#####"},
	'M': {"#   #", "## ##", "# # #", "# # #", "#   #", "#   #", "#   #"},
	'N': {"#   #", "#   #", "##  #", "# # #", "#  ##", "#   #", "#   #"},
	'P': {"#### ", "#   #", "#   #", "#### ", "#    ", "#    ", "#    "},
	'Q': {" ### ", "#   #", "#   #", "#   #", "# # #", "#  # ", " ## #"},
	'R': {"#### ", "#   #", "#   #", "#### ", "# #  ", "#  # ", "#   #"},
	'S': {" ####", "#    ", "#    ", " ### ", "    #", "    #", "#### "},
	'T': {"#####", "  #  ", "  #  ", "  #  ", "  #  ", "  #  ", "  #  "},
	'U': {"#   #", "#   #", "#   #", "#   #", "#   #", "#   #", " ### "},
	'V': {"#   #", "#   #", "#   #", "#   #", "#   #", " # # ", "  #  "},
	'W': {"#   #", "#   #", "#   #", "# # #", "# # #", "# # #", " # # "},
	'X': {"#   #", "#   #", " # # ", "  #  ", " # # ", "#   #", "#   #"},
	'Y': {"#   #", "#   #", " # # ", "  #  ", "  #  ", "  #  ", "  #  "},
	'Z': {"#####", "    #", "   # ", "  #  ", " #   ", "#    ", "#####"},
}

// drawText writes s centred on cx at top y with the bitmap font, scale
// pixels per dot; characters without a glyph are left as gaps.
func drawText(img *image.RGBA, s string, cx, y, scale int, c color.RGBA) {
	adv := 6 * scale
	x := cx - (len(s)*adv-scale)/2
	for _, r := range s {
		if g, ok := glyphs[r]; ok {
			for row, line := range g {
				for col, ch := range line {
					if ch == '#' {
						draw.Draw(img, image.Rect(x+col*scale, y+row*scale, x+(col+1)*scale, y+(row+1)*scale),
							image.NewUniform(c), image.Point{}, draw.Src)
					}
				}
			}
		}
		x += adv
	}
}

// PortalReferralPoster draws the poster: the school's colours and stars, a
// large QR code of the referral link, and the code in large letters for
// anyone who would rather type it at the front desk.
func PortalReferralPoster(link, code string) ([]byte, error) {
	const w, hgt = 750, 1100
	img := image.NewRGBA(image.Rect(0, 0, w, hgt))
	draw.Draw(img, img.Bounds(), image.NewUniform(brandCream), image.Point{}, draw.Src)
	draw.Draw(img, image.Rect(0, 0, w, 300), image.NewUniform(brandOrange), image.Point{}, draw.Src)
	white := color.RGBA{0xff, 0xff, 0xff, 0xff}
	fillStar(img, 375, 120, 80, white)
	fillStar(img, 180, 90, 34, brandGold)
	fillStar(img, 575, 80, 26, brandGold)
	fillStar(img, 120, 220, 18, white)
	fillStar(img, 640, 210, 22, white)
	fillRounded(img, image.Rect(75, 230, 675, 1000), 28, white)
	q, err := qrcode.New(link, qrcode.Medium)
	if err != nil {
		return nil, fmt.Errorf("models: referral poster: %w", err)
	}
	qr := q.Image(500)
	draw.Draw(img, image.Rect(125, 270, 625, 770), qr, qr.Bounds().Min, draw.Src)
	draw.Draw(img, image.Rect(175, 800, 575, 804), image.NewUniform(brandCream), image.Point{}, draw.Src)
	drawText(img, code, w/2, 840, 14, brandDark)
	for i := 0; i < 5; i++ {
		fillStar(img, float64(215+i*80), 1050, 16, brandGold)
	}
	return encodePNG(img)
}
