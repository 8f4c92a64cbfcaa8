-- The language of the customer's latest message in a language the
-- classifier could name, kept on the conversation so an inbox can show a
-- language's conversations to the agents who write it. '' until one is
-- named; a later message it cannot name ("ok") leaves it as it is. The
-- index serves the filter as conversations_needs_reply serves its own: a
-- rare language must not walk the whole inbox for one page.
ALTER TABLE conversations ADD COLUMN language TEXT NOT NULL DEFAULT '';
CREATE INDEX conversations_language ON conversations (workspace_id, language, status, last_message_at DESC, id DESC);
