// SPDX-License-Identifier: AGPL-3.0-only

// Package importer reads a list of consents collected elsewhere (a CRM
// export, a spreadsheet from the shop counter, a previous tool) as CSV, row
// by row, and decides what each row may become: a consent with its evidence,
// a contact that needs fresh consent, or a refusal with its reason (C-03,
// M-04, M-05). It holds no SQL, no HTTP and never prints a number.
//
// A row without the evidence its purpose's basis needs never becomes an
// active consent (no consent laundering): it is refused or, when the
// operator asks for it, kept as needing fresh consent, which the gate
// refuses and for which samtykke offers no way to message the person.
package importer

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/ledger"
)

// Columns are the columns a file may have, in the order the README lists
// them. Only phone is required in the header; which evidence a row needs
// depends on the purpose's basis.
var Columns = []string{
	"phone", "language", "first_name", "tags",
	"collected_at", "method", "affirmative_act", "age_confirmed", "notice_version", "wording", "wording_hash",
	"confirmation", "confirmation_ref",
	"order_ref", "product_category", "opt_out_offered_at",
}

// aliases are other spellings of a column seen in exports.
var aliases = map[string]string{
	"number": "phone", "mobile": "phone", "msisdn": "phone", "telefon": "phone", "mobil": "phone", "phone_number": "phone",
	"lang": "language", "sprak": "language", "språk": "language",
	"firstname": "first_name", "fornavn": "first_name", "name": "first_name",
	"tag": "tags", "stikkord": "tags",
	"confirmation_channel": "confirmation", "confirmation_message_id": "confirmation_ref",
}

// Mode says what becomes of a row without evidence.
type Mode string

// The modes.
const (
	// Refuse refuses a row without evidence (the default).
	Refuse Mode = "refuse"
	// NeedsFreshConsent keeps its number as a contact without consent: the
	// gate refuses it, and nothing offers to message the person (M-04).
	NeedsFreshConsent Mode = "needs_fresh_consent"
)

// ParseMode reads a mode; empty is Refuse.
func ParseMode(s string) (Mode, error) {
	switch Mode(s) {
	case "", Refuse:
		return Refuse, nil
	case NeedsFreshConsent:
		return NeedsFreshConsent, nil
	}
	return "", fmt.Errorf("without_evidence must be %q or %q", Refuse, NeedsFreshConsent)
}

// Outcome is what became of a row.
type Outcome string

// The outcomes of a row.
const (
	Imported          Outcome = "imported"            // a consent (or soft opt-in) recorded with its evidence
	Already           Outcome = "already"             // nothing changed: this row was imported before, or a newer consent stands
	NeedsFresh        Outcome = "needs_fresh_consent" // kept without consent: the gate refuses it
	RefusedSuppressed Outcome = "refused_suppressed"  // the number opted out or objected (RT-05, RT-06)
	RefusedErased     Outcome = "refused_erased"      // the person was erased
	RefusedNoEvidence Outcome = "refused_no_evidence" // the row lacks the evidence its basis needs (C-03, M-05)
	RefusedBadNumber  Outcome = "refused_bad_number"  // the number is not one samtykke accepts
	RefusedInvalid    Outcome = "refused_invalid"     // a value is malformed
	RefusedWithdrawn  Outcome = "refused_withdrawn"   // the person withdrew after this evidence was collected
	RefusedRestricted Outcome = "refused_restricted"  // processing of the contact is restricted
)

// Outcomes lists every outcome, in a stable order.
var Outcomes = []Outcome{Imported, Already, NeedsFresh, RefusedSuppressed, RefusedErased, RefusedNoEvidence,
	RefusedBadNumber, RefusedInvalid, RefusedWithdrawn, RefusedRestricted}

// Refused reports whether the outcome is a refusal.
func (o Outcome) Refused() bool { return strings.HasPrefix(string(o), "refused_") }

// Rules are what a row is checked against: the purpose imported into and
// the service's settings.
type Rules struct {
	Basis   consent.Basis
	Methods []string // accepted collection methods
	// FirstName says that the purpose declares first_name (P-03); otherwise
	// a first name is not kept.
	FirstName bool
	Now       time.Time
	Mode      Mode
}

