"""The workflow's first step becomes a consent verification; nobody publishes testimony directly.

"Consent verified" was a plain group approval: approving it recorded nothing,
and Editors and Archivists held publish permission, so the page editor's
Publish went around the workflow. Now the step records who verified which
consent version, and the groups keep add and change only.
"""

from django.db import migrations

STEP = "Consent verified"


def forwards(apps, schema_editor):
    ContentType = apps.get_model("contenttypes.ContentType")
    GroupApprovalTask = apps.get_model("wagtailcore.GroupApprovalTask")
    ConsentVerificationTask = apps.get_model("archive.ConsentVerificationTask")
    WorkflowTask = apps.get_model("wagtailcore.WorkflowTask")
    GroupPagePermission = apps.get_model("wagtailcore.GroupPagePermission")

    task_ct, _ = ContentType.objects.get_or_create(
        app_label="archive", model="consentverificationtask"
    )
    for old in GroupApprovalTask.objects.filter(name=STEP):
        new = ConsentVerificationTask.objects.create(name=STEP, content_type=task_ct, active=True)
        new.groups.set(old.groups.all())
        WorkflowTask.objects.filter(task_id=old.pk).update(task_id=new.pk)
        old.active = False
        old.name = f"{STEP} (before verification was recorded)"
        old.save(update_fields=["active", "name"])

    GroupPagePermission.objects.filter(
        group__name__in=("Editors", "Archivists"), permission__codename="publish_page"
    ).delete()


def backwards(apps, schema_editor):
    GroupApprovalTask = apps.get_model("wagtailcore.GroupApprovalTask")
    ConsentVerificationTask = apps.get_model("archive.ConsentVerificationTask")
    WorkflowTask = apps.get_model("wagtailcore.WorkflowTask")
    for new in ConsentVerificationTask.objects.filter(name=STEP):
        old = GroupApprovalTask.objects.filter(name__startswith=f"{STEP} (").first()
        if old is not None:
            WorkflowTask.objects.filter(task_id=new.pk).update(task_id=old.pk)
            old.active = True
            old.name = STEP
            old.save(update_fields=["active", "name"])
        new.delete()


class Migration(migrations.Migration):
    dependencies = [("archive", "0010_consent_verification_archivists")]

    operations = [migrations.RunPython(forwards, backwards)]
