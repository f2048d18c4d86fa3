// SPDX-License-Identifier: AGPL-3.0-only

package web

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"mime"
	"net/http"
	"path"

	"github.com/samtykke/samtykke/internal/httpx"
	"github.com/samtykke/samtykke/internal/style"
)

// asset is one embedded file, served under its content hash so that it can
// be cached forever and a new build is never mixed with an old style sheet.
type asset struct {
	hash  string
	ctype string
	body  []byte
}

func loadAssets() (map[string]asset, error) {
	out := map[string]asset{}
	for name, body := range map[string][]byte{"style.css": []byte(style.CSS)} {
		sum := sha256.Sum256(body)
		ctype := mime.TypeByExtension(path.Ext(name))
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		out[name] = asset{hash: hex.EncodeToString(sum[:8]), ctype: ctype, body: body}
	}
	return out, nil
}

// assetURL is the content-hash path of an embedded file (the templates'
// "asset" function).
func (s *Server) assetURL(name string) (string, error) {
	a, ok := s.assets[name]
	if !ok {
		return "", fmt.Errorf("no asset %q", name)
	}
	return "/static/" + a.hash + "/" + name, nil
}

// static serves GET /static/{hash}/{file}; an old or unknown hash is a 404.
func (s *Server) static(w http.ResponseWriter, r *http.Request) error {
	a, ok := s.assets[r.PathValue("file")]
	if !ok || a.hash != r.PathValue("hash") {
		return httpx.Errorf(http.StatusNotFound, "not_found", "no such asset")
	}
	w.Header().Set("Content-Type", a.ctype)
	_, _ = w.Write(a.body)
	return nil
}
