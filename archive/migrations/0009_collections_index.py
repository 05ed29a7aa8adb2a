"""Create the Collections page under the archive's home, where educators' collections live."""

from django.db import migrations

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # treebeard's MP_Node path alphabet
STEPLEN = 4


def _next_step(last: str | None) -> str:
    if last is None:
        return "0001"
    value = 0
    for char in last:
        value = value * len(ALPHABET) + ALPHABET.index(char)
    value += 1
    digits = ""
    for _ in range(STEPLEN):
        value, rest = divmod(value, len(ALPHABET))
        digits = ALPHABET[rest] + digits
    return digits


def create_collections_index(apps, schema_editor):
    ContentType = apps.get_model("contenttypes.ContentType")
    Page = apps.get_model("wagtailcore.Page")
    ArchiveIndexPage = apps.get_model("archive.ArchiveIndexPage")
    CollectionIndexPage = apps.get_model("archive.CollectionIndexPage")

    home = ArchiveIndexPage.objects.first()
    if home is None or CollectionIndexPage.objects.exists():
        return
    children = Page.objects.filter(path__startswith=home.path, depth=home.depth + 1)
    last = children.order_by("-path").values_list("path", flat=True).first()
    content_type, _ = ContentType.objects.get_or_create(
        model="collectionindexpage", app_label="archive"
    )
    slug = "collections"
    taken = set(children.values_list("slug", flat=True))
    number = 1
    while slug in taken:
        number += 1
        slug = f"collections-{number}"
    CollectionIndexPage.objects.create(
        title="Collections",
        draft_title="Collections",
        slug=slug,
        content_type=content_type,
        path=home.path + _next_step(last[-STEPLEN:] if last else None),
        depth=home.depth + 1,
        numchild=0,
        url_path=f"{home.url_path}{slug}/",
        live=True,
        locale_id=home.locale_id,
        intro="Clips of testimony, gathered by educators for teaching.",
    )
    Page.objects.filter(pk=home.pk).update(numchild=children.count())


def remove_collections_index(apps, schema_editor):
    Page = apps.get_model("wagtailcore.Page")
    CollectionIndexPage = apps.get_model("archive.CollectionIndexPage")
    for index in CollectionIndexPage.objects.all():
        parent_path = index.path[:-STEPLEN]
        index.delete()
        parent = Page.objects.filter(path=parent_path).first()
        if parent is not None:
            parent.numchild = Page.objects.filter(
                path__startswith=parent_path, depth=parent.depth + 1
            ).count()
            parent.save(update_fields=["numchild"])


class Migration(migrations.Migration):
    dependencies = [("archive", "0008_jobs_edits_collections_invitations")]

    operations = [migrations.RunPython(create_collections_index, remove_collections_index)]
