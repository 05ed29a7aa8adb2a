"""Seed the theme thesaurus (archive/themes/thesaurus.py: English and Spanish terms)."""

from django.db import migrations

from archive.themes.thesaurus import THESAURUS


def seed(apps, schema_editor):
    Theme = apps.get_model("archive.Theme")
    created = {}
    for seed_theme in THESAURUS:
        created[seed_theme.slug] = Theme.objects.create(
            slug=seed_theme.slug,
            name=seed_theme.name_en,
            name_es=seed_theme.name_es,
            parent=created[seed_theme.parent] if seed_theme.parent else None,
            description=seed_theme.description,
            terms_en="\n".join(seed_theme.terms_en),
            terms_es="\n".join(seed_theme.terms_es),
        )


def unseed(apps, schema_editor):
    Theme = apps.get_model("archive.Theme")
    for seed_theme in reversed(THESAURUS):
        Theme.objects.filter(slug=seed_theme.slug).delete()


class Migration(migrations.Migration):
    dependencies = [("archive", "0002_archive_home")]

    operations = [migrations.RunPython(seed, unseed)]
