// SPDX-License-Identifier: AGPL-3.0-only

package admin

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"

	"github.com/samtykke/samtykke/internal/style"
)

// asset is one embedded file served under its content hash, cached for ever.
type asset struct {
	hash, ctype string
	body        []byte
}

// assets are the staff pages' files: the public pages' style sheet itself
// (shared, not copied: the same bytes), the staff pages' additions, and the
// progressive script.
type assets map[string]asset

func loadAssets() assets {
	out := assets{}
	for name, f := range map[string]struct{ body, ctype string }{
		"style.css": {style.CSS, "text/css; charset=utf-8"},
		"admin.css": {style.AdminCSS, "text/css; charset=utf-8"},
		"admin.js":  {style.AdminJS, "text/javascript; charset=utf-8"},
	} {
		sum := sha256.Sum256([]byte(f.body))
		out[name] = asset{hash: hex.EncodeToString(sum[:8]), ctype: f.ctype, body: []byte(f.body)}
	}
	return out
}

// url is the content-hash path of an asset (the templates' "asset").
func (a assets) url(name string) (string, error) {
	f, ok := a[name]
	if !ok {
		return "", fmt.Errorf("no asset %q", name)
	}
	return "/admin/assets/" + f.hash + "/" + name, nil
}

// serve answers GET /admin/assets/{hash}/{file}; a stale hash is a 404.
func (a assets) serve(w http.ResponseWriter, r *http.Request) {
	f, ok := a[r.PathValue("file")]
	if !ok || f.hash != r.PathValue("hash") {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", f.ctype)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(f.body)
}
