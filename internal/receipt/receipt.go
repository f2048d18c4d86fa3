// SPDX-License-Identifier: AGPL-3.0-only

package receipt

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"time"
)

// The fixed values of every receipt samtykke makes.
const (
	// Version is the Kantara specification's version string (KCR §4.3.1).
	Version = "KI-CR-v1.1.0"
	// Jurisdiction is where the processing falls under (KCR §4.3.2).
	Jurisdiction = "NO"
	// RecordSchema names the shape of the record block.
	RecordSchema = "ISO/IEC TS 27560:2023, W3C DPV profile"
	// ConsentType is the Kantara consent type: the person ticked a box
	// and confirmed it from their own number (KCR §4.5.6).
	ConsentType = "EXPLICIT"
	// PurposeCategory is the Kantara purpose category of direct marketing.
	PurposeCategory = "Marketing"
	// LegalBasis is the record's lawful basis.
	LegalBasis = "GDPR Art. 6(1)(a)"
	// StatusGiven is the record's consent status: the event gave consent.
	StatusGiven = "dpv:ConsentGiven"
	// RecordConsentType is the record's consent type.
	RecordConsentType = "dpv:ExplicitlyExpressedConsent"
	// RecordPurposeCategory is the record's purpose category.
	RecordPurposeCategory = "dpv:DirectMarketing"
	// Alg and Canonicalization name the signature scheme (see the package
	// documentation).
	Alg              = "Ed25519"
	Canonicalization = "RFC8785"
	// PIIContact and PIIBiographical are the Kantara personal data
	// categories of a number and of a first name.
	PIIContact      = "Contact"
	PIIBiographical = "Biographical"
)

// Receipt is a consent receipt: the Kantara v1.1 fields, the 27560 record
// and the proof.
type Receipt struct {
	Version          string       `json:"version"`
	Jurisdiction     string       `json:"jurisdiction"`
	ConsentTimestamp int64        `json:"consentTimestamp"` // seconds since 1970 (KCR §4.3.3)
	CollectionMethod string       `json:"collectionMethod"`
	ConsentReceiptID string       `json:"consentReceiptID"`
	PublicKey        string       `json:"publicKey"` // standard base64 of the Ed25519 public key
	Language         string       `json:"language"`
	PIIPrincipalID   string       `json:"piiPrincipalId"` // the pseudonymous contact id
	PIIControllers   []Controller `json:"piiControllers"`
	PolicyURL        string       `json:"policyUrl"` // the notice version shown, not the newest (KCR §4.4.10)
	Services         []Service    `json:"services"`
	Sensitive        bool         `json:"sensitive"`
	SPICat           []string     `json:"spiCat"`
	Record           Record       `json:"iso27560Record"`
	Proof            Proof        `json:"proof"`
}

// Controller is a PII controller (KCR §4.4).
type Controller struct {
	Name     string  `json:"piiController"`
	OnBehalf bool    `json:"onBehalf"`
	Contact  string  `json:"contact"`
	Address  Address `json:"address"`
	Email    string  `json:"email"`
	Phone    string  `json:"phone"` // an RFC 3966 tel: URI
	URL      string  `json:"piiControllerUrl,omitempty"`
}

// Address is a schema.org PostalAddress (KCR §4.4.6).
type Address struct {
	StreetAddress   string `json:"streetAddress"`
	PostalCode      string `json:"postalCode,omitempty"`
	AddressLocality string `json:"addressLocality,omitempty"`
	AddressCountry  string `json:"addressCountry"`
}

// Service is a service and the purposes consented to for it (KCR §4.5).
type Service struct {
	Service  string    `json:"service"`
	Purposes []Purpose `json:"purposes"`
}

