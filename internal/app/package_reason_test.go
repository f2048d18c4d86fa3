// SPDX-License-Identifier: AGPL-3.0-only

package app_test

import (
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/rights"
	"github.com/samtykke/samtykke/internal/store"
	"github.com/samtykke/samtykke/internal/store/storetest"
)

// TestRequestPackageWhoseIDLooksLikeANumber: the package of a rights
// request is made whatever digits its id happens to hold: the reason
// samtykke records, "rights request <id>", is its own words, not a reason
// a person typed, and a UUID such as this one reads as a phone number to
// phone.Mentions. It failed in about one minute of two.
func TestRequestPackageWhoseIDLooksLikeANumber(t *testing.T) {
	t.Parallel()
	tb := setup(t, storetest.SQLite)
	tb.seed(t)
	kari := tb.consented(t, "+47 912 34 567")
	const id = "01a24a09-cd9c-7564-b529-162302f08a62"
	r := rights.Request{ID: id, Type: rights.Access, ContactID: kari.ContactID, Channel: rights.Staff, Via: "letter", Language: "nb",
		State: rights.Done, ReceivedAt: tb.now.Add(-time.Hour), DueAt: rights.Due(tb.now), CreatedBy: "test"}
	if err := tb.store.Tx(tb.ctx, func(tx store.Tx) error { return tx.CreateRightsRequest(tb.ctx, r, store.RightsCode{}) }); err != nil {
		t.Fatal(err)
	}
	if p, err := tb.app.RequestPackage(tb.ctx, dpo, id); err != nil || p.Contact.ID != kari.ContactID {
		t.Errorf("RequestPackage(%s) = %v; want the package", id, err)
	}
}
