// SPDX-License-Identifier: AGPL-3.0-only

package contact_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/samtykke/samtykke/internal/contact"
)

func ptr(s string) *string { return &s }

// TestCorrectionApply: R-03: a rectification changes what it names, checks
// it, and reports which fields changed (never their values).
func TestCorrectionApply(t *testing.T) {
	t.Parallel()
	kari := contact.Data{Language: "nb", FirstName: "Kari"}
	for _, tc := range []struct {
		name    string
		c       contact.Correction
		want    contact.Data
		changed []string
		err     error
	}{
		{"language", contact.Correction{Language: ptr("en")}, contact.Data{Language: "en", FirstName: "Kari"}, []string{"language"}, nil},
		{"first name trimmed", contact.Correction{FirstName: ptr("  Kari Anne ")}, contact.Data{Language: "nb", FirstName: "Kari Anne"}, []string{"first_name"}, nil},
		{"both, sorted", contact.Correction{Language: ptr("en"), FirstName: ptr("Ola")}, contact.Data{Language: "en", FirstName: "Ola"}, []string{"first_name", "language"}, nil},
		{"first name removed", contact.Correction{FirstName: ptr("")}, contact.Data{Language: "nb"}, []string{"first_name"}, nil},
		{"the same values change nothing", contact.Correction{Language: ptr("no"), FirstName: ptr("Kari")}, kari, nil, nil},
		{"nothing given", contact.Correction{}, kari, nil, contact.ErrNothingToCorrect},
		{"unknown language", contact.Correction{Language: ptr("sv")}, kari, nil, contact.ErrLanguage},
		{"empty language", contact.Correction{Language: ptr("")}, kari, nil, contact.ErrLanguage},
		{"long first name", contact.Correction{FirstName: ptr(strings.Repeat("å", 101))}, kari, nil, contact.ErrFirstName},
		{"two lines", contact.Correction{FirstName: ptr("Kari\nOla")}, kari, nil, contact.ErrFirstName},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, changed, err := tc.c.Apply(kari)
			if !errors.Is(err, tc.err) {
				t.Fatalf("err = %v, want %v", err, tc.err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("data (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.changed, changed); diff != "" {
				t.Errorf("changed (-want +got):\n%s", diff)
			}
		})
	}
}

func testMAC(key string) func(string) []byte {
	return func(s string) []byte {
		h := hmac.New(sha256.New, []byte(key))
		h.Write([]byte(s))
		return h.Sum(nil)
	}
}

// TestNumberCode: R-03: the code of a number change is made again from the
// key and the change, differs between changes and keys, and reads as a code.
func TestNumberCode(t *testing.T) {
	t.Parallel()
	a := contact.NumberCode(testMAC("k1"), "change-1")
	if again := contact.NumberCode(testMAC("k1"), "change-1"); again != a {
		t.Errorf("the same change made %q, then %q", a, again)
	}
	if other := contact.NumberCode(testMAC("k1"), "change-2"); other == a {
		t.Errorf("two changes share the code %q", a)
	}
	if other := contact.NumberCode(testMAC("k2"), "change-1"); other == a {
		t.Errorf("two keys make the same code %q", a)
	}
	for i := range 200 {
		code := contact.NumberCode(testMAC("k"), strings.Repeat("x", i))
		if got, ok := contact.CodeIn(code); !ok || got != code {
			t.Fatalf("code %q is not read back as a code: %q, %v", code, got, ok)
		}
	}
}

// TestCodeIn: the ways a person may write a number change's code back.
func TestCodeIn(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		text, code string
	}{
		{"K7M2QX", "K7M2QX"},
		{" k7m2qx. ", "K7M2QX"},
		{"JA k7m2qx", "K7M2QX"},
		{"yes K7M2QX!", "K7M2QX"},
		{"NUMBER:K7M2QX", "K7M2QX"},
		{"HALLOE", ""},  // letters only: a word
		{"K7M2Q", ""},   // too short
		{"K7M2QX0", ""}, // too long
		{"K7M2Q0", ""},  // 0 is not in the alphabet
		{"JA", ""},      // no code
		{"STOPP", ""},   // a keyword
		{"hei K7M2QX", ""},
		{"JA K7M2QX takk", ""},
	} {
		got, ok := contact.CodeIn(tc.text)
		if ok != (tc.code != "") || got != tc.code {
			t.Errorf("CodeIn(%q) = %q, %v; want %q", tc.text, got, ok, tc.code)
		}
	}
}

// TestNumberChangeUsable: a code works until it expires or has been
// guessed wrong MaxCodeTries times.
func TestNumberChangeUsable(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	n := contact.NumberChange{CreatedAt: t0, ExpiresAt: t0.Add(contact.CodeTTL)}
	if !n.Usable(t0.Add(contact.CodeTTL - time.Second)) {
		t.Error("unusable before it expires")
	}
	if n.Usable(t0.Add(contact.CodeTTL)) {
		t.Error("usable when it expires")
	}
	n.Tries = contact.MaxCodeTries - 1
	if !n.Usable(t0) {
		t.Error("unusable after one wrong code less than the limit")
	}
	n.Tries = contact.MaxCodeTries
	if n.Usable(t0) {
		t.Error("usable after the last wrong code")
	}
}

// TestLiftsAfterNumberChange: R-06: a confirmed new number lifts only the
// restriction samtykke set for the number change, never staff's.
func TestLiftsAfterNumberChange(t *testing.T) {
	t.Parallel()
	platform := contact.Restriction{On: true, Reason: contact.ReasonNumberChanged}
	staffSet := contact.Restriction{On: true, Reason: "the person contests the data"}
	lifted := contact.Restriction{On: false, Reason: "checked"}
	for _, tc := range []struct {
		name    string
		history []contact.Restriction
		want    bool
	}{
		{"none", nil, false},
		{"the platform's", []contact.Restriction{platform}, true},
		{"staff's", []contact.Restriction{staffSet}, false},
		{"staff's after the platform's", []contact.Restriction{platform, staffSet}, false},
		{"the platform's after staff's", []contact.Restriction{staffSet, platform}, false},
		{"the platform's after staff's was lifted", []contact.Restriction{staffSet, lifted, platform}, true},
		{"twice the platform's", []contact.Restriction{platform, platform}, true},
		{"lifted since", []contact.Restriction{platform, lifted}, false},
	} {
		if got := contact.LiftsAfterNumberChange(tc.history); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
