// SPDX-License-Identifier: AGPL-3.0-only

package web

import (
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/samtykke/samtykke/internal/httpx"
	"github.com/samtykke/samtykke/internal/receipt"
)

// The consent receipt (L-04): the readable page a person reaches from the
// confirmation message, the signed JSON they keep, and the public key
// anyone checks it with.

// ReceiptKeyPath is where the receipt key is published.
const ReceiptKeyPath = "/.well-known/samtykke-receipt-key"

// receiptPage shows one signed receipt in words.
type receiptPage struct {
	basePage
	R           receipt.Receipt
	Controller  receipt.Controller
	Purpose     string
	Service     string
	Given       string
	Termination string
	Status      string // the consent's state now, in words
	Address     string // one line
	Phone       string // without "tel:"
	JSONURL     string
	KeyURL      string
}

func (*receiptPage) view() string { return "receipt" }

// receipt serves GET /receipt/{token}: the page, or with ".json" after the
// token the signed receipt itself, as a download.
func (s *Server) receipt(w http.ResponseWriter, r *http.Request) error {
	token, asJSON := strings.CutSuffix(r.PathValue("token"), ".json")
	sr, err := s.app.ReceiptByLink(r.Context(), token)
	if err != nil {
		return err
	}
	rc := sr.Receipt
	if asJSON {
		h := w.Header()
		h.Set("Content-Type", "application/json; charset=utf-8")
		h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": "samtykkekvittering-" + rc.ConsentReceiptID + ".json"}))
		_, err := w.Write(sr.JSON)
		return err
	}
	lang, explicit := requestLang(r)
	if !explicit {
		lang = rc.Language
	}
	ctl := rc.PIIControllers[0]
	p := &receiptPage{basePage: s.base(r, lang, ctl.Name), R: rc, Controller: ctl,
		Purpose: rc.Services[0].Purposes[0].Purpose, Service: rc.Services[0].Service,
		Termination: rc.Services[0].Purposes[0].Termination,
		Given:       s.formatTime(lang, timeOf(rc.ConsentTimestamp)),
		Phone:       strings.TrimPrefix(ctl.Phone, "tel:"),
		JSONURL:     "/receipt/" + token + ".json", KeyURL: ReceiptKeyPath}
	p.Status = p.T("page.receipt.status_since", "status", p.T("status."+string(sr.Current.Status)),
		"date", s.formatDate(lang, sr.Current.Since))
	a := ctl.Address
	p.Address = strings.Join(nonEmpty(a.StreetAddress, strings.TrimSpace(a.PostalCode+" "+a.AddressLocality)), ", ")
	s.render(w, r, http.StatusOK, p)
	return nil
}

// receiptKey serves the receipt key: its algorithm, its base64 and its JWK.
// After a master key rotation (S-01), keys lists every receipt key, the
// current first, so that a receipt an older key signed can still be
// checked. Anyone may fetch it, from any site.
func (s *Server) receiptKey(w http.ResponseWriter, _ *http.Request) error {
	w.Header().Set("Access-Control-Allow-Origin", "*")
	out := struct {
		receipt.PublishedKey
		Keys []receipt.PublishedKey `json:"keys,omitempty"`
	}{PublishedKey: receipt.Publish(s.app.ReceiptKey())}
	if all := s.app.ReceiptKeys(); len(all) > 1 {
		for _, k := range all {
			out.Keys = append(out.Keys, receipt.Publish(k))
		}
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

func timeOf(unix int64) time.Time { return time.Unix(unix, 0) }
