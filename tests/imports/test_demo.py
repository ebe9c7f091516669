from django.core.management import call_command

from apps.articles.models import Article
from apps.projects.history import timeline
from apps.projects.models import Membership, MembershipHistory, Project


def test_demo_import_is_idempotent(db, capsys):
    call_command("load_demo")
    first = capsys.readouterr().out
    call_command("load_demo")
    second = capsys.readouterr().out

    assert Article.objects.count() == 2
    assert Membership.objects.count() == 3
    assert "2 article(s) imported" in first
    assert "0 article(s) imported, 2 already there" in second
    assert "analyst   / analyst-demo-pass" in second
    languages = sorted(Article.objects.values_list("language", flat=True))
    assert languages == ["de", "en"]


def test_demo_articles_are_suggested_as_translations(db):
    call_command("load_demo")
    english = Article.objects.get(language="en")
    german = Article.objects.get(language="de")
    suggestions = english.related_suggestions()
    assert [(other, match.kind) for other, match in suggestions] == [(german, "translation")]
    assert {"arkady", "belarus"} <= set(suggestions[0][1].shared)


def test_the_demos_members_were_added_by_its_loader_not_by_themselves(db):
    call_command("load_demo")
    project = Project.objects.get()
    entries = timeline(MembershipHistory.objects.filter(project=project), project.history.all())
    assert {entry.what for entry in entries} == {"membership created", "project created"}
    assert {entry.who for entry in entries} == {"the load_demo command"}