// Row is one data row of the file, checked. Line is its row number in the
// file as a spreadsheet shows it (the header is row 1).
type Row struct {
	Line          int
	Phone         string // as written: only ever parsed, never printed
	Language      string
	FirstName     string
	Tags          []string
	Method        string
	CollectedAt   time.Time
	NoticeVersion int
	AgeConfirmed  bool
	Kind          ledger.Kind // Confirmed, Requested or SoftOptIn; empty without evidence
	Evidence      ledger.Evidence
	// Outcome is set when the row is decided already: refused, or without
	// evidence (NeedsFresh under that mode).
	Outcome Outcome
	Reason  string
}

// Reader reads rows from a CSV stream, one at a time: memory does not grow
// with the file.
type Reader struct {
	r     *csv.Reader
	col   map[string]int
	rules Rules
	line  int
}

// ErrHeader is wrapped by a header the reader cannot use.
var ErrHeader = errors.New("import: header")

// NewReader reads the header: the first line names the columns, separated
// by commas, semicolons (as spreadsheets in Norway save) or tabs; a UTF-8
// byte-order mark is skipped. An unknown column is an error, so that a
// misspelt evidence column never drops evidence silently, and no personal
// data samtykke does not need is read.
func NewReader(in io.Reader, rules Rules) (*Reader, error) {
	br := bufio.NewReaderSize(in, 64<<10)
	if b, _ := br.Peek(3); bytes.Equal(b, []byte{0xEF, 0xBB, 0xBF}) {
		_, _ = br.Discard(3)
	}
	first, _ := br.Peek(4096)
	if i := bytes.IndexByte(first, '\n'); i >= 0 {
		first = first[:i]
	}
	comma := ','
	if n := bytes.Count(first, []byte{';'}); n > bytes.Count(first, []byte{','}) {
		comma = ';'
	}
	if bytes.Count(first, []byte{'\t'}) > bytes.Count(first, []byte{string(comma)[0]}) {
		comma = '\t'
	}
	r := csv.NewReader(br)
	r.Comma, r.FieldsPerRecord, r.ReuseRecord = comma, -1, true
	head, err := r.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("%w: the file is empty", ErrHeader)
	} else if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrHeader, err)
	}
	col := map[string]int{}
	for i, h := range head {
		name := strings.ToLower(strings.TrimSpace(h))
		name = strings.ReplaceAll(strings.ReplaceAll(name, " ", "_"), "-", "_")
		if a, ok := aliases[name]; ok {
			name = a
		}
		if name == "" {
			continue
		}
		if !slices.Contains(Columns, name) {
			return nil, fmt.Errorf("%w: unknown column %q (column %d); the columns are %s", ErrHeader, clip(h), i+1,
				strings.Join(Columns, ", "))
		}
		if _, dup := col[name]; dup {
			return nil, fmt.Errorf("%w: column %q appears twice", ErrHeader, name)
		}
		col[name] = i
	}
	if _, ok := col["phone"]; !ok {
		return nil, fmt.Errorf("%w: the first line must name the columns, among them phone; the columns are %s",
			ErrHeader, strings.Join(Columns, ", "))
	}
	if rules.Mode == "" {
		rules.Mode = Refuse
	}
	return &Reader{r: r, col: col, rules: rules, line: 1}, nil
}

// clip shortens a header cell for an error message (a header is no place for
// a number, but a file without a header has one there).
func clip(s string) string {
	if mentionsDigits(s) {
		return "…"
	}
	if utf8.RuneCountInString(s) > 40 {
		return string([]rune(s)[:40]) + "…"
	}
	return s
}

func mentionsDigits(s string) bool {
	n := 0
	for _, c := range s {
		if c >= '0' && c <= '9' {
			n++
		}
	}
	return n >= 5
}

// Next reads and checks the next row; io.EOF after the last. A malformed
// row is a row with its outcome set, never an error: only a broken stream
// is.
func (r *Reader) Next() (Row, error) {
	rec, err := r.r.Read()
	r.line++
	if err == io.EOF {
		return Row{}, io.EOF
	}
	row := Row{Line: r.line}
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) && !errors.Is(pe.Err, io.ErrUnexpectedEOF) {
			row.Outcome, row.Reason = RefusedInvalid, "the row is not valid CSV: "+pe.Err.Error()
			return row, nil
		}
		return Row{}, err
	}
	get := func(name string) string {
		if i, ok := r.col[name]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	r.check(&row, get)
	return row, nil
}

