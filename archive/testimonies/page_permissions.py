"""What the Wagtail admin lets each staff member do with a testimony page.

Wagtail asks a page's permission tester before it offers an action; for
testimony the answers come from archive.access:

- nobody publishes testimony directly, administrators included: it goes live
  only when its publishing workflow (consent verified, then transcript
  reviewed) is approved (archive/testimonies/workflow_finish.py is the workflow's finish);
- unpublishing narrows access, so any editor may;
- sealed and withdrawn testimony is not opened for editing by editors or
  archivists (administrators are asked for a reason when they open it).
"""

from __future__ import annotations

from wagtail.models import PagePermissionTester

from archive import access


class TestimonyPermissionTester(PagePermissionTester):
    def can_publish(self) -> bool:
        return False

    def can_unpublish(self) -> bool:
        if not self.user.is_active or not self.page.live or self.page_is_root:
            return False
        return access.is_staff_member(self.user) and not self.page_locked()

    def _may_open(self) -> bool:
        return access.admin_access(self.user, self.page) is not access.AdminAccess.REFUSED

    def can_edit(self) -> bool:
        return self._may_open() and super().can_edit()

    def can_view_revisions(self) -> bool:
        return self._may_open() and super().can_view_revisions()

    def can_copy(self) -> bool:
        # A copy would be a second page under the same consent, outside its history.
        return False
