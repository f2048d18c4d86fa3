-- Staff's free-text answers to the messages people send (issue 23), each
-- sent only inside the 24-hour service window the person's last message
-- opened: a service message, never marketing. The text is personal data,
-- sealed under the contact's data key (gone with the key at erasure, and
-- the rows deleted); message_id is the outbound message that carries it,
-- reply_id the message it answers, actor who wrote it. Deleted after the
-- replies' retention period (RT-01).
CREATE TABLE answers (
	id TEXT PRIMARY KEY,
	contact_id TEXT NOT NULL,
	reply_id TEXT NOT NULL,
	message_id TEXT NOT NULL,
	at BIGINT NOT NULL,
	actor TEXT NOT NULL,
	sealed BYTEA NOT NULL
);
-- statement
CREATE INDEX answers_contact ON answers (contact_id);
-- statement
CREATE INDEX answers_at ON answers (at);
