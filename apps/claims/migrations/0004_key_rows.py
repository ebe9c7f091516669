"""A claim's keys a row each, kept by a trigger from the claim's array, in the claim's project
(a foreign key that includes the project), so that a proposal is one index scan and a sum."""

import django.db.models.deletion
from django.db import migrations, models

SQL = """
ALTER TABLE claims_claim ADD CONSTRAINT claim_id_project_key UNIQUE (id, project_id);
ALTER TABLE claims_claimkey ADD CONSTRAINT claimkey_claim_same_project
    FOREIGN KEY (claim_id, project_id) REFERENCES claims_claim (id, project_id) ON DELETE CASCADE;

CREATE FUNCTION claims_claim_key_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        DELETE FROM claims_claimkey WHERE claim_id = NEW.id;
    END IF;
    INSERT INTO claims_claimkey (project_id, key, claim_id)
        SELECT DISTINCT NEW.project_id, k, NEW.id FROM unnest(NEW.keys) AS k;
    RETURN NULL;
END $$;
CREATE TRIGGER claim_key_rows_inserted AFTER INSERT ON claims_claim
    FOR EACH ROW EXECUTE FUNCTION claims_claim_key_rows();
CREATE TRIGGER claim_key_rows_changed AFTER UPDATE OF keys ON claims_claim
    FOR EACH ROW WHEN (OLD.keys IS DISTINCT FROM NEW.keys) EXECUTE FUNCTION claims_claim_key_rows();

INSERT INTO claims_claimkey (project_id, key, claim_id)
    SELECT DISTINCT c.project_id, k, c.id FROM claims_claim c, unnest(c.keys) AS k;
"""

REVERSE = """
DROP TRIGGER IF EXISTS claim_key_rows_changed ON claims_claim;
DROP TRIGGER IF EXISTS claim_key_rows_inserted ON claims_claim;
DROP FUNCTION IF EXISTS claims_claim_key_rows();
ALTER TABLE claims_claimkey DROP CONSTRAINT IF EXISTS claimkey_claim_same_project;
ALTER TABLE claims_claim DROP CONSTRAINT IF EXISTS claim_id_project_key;
"""


class Migration(migrations.Migration):

    dependencies = [
        ('claims', '0003_search_column'),
        ('projects', '0006_project_self_review'),
    ]

    operations = [
        migrations.RemoveIndex(model_name="claim", name="claim_keys"),
        migrations.CreateModel(
            name="ClaimKey",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "project", "key", "claim", blank=True, editable=False, primary_key=True, serialize=False
                    ),
                ),
                (
                    "project",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="projects.project",
                    ),
                ),
                ("key", models.CharField(max_length=100)),
                (
                    "claim",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="claims.claim"
                    ),
                ),
            ],
        ),
        migrations.RunSQL(SQL, REVERSE),
    ]
