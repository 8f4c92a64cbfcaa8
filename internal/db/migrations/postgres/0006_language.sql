-- The language of the customer's latest message in a language the
-- classifier could name, kept on the conversation so an inbox can show a
-- language's conversations to the agents who write it. '' until one is
-- named; a later message it cannot name ("ok") leaves it as it is.
ALTER TABLE conversations ADD COLUMN language TEXT NOT NULL DEFAULT '';
