-- A contact's merge history is read by the contact the merges kept, through
-- an index: reading the workspace's newest merge records and filtering
-- them lost a contact's merges once 1,000 others had happened since.
-- Existing records name it in their detail ("kept"); one whose detail is
-- not JSON is left without, rather than failing the migration.
ALTER TABLE activity ADD COLUMN contact_id INTEGER;
UPDATE activity SET contact_id = json_extract(detail, '$.kept')
WHERE conversation_id IS NULL AND kind IN ('contact_merged', 'contact_unmerged') AND json_valid(detail);
CREATE INDEX activity_contact ON activity (contact_id, id) WHERE contact_id IS NOT NULL;
