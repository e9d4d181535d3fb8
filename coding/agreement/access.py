"""Who may read agreement: the report, its exports and the disagreement review."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from studies.access import StudyAccess, get_study_for_user


def agreement_reader(request: HttpRequest, study_id: int) -> StudyAccess:
    """The member's access to the study, if they may read its agreement (owners; others
    only as :attr:`studies.access.StudyAccess.can_read_agreement` allows)."""
    access = get_study_for_user(request, study_id)
    if not access.can_read_agreement:
        raise PermissionDenied(
            "The agreement report is not shared with you: the study's owner decides "
            "(and it stays hidden while blind coding is on)."
        )
    return access
