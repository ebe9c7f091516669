from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    """Assertions tracked wherever they appear: claims, their appearances and verdicts, evidence between passages."""

    name = "apps.claims"

    def ready(self):
        from apps.annotations.sections import add_panel_section, add_review_section
        from apps.claims.sections import claim_in_panel, claim_on_review_page

        add_panel_section(claim_in_panel)
        add_review_section(claim_on_review_page)
