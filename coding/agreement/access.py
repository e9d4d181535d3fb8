"""Who may read agreement: the report, its exports, the API answer and the disagreement review."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext_lazy

from studies.access import StudyAccess, get_study_for_user

NOT_SHARED = gettext_lazy(
    "The agreement report is not shared with you: the study's owner decides "
    "(and it stays hidden while blind coding is on)."
)


def require_agreement_reader(access: StudyAccess) -> StudyAccess:
    """``access`` itself if the member may read the study's agreement (owners; others only
    as :attr:`studies.access.StudyAccess.can_read_agreement` allows), else PermissionDenied."""
    if not access.can_read_agreement:
        raise PermissionDenied(NOT_SHARED)
    return access


def agreement_reader(request: HttpRequest, study_id: int) -> StudyAccess:
    """The member's access to the study, if they may read its agreement."""
    return require_agreement_reader(get_study_for_user(request, study_id))
