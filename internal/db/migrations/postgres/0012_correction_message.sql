-- The corrections export keeps each message's latest correction only.
CREATE INDEX label_corrections_message ON label_corrections (message_id, id);
