// SPDX-License-Identifier: AGPL-3.0-only

// Package backup is samtykke's backup archive and its erasure journal (S-03).
//
// An archive is one age-encrypted stream (filippo.io/age: X25519 or
// post-quantum recipients, authenticated in 64 KiB chunks, so a truncated
// or altered file does not decrypt). Inside it: a magic line, then frames of
// one type byte, a length (uvarint) and that many bytes: the manifest (JSON)
// first, then the snapshot's named parts as data frames, and last the
// SHA-256 of everything before it. A reader checks the digest and that
// nothing follows it, so it reports a damaged or cut archive even where the
// encryption alone would not tell (a cut exactly at a chunk boundary of an
// archive still being written is refused by age as well).
//
// The master key is never in an archive: the data in it stays sealed under
// that key (numbers are sealed and indexed by keyed hashes), and the key
// is kept apart (docs/security.md, "Backups").
package backup

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"strings"
	"time"

	"filippo.io/age"
)

// Format is the archive format this package writes and reads.
const Format = 1

const magic = "samtykke-backup/1\n"

// Frame types.
const (
	frameManifest = 'M'
	framePart     = 'P' // a part begins: its name
	frameData     = 'D' // a piece of the current part
	frameEnd      = 'E' // the current part ends
	frameDigest   = 'Z' // SHA-256 of everything before this frame
)

// maxFrame bounds a frame's length when reading (a damaged length must not
// allocate gigabytes).
const maxFrame = 1 << 20

// Errors a reader returns.
var (
	// ErrWrongKey: no identity given opens the archive.
	ErrWrongKey = errors.New("backup: the identity does not open this archive (it was encrypted to other recipients)")
	// ErrDamaged: the archive is truncated, altered or not an archive.
	ErrDamaged = errors.New("backup: the archive is damaged, truncated or not a samtykke backup")
)

// Manifest describes an archive's snapshot.
type Manifest struct {
	Format int `json:"format"`
	// Store is the kind of database: sqlite or postgres.
	Store string `json:"store"`
	// SchemaVersion is the newest samtykke migration the snapshot has.
	SchemaVersion int `json:"schema_version"`
	// QueueVersion is the newest River migration it has (PostgreSQL; the
	// SQLite file carries its own).
	QueueVersion int `json:"queue_version,omitempty"`
	// CreatedAt is when the snapshot was taken.
	CreatedAt time.Time `json:"created_at"`
	// KeyFingerprint is the fingerprint (hex) of the master key the data is
	// sealed under: restore refuses another key.
	KeyFingerprint string `json:"key_fingerprint"`
	// Version is the samtykke version that wrote it.
	Version string `json:"samtykke_version,omitempty"`
}

// Writer writes an archive.
type Writer struct {
	enc     io.WriteCloser
	out     *bufio.Writer // into enc
	sum     hash.Hash
	w       io.Writer // out and sum
	inPart  bool
	err     error
	scratch [binary.MaxVarintLen64 + 1]byte
}

// NewWriter starts an archive to dst, encrypted to the recipients, with the
// manifest first. Nothing is written in clear.
func NewWriter(dst io.Writer, m Manifest, recipients ...age.Recipient) (*Writer, error) {
	if len(recipients) == 0 {
		return nil, errors.New("backup: no recipient: name at least one age recipient")
	}
	enc, err := age.Encrypt(dst, recipients...)
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	w := &Writer{enc: enc, out: bufio.NewWriterSize(enc, 64<<10), sum: sha256.New()}
	w.w = io.MultiWriter(w.out, w.sum)
	m.Format = Format
	b, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	if _, err := io.WriteString(w.w, magic); err != nil {
		return nil, err
	}
	if err := w.frame(frameManifest, b); err != nil {
		return nil, err
	}
	return w, nil
}

func (w *Writer) frame(kind byte, b []byte) error {
	if w.err != nil {
		return w.err
	}
	w.scratch[0] = kind
	n := binary.PutUvarint(w.scratch[1:], uint64(len(b)))
	if _, w.err = w.w.Write(w.scratch[:n+1]); w.err == nil {
		_, w.err = w.w.Write(b)
	}
	return w.err
}

// Part begins a named part and returns where its content goes; closing it
// ends the part. One part at a time.
func (w *Writer) Part(name string) (io.WriteCloser, error) {
	if w.inPart {
		return nil, errors.New("backup: a part is open")
	}
	if err := w.frame(framePart, []byte(name)); err != nil {
		return nil, err
	}
	w.inPart = true
	return &partWriter{w: w}, nil
}

type partWriter struct {
	w      *Writer
	closed bool
}

func (p *partWriter) Write(b []byte) (int, error) {
	if p.closed {
		return 0, errors.New("backup: write to a closed part")
	}
	n := 0
	for len(b) > 0 {
		k := min(len(b), 32<<10)
		if err := p.w.frame(frameData, b[:k]); err != nil {
			return n, err
		}
		n += k
		b = b[k:]
	}
	return n, nil
}

func (p *partWriter) Close() error {
	if p.closed {
		return nil
	}
	p.closed, p.w.inPart = true, false
	return p.w.frame(frameEnd, nil)
}

// Close writes the digest and finishes the encryption. An archive whose
// Close failed is not complete, and a reader refuses it.
func (w *Writer) Close() error {
	if w.inPart {
		return errors.New("backup: a part is still open")
	}
	if err := w.frame(frameDigest, w.sum.Sum(nil)); err != nil {
		return err
	}
	if err := w.out.Flush(); err != nil {
		return err
	}
	return w.enc.Close()
}

