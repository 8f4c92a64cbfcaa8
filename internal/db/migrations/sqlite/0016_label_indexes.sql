-- The inbox's intent and sentiment filters (?intent=complaint,
-- ?sentiment=negative), each served as conversations_needs_reply and
-- conversations_language serve theirs: a rare value (peer, 0.2% of
-- threads) must not walk the whole inbox for one page, and the status
-- counts beside a filter read only its rows, from the index alone
-- (BENCHMARKS.md, "Labels").
CREATE INDEX conversations_intent ON conversations (workspace_id, intent, status, last_message_at DESC, id DESC);
CREATE INDEX conversations_sentiment ON conversations (workspace_id, sentiment, status, last_message_at DESC, id DESC);
