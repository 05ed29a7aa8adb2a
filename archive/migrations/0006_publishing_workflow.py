"""The publishing workflow: consent verified (archivists), then transcript reviewed (editors)."""

from django.db import migrations

PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page")


def create_workflow(apps, schema_editor):
    ContentType = apps.get_model("contenttypes.ContentType")
    Group = apps.get_model("auth.Group")
    Permission = apps.get_model("auth.Permission")
    GroupPagePermission = apps.get_model("wagtailcore.GroupPagePermission")
    GroupApprovalTask = apps.get_model("wagtailcore.GroupApprovalTask")
    Workflow = apps.get_model("wagtailcore.Workflow")
    WorkflowTask = apps.get_model("wagtailcore.WorkflowTask")
    WorkflowPage = apps.get_model("wagtailcore.WorkflowPage")
    ArchiveIndexPage = apps.get_model("archive.ArchiveIndexPage")

    admin_ct, _ = ContentType.objects.get_or_create(app_label="wagtailadmin", model="admin")
    access_admin, _ = Permission.objects.get_or_create(
        content_type=admin_ct,
        codename="access_admin",
        defaults={"name": "Can access Wagtail admin"},
    )
    page_ct, _ = ContentType.objects.get_or_create(app_label="wagtailcore", model="page")
    home = ArchiveIndexPage.objects.first()

    groups = {}
    for name in ("Archivists", "Editors"):
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(access_admin)
        if home is not None:
            for codename in PAGE_PERMISSIONS:
                permission, _ = Permission.objects.get_or_create(
                    content_type=page_ct, codename=codename, defaults={"name": codename}
                )
                GroupPagePermission.objects.get_or_create(
                    group=group, page_id=home.pk, permission=permission
                )
        groups[name] = group

    task_ct, _ = ContentType.objects.get_or_create(
        app_label="wagtailcore", model="groupapprovaltask"
    )
    workflow = Workflow.objects.create(name="Testimony publishing", active=True)
    for order, (name, group) in enumerate(
        [("Consent verified", "Archivists"), ("Transcript reviewed", "Editors")]
    ):
        task = GroupApprovalTask.objects.create(name=name, content_type=task_ct, active=True)
        task.groups.add(groups[group])
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=order)
    if home is not None:
        WorkflowPage.objects.create(workflow=workflow, page_id=home.pk)


def remove_workflow(apps, schema_editor):
    apps.get_model("wagtailcore.Workflow").objects.filter(name="Testimony publishing").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0005_consent_embargo_lift"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
    ]

    operations = [migrations.RunPython(create_workflow, remove_workflow)]
