// SPDX-License-Identifier: AGPL-3.0-only

package api

import (
	"cmp"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/export"
	"github.com/samtykke/samtykke/internal/httpx"
)

// exportRowsHeader is the trailer that gives an export's row count after
// its body.
const exportRowsHeader = "Samtykke-Export-Rows"

// exportList answers GET /api/v1/exports: the list with each contact's
// consent states, or the suppression list as keyed hashes, streamed as it
// is read (issue 21). A refusal is a JSON error; a failure after the first
// byte drops the connection, so that a cut export never looks whole.
func (s *Server) exportList(w http.ResponseWriter, r *http.Request, actor app.Actor) error {
	q := r.URL.Query()
	f, err := export.ParseFormat(q.Get("format"))
	if err != nil {
		return httpx.Errorf(http.StatusBadRequest, "invalid_input", "%v", err)
	}
	reveal, err := strconv.ParseBool(cmp.Or(q.Get("reveal"), "false"))
	if err != nil {
		return httpx.Errorf(http.StatusBadRequest, "invalid_input", "reveal must be true or false")
	}
	req := app.ExportRequest{What: cmp.Or(q.Get("what"), app.ExportContacts), Format: f, Reveal: reveal, Reason: q.Get("reason")}
	out := &exportWriter{w: w, rc: http.NewResponseController(w), format: f, what: req.What}
	res, err := s.app.Export(r.Context(), actor, req, out)
	if err != nil && !out.started {
		return err
	}
	if err != nil {
		s.log.Warn("export cut short", "request_id", actor.RequestID, "export_id", res.ID, "rows", res.Rows,
			"outcome", string(res.Outcome), "error", err.Error())
		panic(http.ErrAbortHandler)
	}
	w.Header().Set(exportRowsHeader, strconv.FormatInt(res.Rows, 10))
	return nil
}

// exportWriter sends the export's headers with its first byte (until then a
// refusal can still be a JSON error), and gives each write a minute: the
// server's write timeout is for answers, not for a list of a million.
type exportWriter struct {
	w       http.ResponseWriter
	rc      *http.ResponseController
	format  export.Format
	what    string
	started bool
}

func (e *exportWriter) Write(p []byte) (int, error) {
	if !e.started {
		e.started = true
		h := e.w.Header()
		h.Set("Content-Type", e.format.ContentType())
		h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="samtykke-%s-%s.%s"`, e.what,
			time.Now().UTC().Format("20060102-150405"), e.format))
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Trailer", exportRowsHeader)
	}
	_ = e.rc.SetWriteDeadline(time.Now().Add(time.Minute))
	return e.w.Write(p)
}