// Reader reads an archive as it decrypts it.
type Reader struct {
	in       *bufio.Reader
	sum      hash.Hash
	manifest Manifest
	part     *partReader
	done     bool
}

// NewReader opens an archive with the identities and reads its manifest.
// A wrong identity is ErrWrongKey; anything else that is not a readable
// archive, ErrDamaged.
func NewReader(src io.Reader, identities ...age.Identity) (*Reader, error) {
	dec, err := age.Decrypt(src, identities...)
	if err != nil {
		var nm *age.NoIdentityMatchError
		if errors.As(err, &nm) {
			return nil, ErrWrongKey
		}
		return nil, fmt.Errorf("%w: %v", ErrDamaged, err)
	}
	r := &Reader{in: bufio.NewReaderSize(dec, 64<<10), sum: sha256.New()}
	head := make([]byte, len(magic))
	if _, err := io.ReadFull(r.in, head); err != nil || string(head) != magic {
		return nil, fmt.Errorf("%w: %v", ErrDamaged, errors.Join(err, errors.New("no samtykke backup header")))
	}
	r.sum.Write(head)
	kind, b, err := r.frame()
	if err != nil {
		return nil, err
	}
	if kind != frameManifest {
		return nil, fmt.Errorf("%w: no manifest", ErrDamaged)
	}
	if err := json.Unmarshal(b, &r.manifest); err != nil {
		return nil, fmt.Errorf("%w: manifest: %v", ErrDamaged, err)
	}
	if r.manifest.Format != Format {
		return nil, fmt.Errorf("%w: format %d; this samtykke reads format %d", ErrDamaged, r.manifest.Format, Format)
	}
	return r, nil
}

// Manifest is the archive's manifest.
func (r *Reader) Manifest() Manifest { return r.manifest }

// frame reads one frame, adding it to the digest unless it is the digest.
func (r *Reader) frame() (byte, []byte, error) {
	kind, err := r.in.ReadByte()
	if err != nil {
		return 0, nil, damaged(err)
	}
	n, err := binary.ReadUvarint(r.in)
	if err != nil {
		return 0, nil, damaged(err)
	}
	if n > maxFrame {
		return 0, nil, fmt.Errorf("%w: a frame of %d bytes", ErrDamaged, n)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r.in, b); err != nil {
		return 0, nil, damaged(err)
	}
	if kind != frameDigest {
		var hdr [binary.MaxVarintLen64 + 1]byte
		hdr[0] = kind
		k := binary.PutUvarint(hdr[1:], n)
		r.sum.Write(hdr[:k+1])
		r.sum.Write(b)
	}
	return kind, b, nil
}

func damaged(err error) error {
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("%w: %v", ErrDamaged, err)
}

// Next returns the next part's name and content; the content must be read
// to its end (or is skipped) before the next call. After the last part
// Next checks the digest and that nothing follows: io.EOF then means the
// whole archive was read and is intact. Anything else wraps ErrDamaged.
func (r *Reader) Next() (string, io.Reader, error) {
	if r.done {
		return "", nil, io.EOF
	}
	if r.part != nil && !r.part.ended {
		if _, err := io.Copy(io.Discard, r.part); err != nil {
			return "", nil, err
		}
	}
	r.part = nil
	kind, b, err := r.frame()
	if err != nil {
		return "", nil, err
	}
	switch kind {
	case framePart:
		r.part = &partReader{r: r}
		return string(b), r.part, nil
	case frameDigest:
		if !bytes.Equal(b, r.sum.Sum(nil)) {
			return "", nil, fmt.Errorf("%w: the digest does not match the content", ErrDamaged)
		}
		if _, err := r.in.ReadByte(); !errors.Is(err, io.EOF) {
			return "", nil, fmt.Errorf("%w: %v", ErrDamaged, errors.Join(err, errors.New("data after the digest")))
		}
		r.done = true
		return "", nil, io.EOF
	default:
		return "", nil, fmt.Errorf("%w: unexpected frame %q", ErrDamaged, kind)
	}
}

type partReader struct {
	r     *Reader
	buf   []byte
	ended bool
}

func (p *partReader) Read(b []byte) (int, error) {
	for len(p.buf) == 0 {
		if p.ended {
			return 0, io.EOF
		}
		kind, data, err := p.r.frame()
		if err != nil {
			return 0, err
		}
		switch kind {
		case frameData:
			p.buf = data
		case frameEnd:
			p.ended = true
		default:
			return 0, fmt.Errorf("%w: unexpected frame %q in a part", ErrDamaged, kind)
		}
	}
	n := copy(b, p.buf)
	p.buf = p.buf[n:]
	return n, nil
}

// ParseRecipients parses age recipients, one a line or separated by commas
// (as SAMTYKKE_BACKUP_RECIPIENTS holds them); # begins a comment line.
func ParseRecipients(text string) ([]age.Recipient, error) {
	var lines []string
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "#") {
			continue
		}
		for _, f := range strings.Split(line, ",") {
			if f = strings.TrimSpace(f); f != "" {
				lines = append(lines, f)
			}
		}
	}
	if len(lines) == 0 {
		return nil, nil
	}
	rs, err := age.ParseRecipients(strings.NewReader(strings.Join(lines, "\n")))
	if err != nil {
		return nil, fmt.Errorf("backup: recipient: %w", err)
	}
	return rs, nil
}

// Fingerprint is a fingerprint as the manifest writes it.
func Fingerprint(fp []byte) string { return hex.EncodeToString(fp) }
