-- Search finds words inside text written without spaces (Chinese,
-- Japanese, Thai...) and codes glued to it. The parser read such a
-- sentence as one word, so only its start matched. Messages now carry
-- search_text, which the application writes (conversation.SearchText): the
-- text cut into overlapping pairs of those letters, or '' when it has
-- none, as most messages, which are indexed as before. The search column
-- reads it in place of the text.

DROP INDEX messages_search;
ALTER TABLE messages DROP COLUMN search;
ALTER TABLE messages ADD COLUMN search_text TEXT NOT NULL DEFAULT '';

-- The messages stored before: conversation.SearchText in SQL, a character
-- at a time. The classes are conversation.unspacedMarks and
-- unspacedRanges (TestUnspacedClassMatchesTheMigrations).
UPDATE messages SET search_text = (
    SELECT string_agg(CASE
        WHEN c ~ '[ัิ-ฺ็-๎ັິ-ຼ່-ໍါ-ှၖ-ၙၞ-ၠၢ-ၤၧ-ၭၱ-ၴႂ-ႍႏႚ-ႝ឴-៓゙៝-゚]' THEN CASE WHEN n ~ '[ก-ฺเ-๎ກ-ໍໜ-ໟက-ဿၐ-ႏႚ-ႝក-៓ៗៜ-៝々-〇〻ぁ-ゖ゙-゚ゝ-ゟァ-ヺー-ヿㇰ-ㇿ㐀-䶿一-鿿豈-﫿ｦ-ﾟ𠀀-𱍏]' THEN '' ELSE ' ' END
        WHEN c ~ '[ก-ฺเ-๎ກ-ໍໜ-ໟက-ဿၐ-ႏႚ-ႝក-៓ៗៜ-៝々-〇〻ぁ-ゖ゙-゚ゝ-ゟァ-ヺー-ヿㇰ-ㇿ㐀-䶿一-鿿豈-﫿ｦ-ﾟ𠀀-𱍏]' THEN ' ' || c || CASE WHEN n ~ '[ก-ฺเ-๎ກ-ໍໜ-ໟက-ဿၐ-ႏႚ-ႝក-៓ៗៜ-៝々-〇〻ぁ-ゖ゙-゚ゝ-ゟァ-ヺー-ヿㇰ-ㇿ㐀-䶿一-鿿豈-﫿ｦ-ﾟ𠀀-𱍏]' THEN n ELSE ' ' END
        WHEN ascii(c) < 128 AND c !~ '[0-9A-Za-z]' THEN ' '
        ELSE c END, '' ORDER BY i)
    FROM (SELECT c, lead(c) OVER (ORDER BY i) AS n, i
          FROM regexp_split_to_table(messages.text, '') WITH ORDINALITY AS t(c, i)) chars)
WHERE text ~ '[ก-ฺเ-๎ກ-ໍໜ-ໟက-ဿၐ-ႏႚ-ႝក-៓ៗៜ-៝々-〇〻ぁ-ゖ゙-゚ゝ-ゟァ-ヺー-ヿㇰ-ㇿ㐀-䶿一-鿿豈-﫿ｦ-ﾟ𠀀-𱍏]';

ALTER TABLE messages ADD COLUMN search tsvector
    GENERATED ALWAYS AS (to_tsvector('simple', CASE WHEN search_text = '' THEN text ELSE search_text END)) STORED;
CREATE INDEX messages_search ON messages USING GIN (search);
