from apps.annotations.models import Annotation
from apps.articles.models import Article
from tests.factories import AnnotationFactory, ArticleFactory, UserFactory


def test_member_sees_only_their_projects_articles(article, analyst, outsider):
    foreign = ArticleFactory(title="Someone else's investigation")
    assert list(Article.objects.visible_to(analyst)) == [article]
    assert article not in Article.objects.visible_to(outsider)
    assert foreign not in Article.objects.visible_to(analyst)


def test_staff_flag_grants_nothing_superusers_see_everything(article):
    staff = UserFactory(username="staff", is_staff=True)
    superuser = UserFactory(username="root", is_superuser=True)
    ArticleFactory()
    assert Article.objects.visible_to(staff).count() == 0
    assert Article.objects.visible_to(superuser).count() == 2


def test_outsider_gets_404_for_article_page_and_annotations(client, article, outsider):
    annotation = AnnotationFactory(article=article)
    client.force_login(outsider)
    assert client.get(article.get_absolute_url()).status_code == 404
    assert client.get(f"/annotations/{annotation.pk}/").status_code == 404
    assert not Annotation.objects.visible_to(outsider).exists()
    list_page = client.get("/articles/").content.decode()
    assert article.title not in list_page


def test_anonymous_user_is_sent_to_login(client, article):
    response = client.get(article.get_absolute_url())
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
