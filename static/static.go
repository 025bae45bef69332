// Package static embeds the files served under /static: our CSS and JS and
// third-party files vendored with their version in the name.
package static

import "embed"

// Files are the embedded assets.
//
//go:embed css js vendor
var Files embed.FS
