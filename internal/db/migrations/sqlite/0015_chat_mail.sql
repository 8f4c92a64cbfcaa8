-- An agent's reply to a live chat that the visitor does not see in the
-- widget within the chat's mail_unseen_after is e-mailed to the visitor's
-- own address. chat_mail is per conversation: the address the visitor gave
-- in the widget (never one of the contact's), the newest reply a widget
-- acknowledged, and the mailing job's lease, retries and hourly budget.
CREATE TABLE chat_mail (
    conversation_id INTEGER PRIMARY KEY REFERENCES conversations(id),
    account_id      INTEGER NOT NULL REFERENCES channel_accounts(id),
    address         TEXT NOT NULL DEFAULT '',
    seen_id         INTEGER NOT NULL DEFAULT 0,
    lease_until     INTEGER NOT NULL DEFAULT 0,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_at         INTEGER NOT NULL DEFAULT 0,
    window_start    INTEGER NOT NULL DEFAULT 0,
    window_mails    INTEGER NOT NULL DEFAULT 0
);
-- Each agent's reply to a chat, from when the outbox counts it delivered
-- to the widget until it is seen, mailed or given up on. "sending" is
-- written before the mail server is called: a lease that runs out on it
-- leaves the replies "unsure", never mailed twice.
CREATE TABLE chat_replies (
    message_id      INTEGER PRIMARY KEY REFERENCES messages(id),
    conversation_id INTEGER NOT NULL REFERENCES conversations(id),
    account_id      INTEGER NOT NULL REFERENCES channel_accounts(id),
    stored_at       INTEGER NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('unseen', 'seen', 'sending', 'mailed', 'unsure', 'skipped', 'failed')),
    updated_at      INTEGER NOT NULL
);
CREATE INDEX chat_replies_conversation ON chat_replies (conversation_id, message_id);
CREATE INDEX chat_replies_state ON chat_replies (state, conversation_id);
