// SPDX-License-Identifier: AGPL-3.0-only

package receipt

import (
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

var (
	uuid4    = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	language = regexp.MustCompile(`^[a-z]{2}$`) // ISO 639-1
	// phoneLike catches a number where a pseudonymous id belongs.
	phoneLike = regexp.MustCompile(`^[+0-9 ()-]{8,}$`)
	duration  = regexp.MustCompile(`^P[1-9][0-9]*D$`)
)

// GivenLead is how far after its recording a consent may say it was given:
// the clocks of a system that collected it elsewhere (app.RecordConsent
// accepts the same).
const GivenLead = 5 * time.Minute

// check tests the content of a receipt whose signature holds: every field a
// receipt must have, in its form, and the Kantara part and the record
// saying the same.
func (r *Receipt) check(pub ed25519.PublicKey) error {
	bad := func(field, format string, a ...any) error { return fault(ErrMalformed, field, format, a...) }
	differ := func(field, format string, a ...any) error { return fault(ErrInconsistent, field, format, a...) }
	rec := &r.Record
	empty := func(fields map[string]string) error {
		for _, name := range sortedKeys(fields) {
			if strings.TrimSpace(fields[name]) == "" {
				return bad(name, "is empty")
			}
		}
		return nil
	}
	if err := empty(map[string]string{"collectionMethod": r.CollectionMethod, "piiPrincipalId": r.PIIPrincipalID,
		"policyUrl": r.PolicyURL, "iso27560Record.dc:identifier": rec.Identifier,
		"iso27560Record.hasWithdrawalMethod": rec.WithdrawalMethod, "iso27560Record.hasNotice.hash": rec.Notice.Hash,
		"iso27560Record.hasDataController.name": rec.DataController.Name}); err != nil {
		return err
	}
	switch {
	case r.Version != Version:
		return bad("version", "is %q, want %q", r.Version, Version)
	case r.Jurisdiction != Jurisdiction:
		return bad("jurisdiction", "is %q, want %q", r.Jurisdiction, Jurisdiction)
	case r.ConsentTimestamp <= 0:
		return bad("consentTimestamp", "is not a time in seconds since 1970")
	case !uuid4.MatchString(r.ConsentReceiptID):
		return bad("consentReceiptID", "is not a UUID version 4")
	case !language.MatchString(r.Language):
		return bad("language", "is not an ISO 639-1 code")
	case phoneLike.MatchString(r.PIIPrincipalID):
		return bad("piiPrincipalId", "looks like a phone number; a receipt names the person by a pseudonymous id")
	case len(r.PIIControllers) == 0:
		return bad("piiControllers", "is empty")
	case len(r.Services) == 0:
		return bad("services", "is empty")
	case r.Sensitive != (len(r.SPICat) > 0):
		return bad("spiCat", "must list the sensitive categories exactly when sensitive is true")
	case rec.SchemaVersion != RecordSchema:
		return bad("iso27560Record.schemaVersion", "is %q, want %q", rec.SchemaVersion, RecordSchema)
	case rec.LegalBasis != LegalBasis:
		return bad("iso27560Record.hasLegalBasis", "is %q, want %q", rec.LegalBasis, LegalBasis)
	case rec.ConsentStatus != StatusGiven:
		return bad("iso27560Record.hasConsentStatus", "is %q, want %q", rec.ConsentStatus, StatusGiven)
	case rec.ConsentType != RecordConsentType:
		return bad("iso27560Record.hasConsentType", "is %q, want %q", rec.ConsentType, RecordConsentType)
	case rec.DataSubject.Type != PseudonymousID:
		return bad("iso27560Record.hasDataSubject.identifierType", "is %q, want %q", rec.DataSubject.Type, PseudonymousID)
	case len(rec.PersonalData) == 0:
		return bad("iso27560Record.hasPersonalData", "is empty")
	case !duration.MatchString(rec.StorageDuration):
		return bad("iso27560Record.hasStorageDuration", "is not a duration in days (P365D)")
	case rec.Notice.Version < 1:
		return bad("iso27560Record.hasNotice.version", "is not a published version")
	case rec.Provenance.EventSeq < 1:
		return bad("iso27560Record.hasProvenance.eventSeq", "is not a position in a chain")
	}
	if h, err := hex.DecodeString(rec.Provenance.EventHash); err != nil || len(h) != 32 {
		return bad("iso27560Record.hasProvenance.eventHash", "is not a hex SHA-256")
	}
	for i, c := range r.PIIControllers {
		at := fmt.Sprintf("piiControllers[%d].", i)
		if err := empty(map[string]string{at + "piiController": c.Name, at + "contact": c.Contact, at + "email": c.Email,
			at + "address.streetAddress": c.Address.StreetAddress, at + "address.addressCountry": c.Address.AddressCountry}); err != nil {
			return err
		}
		if !strings.HasPrefix(c.Phone, "tel:+") {
			return bad(at+"phone", "is not an RFC 3966 tel: URI")
		}
	}
	var purposes []Purpose
	primary := 0
	for i, s := range r.Services {
		at := fmt.Sprintf("services[%d]", i)
		if strings.TrimSpace(s.Service) == "" {
			return bad(at+".service", "is empty")
		}
		if len(s.Purposes) == 0 {
			return bad(at+".purposes", "is empty")
		}
		for j, p := range s.Purposes {
			at := fmt.Sprintf("%s.purposes[%d].", at, j)
			if err := empty(map[string]string{at + "purpose": p.Purpose, at + "termination": p.Termination}); err != nil {
				return err
			}
			switch {
			case len(p.PurposeCategory) == 0:
				return bad(at+"purposeCategory", "is empty")
			case len(p.PIICategory) == 0:
				return bad(at+"piiCategory", "is empty")
			case p.ConsentType != ConsentType:
				return bad(at+"consentType", "is %q, want %q", p.ConsentType, ConsentType)
			case p.ThirdPartyDisclosure && strings.TrimSpace(p.ThirdPartyName) == "":
				return bad(at+"thirdPartyName", "must name the third party when thirdPartyDisclosure is true")
			}
			if p.PrimaryPurpose {
				primary++
			}
			purposes = append(purposes, p)
		}
	}
	if primary != 1 {
		return bad("services", "has %d primary purposes, want one", primary)
	}

	// The ids.
	if id := ID(rec.Identifier, pub); r.ConsentReceiptID != id {
		return differ("consentReceiptID", "is not the receipt id of event %s under this key (%s)", rec.Identifier, id)
	}
	switch {
	case rec.ReceiptID != r.ConsentReceiptID:
		return differ("iso27560Record.receiptID", "differs from consentReceiptID")
	case rec.Provenance.EventID != rec.Identifier:
		return differ("iso27560Record.hasProvenance.eventId", "differs from the record's dc:identifier")
	case rec.DataSubject.Identifier != r.PIIPrincipalID:
		return differ("iso27560Record.hasDataSubject.identifier", "differs from piiPrincipalId")
	case rec.DataController.Name != r.PIIControllers[0].Name:
		return differ("iso27560Record.hasDataController.name", "differs from piiControllers[0].piiController")
	case rec.DataController.Email != r.PIIControllers[0].Email:
		return differ("iso27560Record.hasDataController.email", "differs from piiControllers[0].email")
	case rec.Jurisdiction != r.Jurisdiction:
		return differ("iso27560Record.hasJurisdiction", "differs from jurisdiction")
	case rec.Notice.URL != r.PolicyURL:
		return differ("iso27560Record.hasNotice.url", "differs from policyUrl")
	case rec.Notice.Language != r.Language:
		return differ("iso27560Record.hasNotice.language", "differs from language")
	}

	// The purposes.
	if len(rec.Purposes) != len(purposes) {
		return differ("iso27560Record.hasPurpose", "has %d purposes, the services %d", len(rec.Purposes), len(purposes))
	}
	for i, p := range rec.Purposes {
		at := fmt.Sprintf("iso27560Record.hasPurpose[%d]", i)
		switch {
		case strings.TrimSpace(p.ID) == "":
			return bad(at+".id", "is empty")
		case p.Category != RecordPurposeCategory:
			return bad(at+".hasPurposeCategory", "is %q, want %q", p.Category, RecordPurposeCategory)
		case p.Description != purposes[i].Purpose:
			return differ(at+".description", "differs from the service's purpose %d", i)
		}
	}

	// The times.
	given, err := time.Parse(time.RFC3339, rec.Dates.Given)
	if err != nil {
		return bad("iso27560Record.dates.consentGiven", "is not an RFC 3339 time")
	}
	recorded, err := time.Parse(time.RFC3339Nano, rec.Dates.Recorded)
	if err != nil {
		return bad("iso27560Record.dates.recorded", "is not an RFC 3339 time")
	}
	switch {
	case given.Unix() != r.ConsentTimestamp:
		return differ("consentTimestamp", "is not the record's consentGiven (%s)", rec.Dates.Given)
	case given.After(recorded.Add(GivenLead)):
		return differ("iso27560Record.dates.consentGiven", "is after the consent was recorded (%s)", rec.Dates.Recorded)
	}
	if rec.Dates.ValidUntil != "" {
		until, err := time.Parse(time.RFC3339, rec.Dates.ValidUntil)
		if err != nil {
			return bad("iso27560Record.dates.validUntil", "is not an RFC 3339 time")
		}
		if !until.After(given) {
			return differ("iso27560Record.dates.validUntil", "is not after the consent was given")
		}
	}
	return nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
