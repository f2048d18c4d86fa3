// SPDX-License-Identifier: AGPL-3.0-only

package app

import (
	"crypto/hmac"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ErrLinkExpired: a link's time ran out ("Lenken er utløpt").
var ErrLinkExpired = fmt.Errorf("%w: the link has expired", ErrRefused)

// ErrLinkInvalid: a link was altered or is not ours.
var ErrLinkInvalid = fmt.Errorf("%w: the link is not valid", ErrInvalid)

// b64 is the encoding of every token in a link. It decodes strictly: a last
// character whose unused bits are not zero is refused, so that a token has
// one spelling and a MAC is checked over every bit of it.
var b64 = base64.RawURLEncoding.Strict()

// sign makes "<kind>.<payload>.<mac>", payload base64url(id|unix expiry).
func (a *App) sign(kind, id string, exp time.Time) string {
	payload := b64.EncodeToString([]byte(id + "|" + strconv.FormatInt(exp.Unix(), 10)))
	mac := a.vault.LinkMAC(kind + "." + payload)
	return kind + "." + payload + "." + b64.EncodeToString(mac[:16])
}

// verify checks a signed token of a kind and returns its id, or
// ErrLinkExpired when its time has run out.
func (a *App) verify(kind, token string, now time.Time) (string, error) {
	id, exp, err := a.authentic(kind, token)
	if err != nil {
		return "", err
	}
	if !now.Before(exp) {
		return "", ErrLinkExpired
	}
	return id, nil
}

// authentic checks a signed token of a kind, whatever its age, and returns
// its id and expiry.
func (a *App) authentic(kind, token string) (string, time.Time, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 || parts[0] != kind {
		return "", time.Time{}, ErrLinkInvalid
	}
	mac, err := b64.DecodeString(parts[2])
	if err != nil || !hmac.Equal(mac, a.vault.LinkMAC(kind + "." + parts[1])[:16]) {
		return "", time.Time{}, ErrLinkInvalid
	}
	raw, err := b64.DecodeString(parts[1])
	if err != nil {
		return "", time.Time{}, ErrLinkInvalid
	}
	id, expS, ok := strings.Cut(string(raw), "|")
	exp, err := strconv.ParseInt(expS, 10, 64)
	if !ok || err != nil {
		return "", time.Time{}, ErrLinkInvalid
	}
	return id, time.Unix(exp, 0), nil
}

// PreferencesLink is the signed link to a contact's preference centre. Its
// view of the person's consents expires after PreferencesTTL; withdrawing
// through it never does (M-06, see WithdrawByLink).
func (a *App) PreferencesLink(contactID string) string {
	return a.cfg.PublicURL + "/preferences/" + a.sign("p", contactID, a.now().Add(a.cfg.PreferencesTTL))
}

// linkClaims is what an opt-in link sent to a person's WhatsApp carries: their
// number (sealed: it travels in a URL) and the message it answered.
type linkClaims struct {
	Phone     string `json:"p"`
	MessageID string `json:"m"`
	Exp       int64  `json:"e"`
}

const linkPurpose = "optin-link"

// OptInLink makes the link sent in answer to "JA <entry code>" from a shop's
// QR code: the opt-in page bound to the number that wrote.
func (a *App) optInLink(e164, messageID string) string {
	b, _ := json.Marshal(linkClaims{Phone: e164, MessageID: messageID, Exp: a.now().Add(24 * time.Hour).Unix()})
	return a.cfg.PublicURL + "/optin?t=" + b64.EncodeToString(a.vault.Seal(b, linkPurpose))
}

func (a *App) openLink(token string, now time.Time) (linkClaims, error) {
	var c linkClaims
	raw, err := b64.DecodeString(token)
	if err != nil {
		return c, ErrLinkInvalid
	}
	b, err := a.vault.Open(raw, linkPurpose)
	if err != nil || json.Unmarshal(b, &c) != nil {
		return c, ErrLinkInvalid
	}
	if !now.Before(time.Unix(c.Exp, 0)) {
		return c, ErrLinkExpired
	}
	return c, nil
}
