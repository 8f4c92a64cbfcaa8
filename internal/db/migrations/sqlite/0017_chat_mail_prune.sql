-- The chat mail job's prunes, each over an index of its own: settled
-- replies go a while after they were stored (chat.MailKeep), and a
-- conversation's mail state once nothing needs it, a while after the
-- visitor last gave the address or saw a reply (active_at). Rows from
-- before count from their conversation's last message.
ALTER TABLE chat_mail ADD COLUMN active_at INTEGER NOT NULL DEFAULT 0;
UPDATE chat_mail SET active_at = COALESCE((SELECT last_message_at FROM conversations WHERE conversations.id = chat_mail.conversation_id), 0);
CREATE INDEX chat_mail_active ON chat_mail (active_at);
CREATE INDEX chat_replies_stored ON chat_replies (stored_at);
