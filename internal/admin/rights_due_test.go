// SPDX-License-Identifier: AGPL-3.0-only

package admin_test

import (
	"fmt"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/rights"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store/storetest"
)

// TestRightsNearDueAndOverdueFilters builds a timeline of rights requests
// filed at controlled times through the app's clock, and checks that the
// rights page's near-due and overdue filters list exactly the requests whose
// deadline is near or past, and that the dashboard's overdue count agrees,
// then again a day later (T-03, Art. 12(3): one month after receipt,
// extendable once by up to two more; near due is the last week,
// rights.NearDue). The month is the calendar's, ending at the end of the
// day in Oslo: the day-30/31 boundary is tested with requests received on
// 28 and 29 October when the clock reads 29 November.
func TestRightsNearDueAndOverdueFilters(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		ctx, dpo := t.Context(), app.Actor{Name: "cli:test", Role: staff.DPO}
		now := tb.now // 29 November 2026, 13:00 in Oslo
		phone := 0
		// file files an access request by letter at the clock's time at,
		// received then, and leaves the clock there.
		file := func(at time.Time) string {
			t.Helper()
			tb.now = at
			phone++
			rq, err := tb.app.FileRequest(ctx, dpo, app.RightsInput{Type: "access", Via: "letter",
				Phone: fmt.Sprintf("+474000%04d", phone)})
			if err != nil {
				t.Fatal(err)
			}
			if !rq.DueAt.Equal(rights.Due(at.UTC().Truncate(time.Microsecond))) {
				t.Fatalf("filed at %s, due %s; want one month later", at, rq.DueAt)
			}
			return rq.ID
		}
		oslo := func(month time.Month, day, hour int) time.Time {
			return time.Date(2026, month, day, hour, 0, 0, 0, rights.Oslo)
		}
		past := file(now.AddDate(0, 0, -40))         // due 20 Nov: overdue
		dayBefore := file(oslo(time.October, 28, 9)) // due 28 Nov 23:59:59: overdue by 13 hours
		lastDay := file(oslo(time.October, 29, 9))   // due 29 Nov 23:59:59, today: near due
		nearWeek := file(now.AddDate(0, 0, -25))     // due 4 December: near due
		early := file(now.AddDate(0, 0, -20))        // due 9 December, ten days on: neither
		extended := file(now.AddDate(0, 0, -45))     // due 15 November, extended by two months: neither
		told := tb.now.Add(24 * time.Hour)
		tb.now = told
		if _, err := tb.app.ExtendRequest(ctx, dpo, extended, app.ExtensionInput{Months: 2, ToldAt: &told, ToldHow: "letter",
			Reason: "Saken krever gjennomgang av mange kilder."}); err != nil {
			t.Fatal(err)
		}
		answered := file(now.AddDate(0, 0, -50)) // answered in time, now long past its date: neither
		tb.now = now.AddDate(0, 0, -30)
		if _, err := tb.app.CompleteRequest(ctx, dpo, answered, "Innsyn gitt per brev."); err != nil {
			t.Fatal(err)
		}
		refused := file(now.AddDate(0, 0, -33)) // refused: neither
		if _, err := tb.app.RefuseRequest(ctx, dpo, refused, "Vi fant ingen opplysninger om dette nummeret."); err != nil {
			t.Fatal(err)
		}
		tb.now = now

		br := tb.signIn("personvern", staff.DPO)
		idRE := regexp.MustCompile(`href="/admin/rights/([0-9a-f-]{36})"`)
		listed := func(state string) []string {
			t.Helper()
			var ids []string
			for _, m := range idRE.FindAllStringSubmatch(br.get("/admin/rights?state="+state, 200).body, -1) {
				ids = append(ids, m[1])
			}
			slices.Sort(ids)
			return ids
		}
		countRE := regexp.MustCompile(`id="rights-h">[^<]*</h2>\s*<p class="big">([^<]*)</p>`)
		dashboard := func() string {
			t.Helper()
			m := countRE.FindStringSubmatch(br.get("/admin/", 200).body)
			if m == nil {
				t.Fatal("the dashboard shows no overdue count")
			}
			return m[1]
		}
		sorted := func(ids ...string) []string { slices.Sort(ids); return ids }
		names := map[string]string{past: "past", dayBefore: "dayBefore", lastDay: "lastDay", nearWeek: "nearWeek",
			early: "early", extended: "extended", answered: "answered", refused: "refused"}
		named := func(ids []string) []string {
			out := make([]string, len(ids))
			for i, id := range ids {
				out[i] = names[id]
			}
			return out
		}
		check := func(when, state string, want []string) {
			t.Helper()
			if got := listed(state); !slices.Equal(got, want) {
				t.Errorf("%s, state=%s lists %v, want %v", when, state, named(got), named(want))
			}
		}

		wantOverdue := sorted(past, dayBefore)
		check("29 November", "overdue", wantOverdue)
		check("29 November", "near_due", sorted(lastDay, nearWeek))
		check("29 November", "open", sorted(past, dayBefore, lastDay, nearWeek, early, extended))
		if got := dashboard(); got != "2" {
			t.Errorf("29 November: the dashboard counts %q overdue, want 2 as the filter lists", got)
		}
		if d, err := tb.app.Dashboard(ctx, app.Actor{Name: "cli:test", Role: staff.Admin}); err != nil || d.Rights.Overdue != int64(len(wantOverdue)) || d.Rights.NearDue != 2 {
			t.Errorf("29 November: the dashboard's use case says %+v, %v", d.Rights, err)
		}

		// A day on, the last day has passed; nothing else has changed state.
		tb.now = now.Add(24 * time.Hour)
		br = tb.signIn("personvern2", staff.DPO) // the first session has been idle a day
		check("30 November", "overdue", sorted(past, dayBefore, lastDay))
		check("30 November", "near_due", sorted(nearWeek))
		if got := dashboard(); got != "3" {
			t.Errorf("30 November: the dashboard counts %q overdue, want 3 as the filter lists", got)
		}
	})
}
