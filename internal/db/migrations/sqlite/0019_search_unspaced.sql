-- Search finds words inside text written without spaces (Chinese,
-- Japanese, Thai...) and codes glued to it. unicode61 read such a sentence
-- as one word, so only its start matched. Messages now carry search_text,
-- which the application writes (conversation.SearchText): the text cut into
-- overlapping pairs of those letters, or '' when it has none, as most
-- messages, which are indexed as before. The full-text index reads it in
-- place of the text, so it no longer mirrors messages.text: it becomes
-- contentless (it was never read back, only matched), and combining marks
-- are letters in it (categories M*), as PostgreSQL reads them: Thai tone
-- marks, Devanagari vowel signs and Arabic vowel marks split words in two.

ALTER TABLE messages ADD COLUMN search_text TEXT NOT NULL DEFAULT '';

-- The messages stored before: conversation.SearchText in SQL, a character
-- at a time. The classes are conversation.unspacedMarks and
-- unspacedRanges (TestUnspacedClassMatchesTheMigrations).
CREATE TEMP TABLE search_backfill AS
WITH RECURSIVE cut(id, rest, out) AS (
    SELECT id, text, '' FROM messages WHERE text GLOB '*[ก-ฺเ-๎ກ-ໍໜ-ໟက-ဿၐ-ႏႚ-ႝក-៓ៗៜ-៝々-〇〻ぁ-ゖ゙-゚ゝ-ゟァ-ヺー-ヿㇰ-ㇿ㐀-䶿一-鿿豈-﫿ｦ-ﾟ𠀀-𱍏]*'
    UNION ALL
    SELECT id, substr(rest, 2), out || CASE
        WHEN substr(rest, 1, 1) GLOB '[ัิ-ฺ็-๎ັິ-ຼ່-ໍါ-ှၖ-ၙၞ-ၠၢ-ၤၧ-ၭၱ-ၴႂ-ႍႏႚ-ႝ឴-៓゙៝-゚]' THEN CASE WHEN substr(rest, 2, 1) GLOB '[ก-ฺเ-๎ກ-ໍໜ-ໟက-ဿၐ-ႏႚ-ႝក-៓ៗៜ-៝々-〇〻ぁ-ゖ゙-゚ゝ-ゟァ-ヺー-ヿㇰ-ㇿ㐀-䶿一-鿿豈-﫿ｦ-ﾟ𠀀-𱍏]' THEN '' ELSE ' ' END
        WHEN substr(rest, 1, 1) GLOB '[ก-ฺเ-๎ກ-ໍໜ-ໟက-ဿၐ-ႏႚ-ႝក-៓ៗៜ-៝々-〇〻ぁ-ゖ゙-゚ゝ-ゟァ-ヺー-ヿㇰ-ㇿ㐀-䶿一-鿿豈-﫿ｦ-ﾟ𠀀-𱍏]'
            THEN ' ' || substr(rest, 1, 1) || CASE WHEN substr(rest, 2, 1) GLOB '[ก-ฺเ-๎ກ-ໍໜ-ໟက-ဿၐ-ႏႚ-ႝក-៓ៗៜ-៝々-〇〻ぁ-ゖ゙-゚ゝ-ゟァ-ヺー-ヿㇰ-ㇿ㐀-䶿一-鿿豈-﫿ｦ-ﾟ𠀀-𱍏]' THEN substr(rest, 2, 1) ELSE ' ' END
        WHEN unicode(rest) < 128 AND substr(rest, 1, 1) GLOB '[^0-9A-Za-z]' THEN ' '
        ELSE substr(rest, 1, 1) END
    FROM cut WHERE rest <> ''
)
SELECT id, out FROM cut WHERE rest = '';
UPDATE messages SET search_text = (SELECT out FROM search_backfill b WHERE b.id = messages.id)
WHERE id IN (SELECT id FROM search_backfill);
DROP TABLE search_backfill;

DROP TRIGGER messages_fts_insert;
DROP TRIGGER messages_fts_delete;
DROP TRIGGER messages_fts_update;
DROP TABLE messages_fts;
CREATE VIRTUAL TABLE messages_fts USING fts5(text, content='', contentless_delete=1,
    tokenize="unicode61 remove_diacritics 2 categories 'L* N* Co M*'");
INSERT INTO messages_fts (rowid, text)
SELECT id, CASE WHEN search_text = '' THEN text ELSE search_text END FROM messages;
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts (rowid, text) VALUES (new.id, CASE WHEN new.search_text = '' THEN new.text ELSE new.search_text END);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    DELETE FROM messages_fts WHERE rowid = old.id;
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF text, search_text ON messages BEGIN
    DELETE FROM messages_fts WHERE rowid = old.id;
    INSERT INTO messages_fts (rowid, text) VALUES (new.id, CASE WHEN new.search_text = '' THEN new.text ELSE new.search_text END);
END;
