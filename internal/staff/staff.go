// SPDX-License-Identifier: AGPL-3.0-only

// Package staff holds API tokens, staff accounts and their sessions, their
// roles and what each role may do (S-02: least privilege). Tokens and
// sessions are stored as SHA-256 hashes only, passwords as argon2id hashes.
package staff

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Role is a set of permissions given to a token.
type Role string

// The roles.
const (
	Admin      Role = "admin"      // runs the service: configuration, staff, tokens; no number in clear
	DPO        Role = "dpo"        // data protection officer: rights, audits, records, DPIA, breaches; reveal with reason
	Marketer   Role = "marketer"   // campaigns, templates, aggregate counts; never a number
	Integrator Role = "integrator" // a shop's systems: record consents and withdrawals, look up by number
	Auditor    Role = "auditor"    // read-only reports and the access log; no number in clear
)

// Roles lists every role.
var Roles = []Role{Admin, DPO, Marketer, Integrator, Auditor}

// Permission is one thing a token may do.
type Permission string

// The permissions.
const (
	ReadPurposes   Permission = "purposes:read"
	WritePurposes  Permission = "purposes:write"
	ReadNotices    Permission = "notices:read"
	WriteNotices   Permission = "notices:write"
	ReadContacts   Permission = "contacts:read"
	WriteContacts  Permission = "contacts:write"
	LookupContacts Permission = "contacts:lookup" // find a contact by number
	ReadConsents   Permission = "consents:read"
	WriteConsents  Permission = "consents:write"
	UseGate        Permission = "gate:read"
	ReadCampaigns  Permission = "campaigns:read"
	WriteCampaigns Permission = "campaigns:write"
	ManageTokens   Permission = "tokens:write"
	ReadRights     Permission = "rights:read"  // the rights requests and their deadlines
	WriteRights    Permission = "rights:write" // file, extend and answer rights requests
	// RestrictContacts sets and lifts a contact's restriction of processing
	// (Art. 18, R-06): a data-protection decision, the DPO's.
	RestrictContacts Permission = "contacts:restrict"
	ReadBreaches     Permission = "breaches:read"  // the breach register and its notification drafts
	WriteBreaches    Permission = "breaches:write" // record breaches, notifications, and tell the people affected
	EraseContacts    Permission = "contacts:erase" // erase a person
	// ManageRetention reads the retention log and the tasks for processors,
	// and marks those done.
	ManageRetention Permission = "retention:manage"
	ReadRecords     Permission = "records:read" // the record of processing and the DPIA
	WriteDPIA       Permission = "dpia:write"   // save a new version of the DPIA
	// RevealNumbers shows a number in clear, for a written reason recorded in
	// the access log: a reveal, or a person's data package (S-02).
	RevealNumbers Permission = "numbers:reveal"
	ReadAccessLog Permission = "accesses:read" // who read a contact's data (S-02, S-05)
	ReadAudits    Permission = "audits:read"   // the stored compliance audit reports (S-04)
	RunAudits     Permission = "audits:run"    // run a compliance audit and store its report
	// ImportConsents imports a list of consents with their evidence and reads
	// the imports' reports (C-03).
	ImportConsents Permission = "consents:import"
	// ExportList takes the whole list out, with its consent states (numbers
	// masked; in clear only with RevealNumbers), and the suppression list as
	// keyed hashes (issue 21): each export is recorded in the access log.
	ExportList Permission = "list:export"
	// ReadStats reads the dashboard: aggregate counts only, no person
	// (issue 23).
	ReadStats Permission = "stats:read"
	// ManageUsers creates, lists and disables the staff accounts of the
	// admin UI (issue 22); the login log is read with ReadAccessLog.
	ManageUsers Permission = "users:write"
	// ReadReplies reads the messages people send, to answer them within
	// the service window: personal data, each read in the access log.
	ReadReplies Permission = "replies:read"
	// AnswerReplies answers a person's message with free text while the
	// service window their last message opened is open: a service
	// message, never marketing; each answer in the access log (issue 23).
	AnswerReplies Permission = "replies:answer"
	// SyncTemplates fetches the platform's message templates and checks them.
	SyncTemplates Permission = "templates:sync"
)

// Permissions lists every permission, in the order the policy shows them.
var Permissions = []Permission{ReadPurposes, WritePurposes, ReadNotices, WriteNotices, ReadContacts, WriteContacts,
	LookupContacts, RestrictContacts, EraseContacts, RevealNumbers, ReadAccessLog, ReadConsents, WriteConsents, UseGate,
	ReadCampaigns, WriteCampaigns, ManageTokens, ManageUsers, ReadRights, WriteRights, ReadBreaches, WriteBreaches, ManageRetention,
	ReadRecords, WriteDPIA, ImportConsents, ExportList, ReadAudits, RunAudits, ReadStats, ReadReplies, AnswerReplies, SyncTemplates}

