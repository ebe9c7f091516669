"""A claim's appearances are claim annotations of articles of the claim's project, and a claim
never changes project.

Annotations carry no project (it is their article's), so a trigger compares the projects, as
for links (annotations 0011); articles never change project (articles 0016), so checking the
writes of appearances and the claims' project is enough.
"""

from django.db import migrations

SQL = """
CREATE FUNCTION claims_appearance_same_project() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    claim_project bigint;
    annotation_project bigint;
    annotation_kind text;
BEGIN
    SELECT project_id INTO claim_project FROM claims_claim WHERE id = NEW.claim_id;
    SELECT a.project_id, n.kind INTO annotation_project, annotation_kind
        FROM annotations_annotation n JOIN articles_article a ON a.id = n.article_id WHERE n.id = NEW.annotation_id;
    IF claim_project <> annotation_project THEN
        PERFORM sourcetrace_refuse_two_projects('appearance_claim_same_project',
            format('claim %s of project %s given annotation %s of project %s',
                   NEW.claim_id, claim_project, NEW.annotation_id, annotation_project));
    END IF;
    IF annotation_kind <> 'claim' THEN
        RAISE EXCEPTION 'Annotation % is a %, not a claim', NEW.annotation_id, annotation_kind
            USING ERRCODE = 'check_violation', CONSTRAINT = 'appearance_of_a_claim_annotation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER appearance_claim_same_project
    BEFORE INSERT OR UPDATE OF claim_id, annotation_id ON claims_appearance
    FOR EACH ROW EXECUTE FUNCTION claims_appearance_same_project();

CREATE TRIGGER claim_project_unchanged BEFORE UPDATE OF project_id ON claims_claim FOR EACH ROW
    WHEN (OLD.project_id IS DISTINCT FROM NEW.project_id)
    EXECUTE FUNCTION sourcetrace_project_unchanged('claim_project_unchanged');
"""

REVERSE = """
DROP TRIGGER IF EXISTS claim_project_unchanged ON claims_claim;
DROP TRIGGER IF EXISTS appearance_claim_same_project ON claims_appearance;
DROP FUNCTION IF EXISTS claims_appearance_same_project();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0001_initial"),
        ("projects", "0003_rows_stay_in_their_project"),
        ("annotations", "0011_one_project"),
    ]
    operations = [migrations.RunSQL(SQL, REVERSE)]
