"""Make the archive index the site's home page, replacing Wagtail's welcome page."""

from django.db import migrations


def create_archive_home(apps, schema_editor):
    ContentType = apps.get_model("contenttypes.ContentType")
    Page = apps.get_model("wagtailcore.Page")
    Site = apps.get_model("wagtailcore.Site")
    Locale = apps.get_model("wagtailcore.Locale")
    ArchiveIndexPage = apps.get_model("archive.ArchiveIndexPage")

    Page.objects.filter(depth=2, content_type__model="page").delete()
    root = Page.objects.get(depth=1)
    content_type, _ = ContentType.objects.get_or_create(
        model="archiveindexpage", app_label="archive"
    )
    locale = Locale.objects.first()
    home = ArchiveIndexPage.objects.create(
        title="Testimonio",
        draft_title="Testimonio",
        slug="archive",
        content_type=content_type,
        path=f"{root.path}0001",
        depth=2,
        numchild=0,
        url_path="/archive/",
        live=True,
        locale=locale,
        intro=(
            "Testimony from people who lived through immigration enforcement, "
            "shown only as each storyteller consented."
        ),
    )
    root.numchild = 1
    root.save(update_fields=["numchild"])
    Site.objects.all().delete()
    Site.objects.create(hostname="127.0.0.1", port=8000, root_page=home, is_default_site=True)


def remove_archive_home(apps, schema_editor):
    apps.get_model("archive.ArchiveIndexPage").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0001_initial"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(create_archive_home, remove_archive_home)]
