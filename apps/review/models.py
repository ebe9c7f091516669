from django.db import models


class ArticleFigures(models.Model):
    """An article's share of its project's agreement and dashboard, kept between requests and
    worked out again once its annotations or their history change (see figures.py)."""

    # No constraint in the database: a page storing the share of an article deleted meanwhile
    # must not fail; such a share is never read, as pages read the project's articles.
    article = models.OneToOneField(
        "articles.Article",
        primary_key=True,
        on_delete=models.CASCADE,
        db_constraint=False,
        related_name="review_figures",
    )
    # PostgreSQL's oldest running transaction when the annotations were read: every change the
    # share may not show was made by this transaction or a later one.
    worked_out_from = models.BigIntegerField()
    # How the share was worked out (figures.FIGURES_VERSION and the time zone of the weeks).
    version = models.CharField(max_length=100)
    agreement = models.JSONField()
    dashboard = models.JSONField()

    class Meta:
        verbose_name_plural = "article figures"

    def __str__(self):
        return f"figures of article {self.article_id}"
