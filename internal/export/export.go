// SPDX-License-Identifier: AGPL-3.0-only

// Package export writes the list and the suppression list as they leave
// samtykke (issue 21): CSV (RFC 4180, UTF-8, a header row) or JSON (one
// array, one element a line), a row at a time, so that memory does not grow
// with the list.
//
// JSON is a streamed array rather than NDJSON: a file cut short (a dropped
// connection, a full disk) is then not valid JSON, and cannot be taken for
// the whole list; and each element still sits on a line of its own, for a
// reader that goes line by line.
package export

import (
	"bufio"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Format is how an export is written.
type Format string

// The formats.
const (
	CSV  Format = "csv"
	JSON Format = "json"
)

// ParseFormat reads a format's name; empty is CSV.
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "csv":
		return CSV, nil
	case "json":
		return JSON, nil
	}
	return "", fmt.Errorf("format must be csv or json, not %q", s)
}

// ContentType is the media type of a format.
func (f Format) ContentType() string {
	if f == JSON {
		return "application/json"
	}
	return "text/csv; charset=utf-8"
}

// Consent is a contact's consent state for one purpose.
type Consent struct {
	Status     string    `json:"status"` // consent.Status: none, pending, active, withdrawn, expired
	Since      time.Time `json:"since,omitzero"`
	ValidUntil time.Time `json:"valid_until,omitzero"` // refresh due (C-10)
	EventID    string    `json:"event_id,omitempty"`   // the ledger event the state rests on
}

// Contact is one row of the list: the contact by its pseudonymous id, its
// number masked or, for a recorded reason, in clear, and its consent state
// for every purpose, in the order the writer was given the purposes.
type Contact struct {
	ID         string
	Phone      string
	Language   string
	Tags       []string
	CreatedAt  time.Time
	Restricted bool // processing restricted (Art. 18): the gate refuses every message
	Consents   []Consent
}

// Suppression is one entry of the suppression list as it leaves: the keyed
// hash of a number (never the number), the day it was listed, why, and the
// fingerprint of the master key the hash was made with (RT-05).
type Suppression struct {
	Token  []byte
	At     time.Time
	Reason string
	Key    string
}

// times are written in UTC, RFC 3339 with the fraction the value has.
func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// Writer writes the rows of one export. Each row is written as it comes;
// Flush sends what is buffered on, Close ends the document (the JSON
// array's bracket) and flushes.
type Writer struct {
	buf    *bufio.Writer
	csv    *csv.Writer // nil for JSON
	rows   int64
	fields []string // a CSV row, reused
	// purposes orders a contact's consents (the list's writer).
	purposes []string
}

func newWriter(w io.Writer, f Format, header []string) (*Writer, error) {
	ew := &Writer{buf: bufio.NewWriterSize(w, 64<<10)}
	if f == CSV {
		ew.csv = csv.NewWriter(ew.buf)
		return ew, ew.csv.Write(header)
	}
	_, err := ew.buf.WriteString("[")
	return ew, err
}

// NewContacts starts an export of the list. Its CSV columns are id, phone,
// language, tags (separated by ";"), created_at, restricted, then four for
// each purpose: PURPOSE.status, PURPOSE.since, PURPOSE.valid_until and
// PURPOSE.event_id.
func NewContacts(w io.Writer, f Format, purposes []string) (*Writer, error) {
	header := []string{"id", "phone", "language", "tags", "created_at", "restricted"}
	for _, p := range purposes {
		header = append(header, p+".status", p+".since", p+".valid_until", p+".event_id")
	}
	ew, err := newWriter(w, f, header)
	ew.purposes = purposes
	return ew, err
}

// NewSuppressions starts an export of the suppression list. Its CSV
// columns are token (hex), date (YYYY-MM-DD, UTC), reason and key (the
// master key's fingerprint, as samtykke's key messages print it).
func NewSuppressions(w io.Writer, f Format) (*Writer, error) {
	return newWriter(w, f, []string{"token", "date", "reason", "key"})
}

// contactJSON is a contact's JSON element.
type contactJSON struct {
	ID         string             `json:"id"`
	Phone      string             `json:"phone"`
	Language   string             `json:"language"`
	Tags       []string           `json:"tags"`
	CreatedAt  time.Time          `json:"created_at"`
	Restricted bool               `json:"restricted"`
	Consents   map[string]Consent `json:"consents"`
}

// Contact writes one contact; its Consents follow the writer's purposes.
func (w *Writer) Contact(c Contact) error {
	if len(c.Consents) != len(w.purposes) {
		return fmt.Errorf("export: contact %s has %d consent states for %d purposes", c.ID, len(c.Consents), len(w.purposes))
	}
	if w.csv != nil {
		w.fields = append(w.fields[:0], c.ID, c.Phone, c.Language, strings.Join(c.Tags, ";"), stamp(c.CreatedAt),
			strconv.FormatBool(c.Restricted))
		for _, s := range c.Consents {
			w.fields = append(w.fields, s.Status, stamp(s.Since), stamp(s.ValidUntil), s.EventID)
		}
		return w.csvRow()
	}
	j := contactJSON{ID: c.ID, Phone: c.Phone, Language: c.Language, Tags: c.Tags, CreatedAt: c.CreatedAt.UTC(),
		Restricted: c.Restricted, Consents: make(map[string]Consent, len(c.Consents))}
	if j.Tags == nil {
		j.Tags = []string{}
	}
	for i, s := range c.Consents {
		s.Since, s.ValidUntil = utc(s.Since), utc(s.ValidUntil)
		j.Consents[w.purposes[i]] = s
	}
	return w.jsonRow(j)
}

func utc(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC()
}

// Suppression writes one entry of the suppression list.
func (w *Writer) Suppression(s Suppression) error {
	token, date := hex.EncodeToString(s.Token), s.At.UTC().Format(time.DateOnly)
	if w.csv != nil {
		w.fields = append(w.fields[:0], token, date, s.Reason, s.Key)
		return w.csvRow()
	}
	return w.jsonRow(struct {
		Token  string `json:"token"`
		Date   string `json:"date"`
		Reason string `json:"reason"`
		Key    string `json:"key"`
	}{token, date, s.Reason, s.Key})
}

func (w *Writer) csvRow() error {
	w.rows++
	if err := w.csv.Write(w.fields); err != nil {
		return err
	}
	// csv.Writer buffers in front of ours: a write error shows at its flush.
	if w.rows%256 == 0 {
		w.csv.Flush()
		return w.csv.Error()
	}
	return nil
}

func (w *Writer) jsonRow(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	sep := ",\n"
	if w.rows == 0 {
		sep = "\n"
	}
	w.rows++
	if _, err := w.buf.WriteString(sep); err != nil {
		return err
	}
	_, err = w.buf.Write(b)
	return err
}

// Rows is how many rows were written.
func (w *Writer) Rows() int64 { return w.rows }

// Flush sends the rows written so far on to the underlying writer.
func (w *Writer) Flush() error {
	if w.csv != nil {
		w.csv.Flush()
		if err := w.csv.Error(); err != nil {
			return err
		}
	}
	return w.buf.Flush()
}

// Close ends the document and flushes it. A JSON export not closed is not
// valid JSON: a reader can tell it is incomplete.
func (w *Writer) Close() error {
	if w.csv == nil {
		end := "]\n"
		if w.rows > 0 {
			end = "\n]\n"
		}
		if _, err := w.buf.WriteString(end); err != nil {
			return err
		}
	}
	return w.Flush()
}