// check fills the row from its cells and decides it when it is refused or
// has no evidence.
func (r *Reader) check(row *Row, get func(string) string) {
	rules := r.rules
	refuse := func(o Outcome, format string, a ...any) {
		row.Outcome, row.Reason = o, fmt.Sprintf(format, a...)
	}
	row.Phone = get("phone")
	if row.Phone == "" {
		refuse(RefusedBadNumber, "the phone column is empty")
		return
	}
	row.Language = strings.ToLower(get("language"))
	if row.Language == "" {
		row.Language = "nb"
	}
	if row.Language != "nb" && row.Language != "en" {
		refuse(RefusedInvalid, "language must be nb or en")
		return
	}
	if fn := get("first_name"); fn != "" && rules.FirstName {
		if utf8.RuneCountInString(fn) > 100 || mentionsDigits(fn) {
			refuse(RefusedInvalid, "first_name is longer than 100 characters or holds digits")
			return
		}
		row.FirstName = fn
	}
	if t := get("tags"); t != "" {
		row.Tags = strings.FieldsFunc(strings.ToLower(t), func(c rune) bool { return c == ';' || c == '|' || c == ' ' || c == ',' })
		slices.Sort(row.Tags)
		row.Tags = slices.Compact(row.Tags)
	}
	// Evidence: what each basis needs; a value present but malformed is
	// invalid, a value missing is no evidence.
	var missing []string
	need := func(name string) string {
		v := get(name)
		if v == "" {
			missing = append(missing, name)
		}
		return v
	}
	ev := ledger.Evidence{}
	row.Method = need("method")
	if row.Method != "" && !slices.Contains(rules.Methods, row.Method) {
		refuse(RefusedInvalid, "method must be one of %s", strings.Join(rules.Methods, ", "))
		return
	}
	if at := need("collected_at"); at != "" {
		t, err := ParseTime(at)
		if err != nil {
			refuse(RefusedInvalid, "collected_at: %v", err)
			return
		}
		switch {
		case t.After(rules.Now.Add(5 * time.Minute)):
			refuse(RefusedInvalid, "collected_at is in the future")
			return
		case t.Before(rules.Now.AddDate(-10, 0, 0)):
			refuse(RefusedInvalid, "collected_at is more than ten years ago")
			return
		}
		row.CollectedAt = t.UTC()
		ev.CollectedAt = row.CollectedAt.Format(time.RFC3339)
	}
	if v := get("notice_version"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			refuse(RefusedInvalid, "notice_version must be a whole number from 1")
			return
		}
		row.NoticeVersion = n
	}
	switch rules.Basis {
	case consent.BasisExistingCustomer:
		// mfl § 15(3): the number came with a sale, the marketing is of
		// similar products, the opt-out was offered when it was collected.
		ev.OrderRef, ev.ProductCategory = need("order_ref"), need("product_category")
		if v := need("opt_out_offered_at"); v != "" {
			t, err := ParseTime(v)
			if err != nil {
				refuse(RefusedInvalid, "opt_out_offered_at: %v", err)
				return
			}
			ev.OptOutOfferedAt = t.UTC().Format(time.RFC3339)
		}
		for _, f := range []string{ev.OrderRef, ev.ProductCategory} {
			if mentionsDigits(f) && len(f) > 40 {
				refuse(RefusedInvalid, "order_ref and product_category are at most 40 characters")
				return
			}
		}
		row.Kind = ledger.SoftOptIn
		row.AgeConfirmed = true // a customer relationship: the age rule of consent does not apply
	default:
		ev.AffirmativeAct = need("affirmative_act")
		wording, hash := get("wording"), get("wording_hash")
		switch {
		case hash != "":
			ev.WordingHash = hash
		case wording != "":
			ev.WordingHash = WordingHash(wording)
		default:
			missing = append(missing, "wording or wording_hash")
		}
		switch v := strings.ToLower(get("age_confirmed")); v {
		case "true", "yes", "ja", "1", "x":
			row.AgeConfirmed = true
		case "":
			missing = append(missing, "age_confirmed")
		case "false", "no", "nei", "0":
			refuse(RefusedNoEvidence, "age_confirmed is no: the person did not confirm the minimum age (C-13)")
			return
		default:
			refuse(RefusedInvalid, "age_confirmed must be yes or no")
			return
		}
		ch, ref := get("confirmation"), get("confirmation_ref")
		if (ch == "") != (ref == "") {
			refuse(RefusedInvalid, "confirmation and confirmation_ref go together: the channel and the id of the answer")
			return
		}
		ev.ConfirmationChannel, ev.ConfirmationMessageID = ch, ref
		row.Kind = ledger.Requested
		if ch != "" {
			row.Kind = ledger.Confirmed
			ev.Confirmation = ledger.ConfirmationAsserted // samtykke never saw the answer (L-03)
		}
	}
	for _, v := range []string{ev.AffirmativeAct, ev.WordingHash, ev.ConfirmationChannel, ev.ConfirmationMessageID, ev.OrderRef, ev.ProductCategory} {
		if utf8.RuneCountInString(v) > 200 {
			refuse(RefusedInvalid, "an evidence value is longer than 200 characters")
			return
		}
	}
	row.Evidence = ev
	if len(missing) > 0 {
		row.Kind = ""
		reason := "no evidence: missing " + strings.Join(missing, ", ")
		if rules.Basis == consent.BasisExistingCustomer {
			reason += " (an existing-customer basis needs the order, the product category and when the opt-out was offered, M-05)"
		} else {
			reason += " (C-03)"
		}
		if rules.Mode == NeedsFreshConsent {
			refuse(NeedsFresh, "%s; kept as needing fresh consent, which the gate refuses", reason)
		} else {
			refuse(RefusedNoEvidence, "%s", reason)
		}
	}
}

