"""Appearances follow the annotations they are of, whoever writes (the workbench, the API, an
import, a new version): database triggers, so that no write path can forget them, and each
appearance they add or remove is in the appearances' history like any other.

- A claim annotation's counterpart in another version of the story joins the same claim: when a
  pair is recorded and one side is an appearance, the other side (a live claim annotation of no
  claim yet) becomes one; when an appearance is attached, its annotation's counterparts of no
  claim join it too.
- A new version keeps the claims: an annotation carried to it (an anchoring row) becomes an
  appearance of its origin's claim.
- An annotation changed to another kind, or deleted, keeps no hidden appearance; changed back or
  restored, it returns to the claim it left (read from the history, if that claim still exists),
  else joins its counterpart's.

An annotation already of a claim is never moved by these: that is the analyst's choice. The
stories app may not import claims, so the claims app keeps these triggers on its tables.
"""

from django.db import migrations

SQL = """
CREATE FUNCTION claims_appearance_joins_counterparts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO claims_appearance (claim_id, annotation_id, created_by_id, created_at)
    SELECT NEW.claim_id, n.id, NEW.created_by_id, now()
    FROM annotations_annotation n
    WHERE n.id IN (
            SELECT c.other_id FROM stories_counterpart c WHERE c.annotation_id = NEW.annotation_id
            UNION SELECT c.annotation_id FROM stories_counterpart c WHERE c.other_id = NEW.annotation_id
            UNION SELECT a.annotation_id FROM stories_anchoring a
                WHERE a.origin_id = NEW.annotation_id AND a.annotation_id IS NOT NULL)
        AND n.kind = 'claim' AND n.deleted_at IS NULL
        AND NOT EXISTS (SELECT 1 FROM claims_appearance p WHERE p.annotation_id = n.id)
    ORDER BY n.id
    ON CONFLICT (annotation_id) DO NOTHING;
    RETURN NULL;
END $$;
CREATE TRIGGER appearance_joins_counterparts AFTER INSERT ON claims_appearance
    FOR EACH ROW EXECUTE FUNCTION claims_appearance_joins_counterparts();

CREATE FUNCTION claims_counterpart_joins_claim() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO claims_appearance (claim_id, annotation_id, created_by_id, created_at)
    SELECT p.claim_id, n.id, COALESCE(NEW.created_by_id, p.created_by_id), now()
    FROM (VALUES (NEW.annotation_id, NEW.other_id), (NEW.other_id, NEW.annotation_id)) AS s (side, partner)
    JOIN claims_appearance p ON p.annotation_id = s.side
    JOIN annotations_annotation n ON n.id = s.partner
    WHERE n.kind = 'claim' AND n.deleted_at IS NULL
        AND NOT EXISTS (SELECT 1 FROM claims_appearance q WHERE q.annotation_id = n.id)
    ON CONFLICT (annotation_id) DO NOTHING;
    RETURN NULL;
END $$;
CREATE TRIGGER counterpart_joins_claim AFTER INSERT OR UPDATE OF annotation_id, other_id ON stories_counterpart
    FOR EACH ROW EXECUTE FUNCTION claims_counterpart_joins_claim();

CREATE FUNCTION claims_carried_keeps_claim() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO claims_appearance (claim_id, annotation_id, created_by_id, created_at)
    SELECT p.claim_id, n.id, p.created_by_id, now()
    FROM new_anchorings a
    JOIN claims_appearance p ON p.annotation_id = a.origin_id
    JOIN annotations_annotation n ON n.id = a.annotation_id
    WHERE n.kind = 'claim' AND n.deleted_at IS NULL
        AND NOT EXISTS (SELECT 1 FROM claims_appearance q WHERE q.annotation_id = n.id)
    ON CONFLICT (annotation_id) DO NOTHING;
    RETURN NULL;
END $$;
-- Anchorings are written in bulk when a version is added: once per statement.
CREATE TRIGGER carried_keeps_claim AFTER INSERT ON stories_anchoring
    REFERENCING NEW TABLE AS new_anchorings FOR EACH STATEMENT EXECUTE FUNCTION claims_carried_keeps_claim();

-- An orphaned annotation placed by hand later: one row, and only when its carried annotation changes
-- (a reviewer's decision alone must not bring back an appearance somebody detached).
CREATE FUNCTION claims_placed_keeps_claim() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO claims_appearance (claim_id, annotation_id, created_by_id, created_at)
    SELECT p.claim_id, n.id, p.created_by_id, now()
    FROM claims_appearance p
    JOIN annotations_annotation n ON n.id = NEW.annotation_id
    WHERE p.annotation_id = NEW.origin_id AND n.kind = 'claim' AND n.deleted_at IS NULL
        AND NOT EXISTS (SELECT 1 FROM claims_appearance q WHERE q.annotation_id = n.id)
    ON CONFLICT (annotation_id) DO NOTHING;
    RETURN NULL;
END $$;
CREATE TRIGGER placed_keeps_claim AFTER UPDATE OF annotation_id ON stories_anchoring FOR EACH ROW
    WHEN (NEW.annotation_id IS NOT NULL AND OLD.annotation_id IS DISTINCT FROM NEW.annotation_id)
    EXECUTE FUNCTION claims_placed_keeps_claim();

CREATE FUNCTION claims_appearance_follows_annotation() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    left_claim bigint;
BEGIN
    IF NEW.kind <> 'claim' OR NEW.deleted_at IS NOT NULL THEN
        DELETE FROM claims_appearance WHERE annotation_id = NEW.id;
        RETURN NULL;
    END IF;
    IF EXISTS (SELECT 1 FROM claims_appearance WHERE annotation_id = NEW.id) THEN
        RETURN NULL;
    END IF;
    -- The claim it left when it stopped being a claim or was deleted, if that was the last change
    -- of its appearance and the claim is still there.
    SELECT h.claim_id INTO left_claim FROM claims_appearancehistory h
        WHERE h.annotation_id = NEW.id ORDER BY h.pgh_id DESC LIMIT 1;
    IF left_claim IS NOT NULL AND EXISTS (
        SELECT 1 FROM claims_appearancehistory h
        WHERE h.annotation_id = NEW.id AND h.pgh_label = 'deleted'
            AND h.pgh_id = (SELECT max(pgh_id) FROM claims_appearancehistory WHERE annotation_id = NEW.id)
    ) AND EXISTS (SELECT 1 FROM claims_claim WHERE id = left_claim) THEN
        INSERT INTO claims_appearance (claim_id, annotation_id, created_by_id, created_at)
        VALUES (left_claim, NEW.id, COALESCE(NEW.updated_by_id, NEW.created_by_id), now())
        ON CONFLICT (annotation_id) DO NOTHING;
        RETURN NULL;
    END IF;
    INSERT INTO claims_appearance (claim_id, annotation_id, created_by_id, created_at)
    SELECT p.claim_id, NEW.id, COALESCE(NEW.updated_by_id, NEW.created_by_id), now()
    FROM stories_counterpart c
    JOIN claims_appearance p ON p.annotation_id = CASE WHEN c.annotation_id = NEW.id THEN c.other_id ELSE c.annotation_id END
    WHERE c.annotation_id = NEW.id OR c.other_id = NEW.id
    ORDER BY c.id
    LIMIT 1
    ON CONFLICT (annotation_id) DO NOTHING;
    RETURN NULL;
END $$;
CREATE TRIGGER appearance_follows_annotation AFTER UPDATE OF kind, deleted_at ON annotations_annotation FOR EACH ROW
    WHEN (OLD.kind IS DISTINCT FROM NEW.kind OR OLD.deleted_at IS DISTINCT FROM NEW.deleted_at)
    EXECUTE FUNCTION claims_appearance_follows_annotation();

-- Appearances left behind before this migration by annotations no longer claims, or deleted.
DELETE FROM claims_appearance p USING annotations_annotation n
    WHERE n.id = p.annotation_id AND (n.kind <> 'claim' OR n.deleted_at IS NOT NULL);
"""

REVERSE = """
DROP TRIGGER IF EXISTS appearance_follows_annotation ON annotations_annotation;
DROP FUNCTION IF EXISTS claims_appearance_follows_annotation();
DROP TRIGGER IF EXISTS placed_keeps_claim ON stories_anchoring;
DROP FUNCTION IF EXISTS claims_placed_keeps_claim();
DROP TRIGGER IF EXISTS carried_keeps_claim ON stories_anchoring;
DROP FUNCTION IF EXISTS claims_carried_keeps_claim();
DROP TRIGGER IF EXISTS counterpart_joins_claim ON stories_counterpart;
DROP FUNCTION IF EXISTS claims_counterpart_joins_claim();
DROP TRIGGER IF EXISTS appearance_joins_counterparts ON claims_appearance;
DROP FUNCTION IF EXISTS claims_appearance_joins_counterparts();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0004_key_rows"),
        ("stories", "0004_versions_one_project"),
        ("annotations", "0016_exact_checked_once_per_statement"),
    ]
    operations = [migrations.RunSQL(SQL, REVERSE)]
