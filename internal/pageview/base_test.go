// SPDX-License-Identifier: AGPL-3.0-only

package pageview

import "testing"

// TestBaseLanguage checks what both sites' pages read of their language:
// bokmål keeps paths bare, English carries ?lang=en, and the switch leads
// to the other language.
func TestBaseLanguage(t *testing.T) {
	nb, en := &Base{Lang: "nb"}, &Base{Lang: "en"}
	if got := nb.Link("/optin"); got != "/optin" {
		t.Errorf("nb Link = %q", got)
	}
	if got := en.Link("/optin"); got != "/optin?lang=en" {
		t.Errorf("en Link = %q", got)
	}
	if nb.OtherLang() != "en" || en.OtherLang() != "nb" {
		t.Errorf("OtherLang = %q, %q", nb.OtherLang(), en.OtherLang())
	}
	if nb.Common() != nb {
		t.Error("Common is not the page's own Base")
	}
	if nb.T("error.internal") == en.T("error.internal") {
		t.Errorf("T gives the same text in both languages: %q", nb.T("error.internal"))
	}
}
