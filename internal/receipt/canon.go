// SPDX-License-Identifier: AGPL-3.0-only

package receipt

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// maxDepth bounds the nesting of a receipt (it needs 5).
const maxDepth = 16

// maxSafe is the largest integer a JSON number keeps exactly everywhere
// (RFC 8785 numbers are IEEE 754 doubles).
const maxSafe = 1<<53 - 1

var integer = regexp.MustCompile(`^-?(0|[1-9][0-9]*)$`)

// tree parses JSON into maps, slices, strings, json.Numbers (integers
// only), booleans and nils, refusing text that is not UTF-8, a member name
// given twice, a number that is not a safe integer, and anything after the
// value.
func tree(raw []byte) (any, error) {
	if !utf8.Valid(raw) {
		return nil, errors.New("not UTF-8 text")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	v, err := value(dec, 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("more after the JSON value")
	}
	return v, nil
}

func value(dec *json.Decoder, depth int) (any, error) {
	if depth > maxDepth {
		return nil, errors.New("nested too deep")
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("not valid JSON: %w", err)
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			obj := map[string]any{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, fmt.Errorf("not valid JSON: %w", err)
				}
				k := kt.(string) // the decoder only gives a string here
				if _, dup := obj[k]; dup {
					return nil, fmt.Errorf("member %q is given twice", k)
				}
				if obj[k], err = value(dec, depth+1); err != nil {
					return nil, err
				}
			}
			_, err := dec.Token() // '}'
			return obj, err
		case '[':
			arr := []any{}
			for dec.More() {
				v, err := value(dec, depth+1)
				if err != nil {
					return nil, err
				}
				arr = append(arr, v)
			}
			_, err := dec.Token() // ']'
			return arr, err
		}
		return nil, fmt.Errorf("not valid JSON: unexpected %q", t)
	case json.Number:
		n, err := strconv.ParseInt(string(t), 10, 64)
		if !integer.MatchString(string(t)) || err != nil || n > maxSafe || n < -maxSafe {
			return nil, fmt.Errorf("number %s is not an integer of at most 2^53-1", t)
		}
		return t, nil
	default: // string, bool, nil
		return t, nil
	}
}

// canonical writes v in its RFC 8785 (JCS) form: no whitespace, members
// sorted by the UTF-16 code units of their names, strings with the minimal
// escapes, integers in plain decimal.
func canonical(b *bytes.Buffer, v any) {
	switch v := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(v))
	case json.Number:
		n, _ := strconv.ParseInt(string(v), 10, 64) // checked by tree
		b.WriteString(strconv.FormatInt(n, 10))
	case string:
		canonicalString(b, v)
	case []any:
		b.WriteByte('[')
		for i, x := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			canonical(b, x)
		}
		b.WriteByte(']')
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, func(x, y string) int {
			return slices.Compare(utf16.Encode([]rune(x)), utf16.Encode([]rune(y)))
		})
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			canonicalString(b, k)
			b.WriteByte(':')
			canonical(b, v[k])
		}
		b.WriteByte('}')
	}
}

// canonicalString escapes as RFC 8785 (ECMAScript JSON.stringify) does:
// quote, backslash and the control characters, nothing else.
func canonicalString(b *bytes.Buffer, s string) {
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r < 0x20 {
				fmt.Fprintf(b, `\u%04x`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
}

// Canonical is the RFC 8785 (JCS) form of a JSON text, under the limits
// of a receipt (see the package documentation).
func Canonical(raw []byte) ([]byte, error) {
	v, err := tree(raw)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	canonical(&b, v)
	return b.Bytes(), nil
}

// signingInput is what the signature of the receipt raw covers: its JCS form
// without "proof"."signature". It returns the signature found there too.
func signingInput(raw []byte) (input []byte, signature string, err error) {
	v, err := tree(raw)
	if err != nil {
		return nil, "", err
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, "", errors.New("not a JSON object")
	}
	proof, ok := obj["proof"].(map[string]any)
	if !ok {
		return nil, "", errors.New(`no "proof" object`)
	}
	if s, ok := proof["signature"].(string); ok {
		signature = s
	}
	delete(proof, "signature")
	var b bytes.Buffer
	canonical(&b, obj)
	return b.Bytes(), signature, nil
}
