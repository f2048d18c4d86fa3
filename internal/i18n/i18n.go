// SPDX-License-Identifier: AGPL-3.0-only

// Package i18n holds every text a person reads, in bokmål and English, as
// embedded catalogs keyed by message id. Bokmål is the default and follows
// the glossary (docs/glossary-nb.md).
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"strings"
)

//go:embed catalog/*.json
var files embed.FS

// Languages are the supported languages, the default first.
var Languages = []string{"nb", "en"}

var catalogs = mustLoad()

func mustLoad() map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, lang := range Languages {
		// A language's catalog is nb.json, plus a file per part of the
		// service (admin.nb.json: the staff pages); a key is in one file only.
		names, err := fs.Glob(files, "catalog/*"+lang+".json")
		if err != nil {
			panic(err)
		}
		m := map[string]string{}
		for _, name := range names {
			if base := path.Base(name); base != lang+".json" && !strings.HasSuffix(base, "."+lang+".json") {
				continue
			}
			b, err := files.ReadFile(name)
			if err != nil {
				panic(err)
			}
			part := map[string]string{}
			if err := json.Unmarshal(b, &part); err != nil {
				panic(fmt.Sprintf("i18n: catalog %s: %v", name, err))
			}
			for k, v := range part {
				if _, dup := m[k]; dup {
					panic(fmt.Sprintf("i18n: key %q is in two %s catalogs", k, lang))
				}
				m[k] = v
			}
		}
		out[lang] = m
	}
	return out
}

// Lang picks a supported language: "en" gives English, anything else bokmål.
func Lang(s string) string {
	if strings.HasPrefix(strings.ToLower(s), "en") {
		return "en"
	}
	return "nb"
}

// T is the text of key in lang with {name} placeholders filled from pairs
// (name, value, name, value ...). A missing key shows as the key itself, so
// a test that renders every page finds it.
func T(lang, key string, pairs ...string) string {
	s, ok := catalogs[Lang(lang)][key]
	if !ok {
		return key
	}
	for i := 0; i+1 < len(pairs); i += 2 {
		s = strings.ReplaceAll(s, "{"+pairs[i]+"}", pairs[i+1])
	}
	return s
}

// Keys lists a language's keys (for the catalog completeness test).
func Keys(lang string) []string {
	var ks []string
	for k := range catalogs[Lang(lang)] {
		ks = append(ks, k)
	}
	return ks
}
