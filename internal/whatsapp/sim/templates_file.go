// SPDX-License-Identifier: AGPL-3.0-only

package sim

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// TemplatesFileName is the file a data folder keeps the simulator's registered
// templates in: `samtykke whatsapp-sim --data-dir DIR` uses DIR/TemplatesFileName.
const TemplatesFileName = "whatsapp-sim-templates.json"

// templatesDoc is the templates file: the templates registered through
// AddTemplate (POST /_sim/templates), sorted by name and language.
type templatesDoc struct {
	Templates []Template `json:"templates"`
}

// loadTemplates reads the templates file at path; a missing file holds none.
func loadTemplates(path string) ([]Template, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var doc templatesDoc
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("not a templates file: %w", err)
	}
	return doc.Templates, nil
}

// saveTemplates writes the templates file at path atomically: a temporary
// file with mode 0600 in the same folder, synced, then renamed over path, so
// a crash leaves the old file or the new one, never a part of either.
func saveTemplates(path string, m map[string]Template) (err error) {
	doc := templatesDoc{Templates: make([]Template, 0, len(m))}
	for _, t := range m {
		doc.Templates = append(doc.Templates, t)
	}
	slices.SortFunc(doc.Templates, func(a, b Template) int {
		return strings.Compare(templateKey(a.Name, a.Language), templateKey(b.Name, b.Language))
	})
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = os.Remove(tmp)
		}
	}()
	if err = f.Chmod(0o600); err == nil {
		if _, err = f.Write(b); err == nil {
			err = f.Sync()
		}
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	if d, derr := os.Open(dir); derr == nil { // make the rename durable
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}
