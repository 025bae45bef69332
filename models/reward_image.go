package models

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
)

// MaxRewardImage is the largest reward picture accepted (2 MB).
const MaxRewardImage = 2 << 20

// ErrRewardImage is an upload that is not a PNG, JPEG, WebP or GIF picture
// of at most 2 MB.
var ErrRewardImage = NewError(KindInvalid, "bad-image", "err.reward_image")

// rewardImageTypes maps sniffed content types to file extensions.
var rewardImageTypes = map[string]string{
	"image/png": ".png", "image/jpeg": ".jpg", "image/webp": ".webp", "image/gif": ".gif",
}

// rewardImageName is what a stored image may be called: nothing a path can escape with.
var rewardImageName = regexp.MustCompile(`^r[0-9]+-[0-9A-Z]{8}\.(png|jpg|webp|gif)$`)

// RewardImageDir is where reward pictures live under the data directory.
func RewardImageDir(dataDir string) string { return filepath.Join(dataDir, "rewards") }

// SaveRewardImage checks an uploaded picture by its content (not its name
// or declared type) and its size, and writes it under dataDir/rewards with
// a fresh name, which it returns.
func SaveRewardImage(dataDir string, rewardID int64, data []byte) (string, error) {
	if len(data) == 0 || len(data) > MaxRewardImage {
		return "", ErrRewardImage.Field("image", "err.reward_image")
	}
	ct := http.DetectContentType(data)
	ext, ok := rewardImageTypes[ct]
	if !ok {
		return "", ErrRewardImage.Field("image", "err.reward_image")
	}
	dir := RewardImageDir(dataDir)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", fmt.Errorf("models: save reward image: %w", err)
	}
	name := fmt.Sprintf("r%d-%s%s", rewardID, randomCode(8), ext)
	if err := os.WriteFile(filepath.Join(dir, name), data, 0o640); err != nil {
		return "", fmt.Errorf("models: save reward image: %w", err)
	}
	return name, nil
}

// RewardImagePath returns the file of a stored picture and its content
// type, or ErrNotFound for any name SaveRewardImage could not have made.
func RewardImagePath(dataDir, name string) (string, string, error) {
	if !rewardImageName.MatchString(name) {
		return "", "", ErrNotFound
	}
	ext := filepath.Ext(name)
	for ct, e := range rewardImageTypes {
		if e == ext {
			return filepath.Join(RewardImageDir(dataDir), name), ct, nil
		}
	}
	return "", "", ErrNotFound
}
