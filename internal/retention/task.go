// SPDX-License-Identifier: AGPL-3.0-only

package retention

import (
	"fmt"
	"time"
)

// Meta is the processor that carries WhatsApp messages.
const Meta = "Meta Platforms Ireland Ltd. (WhatsApp Cloud API)"

// MetaMessageDays is how long the Cloud API keeps a message's content for
// redelivery, as Meta states it (X-02: up to 30 days).
const MetaMessageDays = 30

// ProcessorTask is a task for the data protection officer: tell a processor
// where it may still hold an erased person's data, or record why that is
// impossible or disproportionate (R-05, GDPR Art. 19). It holds no personal
// data: the contact is named by its pseudonymous id, and erased.
type ProcessorTask struct {
	ID        string    `json:"id"`
	Processor string    `json:"processor"`
	ContactID string    `json:"contact_id"`
	CreatedAt time.Time `json:"created_at"`
	// Messages counts the messages to the person that reached the
	// processor; LastMessageAt is the newest, and HeldUntil when the
	// processor's own retention has removed its content.
	Messages      int64     `json:"messages"`
	LastMessageAt time.Time `json:"last_message_at,omitzero"`
	HeldUntil     time.Time `json:"held_until,omitzero"`
	// What to do, in words.
	Instructions string    `json:"instructions"`
	DoneAt       time.Time `json:"done_at,omitzero"`
	DoneBy       string    `json:"done_by,omitempty"`
	Note         string    `json:"note,omitempty"`
}

// Done reports whether the task was marked done.
func (t ProcessorTask) Done() bool { return !t.DoneAt.IsZero() }

// MetaTask is the task an erasure leaves for Meta: messages counts the
// messages to the person that reached the platform, last the newest.
func MetaTask(id, contactID string, messages int64, last, now time.Time) ProcessorTask {
	t := ProcessorTask{ID: id, Processor: Meta, ContactID: contactID, CreatedAt: now, Messages: messages}
	held := "no message from the business reached the platform"
	if messages > 0 {
		t.LastMessageAt, t.HeldUntil = last, last.Add(Days(MetaMessageDays))
		held = fmt.Sprintf("the content of %d message(s) the business sent (the last on %s) until about %s (X-02)",
			messages, last.UTC().Format(time.DateOnly), t.HeldUntil.UTC().Format(time.DateOnly))
	}
	t.Instructions = "The person's data is erased here. As processor of the WhatsApp Cloud API, Meta may still hold " + held +
		", and the messages the person wrote to the business number. Ask Meta to erase what it holds under the processing terms " +
		"(GDPR Art. 28(3)(g)), or record here why that is impossible or disproportionate (Art. 19). samtykke no longer holds " +
		"the number: take it from the person's request."
	return t
}