// ParseTime reads a time as exports write it: RFC 3339, or a date and time
// without a zone (taken as UTC), or a date.
func ParseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errors.New("not a time (use 2026-03-01T12:00:00Z or 2026-03-01)")
}

// Canonical is the row's content as it is recorded, in a fixed form, for
// the row's identity: with the number in E.164 and the purpose, its keyed
// digest says whether the same row was imported before (re-importing the
// same file changes nothing).
func (row Row) Canonical(e164, purpose string) string {
	var b strings.Builder
	for _, s := range []string{"import/v1", purpose, e164, row.Language, row.FirstName, strings.Join(row.Tags, " "), row.Method,
		strconv.Itoa(row.NoticeVersion), strconv.FormatBool(row.AgeConfirmed), string(row.Kind)} {
		b.WriteString(s)
		b.WriteByte(0)
	}
	b.Write(row.Evidence.Digest())
	return b.String()
}

// WordingHash is the hash of the exact consent text shown, as samtykke's
// own capture records it ("sha256:" and hex).
func WordingHash(text string) string {
	sum := sha256.Sum256([]byte(text))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// State is where an import is.
type State string

// The states of an import.
const (
	Receiving State = "receiving" // the API is storing the body
	Queued    State = "queued"    // stored; the job has not started
	Running   State = "running"   // rows are being handled (or the process died: re-run resumes)
	Done      State = "done"
	Failed    State = "failed" // the file could not be read (a bad header); nothing was written
)

// Import is one import of a file into a purpose: its progress and counts.
type Import struct {
	ID         string            `json:"id"`
	Purpose    string            `json:"purpose"`
	Mode       Mode              `json:"without_evidence"`
	State      State             `json:"state"`
	Actor      string            `json:"actor"`
	Source     string            `json:"source"` // cli or api
	CreatedAt  time.Time         `json:"created_at"`
	FinishedAt time.Time         `json:"finished_at,omitzero"`
	Line       int               `json:"line"` // the file's row up to which every row is handled (header: 1)
	Rows       int64             `json:"rows"` // data rows handled
	Counts     map[Outcome]int64 `json:"counts"`
	Error      string            `json:"error,omitempty"`
	Bytes      int64             `json:"bytes"` // the file's size, when known
	// Resumes are the runs that took the import up after a run that did
	// not finish (killed, or its file broke off).
	Resumes []Resume `json:"resumes,omitempty"`
	// FileDigest is a keyed digest of the file: a re-run of the same file
	// resumes an import that did not finish.
	FileDigest []byte `json:"-"`
}

// Resume is a run that took an unfinished import up: the rows up to
// AfterRow were committed by the runs before and skipped; the rows after it
// were read again (what a killed run had not committed was rolled back).
type Resume struct {
	At       time.Time `json:"at"`
	AfterRow int       `json:"after_row"`
}

// ReportRow is one row's line of the report: its row number, outcome and
// reason, and the contact it concerns (never the number).
type ReportRow struct {
	Line      int     `json:"row"`
	Outcome   Outcome `json:"outcome"`
	Reason    string  `json:"reason,omitempty"`
	ContactID string  `json:"contact_id,omitempty"`
}