// Purpose is one purpose of a service (KCR §4.5.3-4.5.11).
type Purpose struct {
	Purpose              string   `json:"purpose"`
	PurposeCategory      []string `json:"purposeCategory"`
	ConsentType          string   `json:"consentType"`
	PIICategory          []string `json:"piiCategory"`
	PrimaryPurpose       bool     `json:"primaryPurpose"`
	Termination          string   `json:"termination"`
	ThirdPartyDisclosure bool     `json:"thirdPartyDisclosure"`
	ThirdPartyName       string   `json:"thirdPartyName,omitempty"`
}

// Record is the consent as an ISO/IEC TS 27560 shaped record (DPV names).
type Record struct {
	SchemaVersion    string          `json:"schemaVersion"`
	Identifier       string          `json:"dc:identifier"` // the ledger event's id
	ReceiptID        string          `json:"receiptID"`
	DataSubject      DataSubject     `json:"hasDataSubject"`
	DataController   RecordParty     `json:"hasDataController"`
	Purposes         []RecordPurpose `json:"hasPurpose"`
	LegalBasis       string          `json:"hasLegalBasis"`
	ConsentStatus    string          `json:"hasConsentStatus"`
	ConsentType      string          `json:"hasConsentType"`
	Jurisdiction     string          `json:"hasJurisdiction"`
	PersonalData     []string        `json:"hasPersonalData"`
	StorageDuration  string          `json:"hasStorageDuration"` // ISO 8601, "P365D"
	WithdrawalMethod string          `json:"hasWithdrawalMethod"`
	Notice           Notice          `json:"hasNotice"`
	Provenance       Provenance      `json:"hasProvenance"`
	Dates            Dates           `json:"dates"`
}

// DataSubject names the person by a pseudonymous id.
type DataSubject struct {
	Identifier string `json:"identifier"`
	Type       string `json:"identifierType"`
}

// PseudonymousID is DataSubject.Type.
const PseudonymousID = "pseudonymous contact id"

// RecordParty is the controller in the record.
type RecordParty struct {
	Name    string `json:"name"`
	Contact string `json:"contact"`
	Email   string `json:"email"`
}

// RecordPurpose is a purpose in the record.
type RecordPurpose struct {
	ID          string `json:"id"` // samtykke's purpose key
	Description string `json:"description"`
	Category    string `json:"hasPurposeCategory"`
	Channel     string `json:"channel"`
}

// Notice is the privacy notice shown when the consent was given (T-01).
type Notice struct {
	ID       string `json:"id"`
	Version  int    `json:"version"`
	Hash     string `json:"hash"`
	Language string `json:"language"`
	URL      string `json:"url"`
}

// Provenance ties the receipt to its ledger event (L-02, L-03).
type Provenance struct {
	EventID   string `json:"eventId"`
	EventSeq  int64  `json:"eventSeq"`
	EventHash string `json:"eventHash"` // hex SHA-256, the chain's hash of the event
	Method    string `json:"collectionMethod"`
	Source    string `json:"source,omitempty"`
	// ConfirmationChannel is how the double opt-in was answered;
	// Confirmation who vouches for it (verified_by_samtykke or
	// asserted_by_integrator).
	ConfirmationChannel string `json:"confirmationChannel,omitempty"`
	Confirmation        string `json:"confirmation,omitempty"`
	WordingHash         string `json:"wordingHash,omitempty"` // of the exact consent text shown
}

// Dates are the consent's times, RFC 3339 in UTC.
type Dates struct {
	Given      string `json:"consentGiven"` // to the second: consentTimestamp
	Recorded   string `json:"recorded"`     // the ledger's time of the event
	ValidUntil string `json:"validUntil,omitempty"`
}

// Proof is the signature (see the package documentation).
type Proof struct {
	Alg              string `json:"alg"`
	Canonicalization string `json:"canonicalization"`
	KeyID            string `json:"kid"`
	Signature        string `json:"signature"`
}