// grants is the written policy's first half, roles to permissions (S-02);
// docs/security.md shows it (PolicyMarkdown, checked by a test). Only the
// DPO has RevealNumbers: an admin runs the service but sees no number in clear.
var grants = map[Role][]Permission{
	Admin: {ReadPurposes, WritePurposes, ReadNotices, WriteNotices, ReadContacts, WriteContacts,
		LookupContacts, ReadConsents, WriteConsents, UseGate, ManageTokens, ManageUsers, ReadCampaigns, WriteCampaigns, ReadRights, WriteRights,
		RestrictContacts, ReadBreaches, WriteBreaches, EraseContacts, ManageRetention, ReadRecords, WriteDPIA, ReadAccessLog, ImportConsents,
		ExportList, ReadAudits, RunAudits, ReadStats, ReadReplies, AnswerReplies, SyncTemplates},
	DPO: {ReadPurposes, WritePurposes, ReadNotices, WriteNotices, ReadContacts, WriteContacts,
		LookupContacts, ReadConsents, WriteConsents, UseGate, ReadCampaigns, ReadRights, WriteRights, RestrictContacts,
		ReadBreaches, WriteBreaches, EraseContacts, ManageRetention, ReadRecords, WriteDPIA, RevealNumbers, ReadAccessLog, ImportConsents,
		ExportList, ReadAudits, RunAudits, ReadStats, ReadReplies, AnswerReplies},
	Marketer:   {ReadPurposes, ReadNotices, UseGate, ReadCampaigns, WriteCampaigns, ReadStats, ReadReplies, AnswerReplies, SyncTemplates},
	Integrator: {ReadPurposes, ReadNotices, WriteContacts, LookupContacts, ReadConsents, WriteConsents, UseGate, ImportConsents},
	Auditor:    {ReadPurposes, ReadNotices, ReadConsents, ReadCampaigns, ReadRights, ReadBreaches, ReadRecords, ReadAccessLog, ReadAudits, RunAudits, ReadStats},
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// Can reports whether the role grants p.
func (r Role) Can(p Permission) bool { return slices.Contains(grants[r], p) }

// ParseRole turns a role's name into a Role.
func ParseRole(s string) (Role, error) {
	r := Role(strings.ToLower(strings.TrimSpace(s)))
	if !r.Valid() {
		names := make([]string, len(Roles))
		for i, x := range Roles {
			names[i] = string(x)
		}
		return "", fmt.Errorf("unknown role %q (one of %s)", s, strings.Join(names, ", "))
	}
	return r, nil
}

// Token is an API token as stored: its hash, never the token itself.
type Token struct {
	ID        string
	Name      string
	Role      Role
	Hash      []byte
	CreatedAt time.Time
	RevokedAt time.Time // zero: not revoked
	ExpiresAt time.Time // zero: never expires
}

// Usable reports whether the token may be used at now: not revoked and not
// expired.
func (t Token) Usable(now time.Time) bool {
	return t.RevokedAt.IsZero() && (t.ExpiresAt.IsZero() || now.Before(t.ExpiresAt))
}

// tokenPrefix marks samtykke tokens, so that secret scanners can find leaked ones.
const tokenPrefix = "stk_"

// NewSecret makes a new random token and returns it with its hash.
func NewSecret() (secret string, hash []byte) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("staff: no randomness: " + err.Error())
	}
	secret = tokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	return secret, HashSecret(secret)
}

// HashSecret is how a token is looked up.
func HashSecret(secret string) []byte {
	sum := sha256.Sum256([]byte(secret))
	return sum[:]
}

// ParseLife reads a token's lifetime: a whole number of days ("90d"),
// weeks ("2w") or a Go duration ("12h", "30m"). Empty is no expiry (0).
func ParseLife(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	unit := map[byte]time.Duration{'d': 24 * time.Hour, 'w': 7 * 24 * time.Hour}[s[len(s)-1]]
	if unit != 0 {
		n, err := strconv.Atoi(s[:len(s)-1])
		if err != nil || n <= 0 || n > 5*366 {
			return 0, fmt.Errorf("expiry %q: want a whole number of days or weeks, as 90d or 2w", s)
		}
		return time.Duration(n) * unit, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("expiry %q: want 90d, 2w or a duration such as 12h", s)
	}
	return d, nil
}