// Consent is what a receipt says of one confirmed consent event: the app
// gathers it from the ledger, the evidence, the purpose and the notice, and
// words the texts in the receipt's language.
type Consent struct {
	EventID   string
	EventSeq  int64
	EventHash []byte
	ContactID string
	// Purpose is the purpose's key; PurposeText its description.
	Purpose     string
	PurposeText string
	Channel     string
	// Method and Source are the event's; CollectionMethod says them in words.
	Method, Source      string
	CollectionMethod    string
	ConfirmationChannel string
	Confirmation        string
	WordingHash         string
	// GivenAt is when the person consented; RecordedAt the event's time.
	GivenAt, RecordedAt, ValidUntil time.Time
	Language                        string
	Notice                          Notice
	// PIICategories are the Kantara categories of the data the purpose uses;
	// PersonalData the same in DPV terms.
	PIICategories, PersonalData []string
	RetentionDays               int
	// Service names what the consent is for ("Butikken AS on WhatsApp");
	// Termination says when it ends and WithdrawalMethod how to end it.
	Service, Termination, WithdrawalMethod string
}

// New makes the receipt of a consent, unsigned, for the controller and the
// receipt key pub; Sign signs it.
func New(c Consent, ctl Controller, pub ed25519.PublicKey) Receipt {
	id := ID(c.EventID, pub)
	validUntil := ""
	if !c.ValidUntil.IsZero() {
		validUntil = c.ValidUntil.UTC().Format(time.RFC3339)
	}
	return Receipt{
		Version:          Version,
		Jurisdiction:     Jurisdiction,
		ConsentTimestamp: c.GivenAt.Unix(),
		CollectionMethod: c.CollectionMethod,
		ConsentReceiptID: id,
		PublicKey:        base64.StdEncoding.EncodeToString(pub),
		Language:         c.Language,
		PIIPrincipalID:   c.ContactID,
		PIIControllers:   []Controller{ctl},
		PolicyURL:        c.Notice.URL,
		Services: []Service{{Service: c.Service, Purposes: []Purpose{{
			Purpose: c.PurposeText, PurposeCategory: []string{PurposeCategory}, ConsentType: ConsentType,
			PIICategory: c.PIICategories, PrimaryPurpose: true, Termination: c.Termination,
		}}}},
		SPICat: []string{},
		Record: Record{
			SchemaVersion:    RecordSchema,
			Identifier:       c.EventID,
			ReceiptID:        id,
			DataSubject:      DataSubject{Identifier: c.ContactID, Type: PseudonymousID},
			DataController:   RecordParty{Name: ctl.Name, Contact: ctl.Contact, Email: ctl.Email},
			Purposes:         []RecordPurpose{{ID: c.Purpose, Description: c.PurposeText, Category: RecordPurposeCategory, Channel: c.Channel}},
			LegalBasis:       LegalBasis,
			ConsentStatus:    StatusGiven,
			ConsentType:      RecordConsentType,
			Jurisdiction:     Jurisdiction,
			PersonalData:     c.PersonalData,
			StorageDuration:  fmt.Sprintf("P%dD", c.RetentionDays),
			WithdrawalMethod: c.WithdrawalMethod,
			Notice:           c.Notice,
			Provenance: Provenance{EventID: c.EventID, EventSeq: c.EventSeq, EventHash: hex.EncodeToString(c.EventHash),
				Method: c.Method, Source: c.Source, ConfirmationChannel: c.ConfirmationChannel,
				Confirmation: c.Confirmation, WordingHash: c.WordingHash},
			Dates: Dates{Given: c.GivenAt.UTC().Format(time.RFC3339), Recorded: c.RecordedAt.UTC().Format(time.RFC3339Nano),
				ValidUntil: validUntil},
		},
	}
}

// ID is the receipt id of an event under a receipt key: shaped as a UUID
// version 4 (KCR §4.3.5) but derived, not drawn, so that the receipt of an
// event is the same each time it is made.
func ID(eventID string, pub ed25519.PublicKey) string {
	h := sha256.Sum256([]byte("samtykke-receipt-id/v1|" + eventID + "|" + hex.EncodeToString(pub)))
	b := h[:16]
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
