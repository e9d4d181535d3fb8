"""What each audit action id (``code.update``, ``theme.merged``…) is called for a reader.

The audit log stores ids; a document a reader sees (the methods appendix) names them with
these labels in the interface language. An id without a label here reads as its object in
words and the id itself (never an empty cell).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy, pgettext_lazy

from coding.history.forms import kind_word

ACTION_LABELS = {
    "assignment.done": gettext_lazy("Assignment marked done"),
    "assignment.undone": gettext_lazy("Assignment reopened"),
    "assignment.update": gettext_lazy("Assignments changed"),
    "attribute.create": gettext_lazy("Attribute defined"),
    "attribute.update": gettext_lazy("Attribute changed"),
    "attribute.delete": gettext_lazy("Attribute deleted"),
    "calibration.create": gettext_lazy("Calibration round opened"),
    "calibration.answer": gettext_lazy("Calibration excerpt coded"),
    "calibration.close": gettext_lazy("Calibration round closed"),
    "calibration.reopen": gettext_lazy("Calibration round reopened"),
    "code.create": gettext_lazy("Code created"),
    "code.update": gettext_lazy("Code edited"),
    "code.move": gettext_lazy("Code moved"),
    "code.merge": gettext_lazy("Codes merged"),
    "code.archive": gettext_lazy("Code archived"),
    "code.unarchive": gettext_lazy("Code brought back from the archive"),
    "code.restore": gettext_lazy("Code restored"),
    "code.adopt": gettext_lazy("Proposed code adopted"),
    "codebook.import": gettext_lazy("Codebook imported"),
    "codebook.reason": gettext_lazy("Reason for a codebook change recorded"),
    "codebook.version": gettext_lazy("Codebook version frozen"),
    "consensus.decide": gettext_lazy("Consensus decision"),
    "consensus.undo": gettext_lazy("Consensus decision undone"),
    "consensus.copy_agreed": gettext_lazy("Agreed passages copied into the consensus layer"),
    "consensus.codebook_change": gettext_lazy("Consensus decision linked to a codebook change"),
    "exemplar.create": gettext_lazy("Exemplar quote chosen"),
    "exemplar.delete": gettext_lazy("Exemplar quote removed"),
    "group.create": gettext_lazy("Stakeholder group added"),
    "group.rename": gettext_lazy("Stakeholder group renamed"),
    "group.move": gettext_lazy("Stakeholder groups reordered"),
    "group.delete": gettext_lazy("Stakeholder group deleted"),
    "invitation.create": gettext_lazy("Invitation sent"),
    "invitation.decline": gettext_lazy("Invitation declined"),
    "invitation.revoke": gettext_lazy("Invitation withdrawn"),
    "journal.create": gettext_lazy("Journal entry written"),
    "journal.update": gettext_lazy("Journal entry edited"),
    "member.add": gettext_lazy("Member added"),
    "member.remove": gettext_lazy("Member removed"),
    "member.role": gettext_lazy("Member's role changed"),
    "memo.create": gettext_lazy("Memo written"),
    "memo.update": gettext_lazy("Memo edited"),
    "memo.delete": gettext_lazy("Memo deleted"),
    "memo.restore": gettext_lazy("Memo restored"),
    "participant.create": gettext_lazy("Participant added"),
    "participant.update": gettext_lazy("Participant edited"),
    "participant.import": gettext_lazy("Participants imported"),
    "participant.delete": gettext_lazy("Participant deleted"),
    "participant.restore": gettext_lazy("Participant restored"),
    "portrait.update": gettext_lazy("Participant portrait edited"),
    "refi.import": gettext_lazy("Project imported (REFI-QDA)"),
    "sampler.draw": gettext_lazy("Double-coding sample drawn"),
    "segment.create": gettext_lazy("Segment coded"),
    "segment.update": gettext_lazy("Segment edited"),
    "segment.delete": gettext_lazy("Segment deleted"),
    "segment.memo": gettext_lazy("Segment note edited"),
    "segment.reviewed": gettext_lazy("Changed segment reviewed"),
    "segment.undo": gettext_lazy("Coding undone"),
    "segment.batch": gettext_lazy("Segments changed together"),
    "segment.autocode": gettext_lazy("Passages auto-coded"),
    "segment.autocode_undo": gettext_lazy("Auto-coding undone"),
    "study.create": gettext_lazy("Study created"),
    "study.update": gettext_lazy("Study settings changed"),
    "study.delete": gettext_lazy("Study deleted"),
    "theme.created": gettext_lazy("Theme created"),
    "theme.renamed": gettext_lazy("Theme renamed"),
    "theme.edited": gettext_lazy("Theme's central concept reworded"),
    "theme.split": gettext_lazy("Theme split"),
    "theme.merged": gettext_lazy("Themes merged"),
    "theme.status": gettext_lazy("Theme status changed"),
    "theme.codes": gettext_lazy("Theme's codes changed"),
    "theme.through_line": gettext_lazy("Theme's through-line memo edited"),
    "token.create": gettext_lazy("API token created"),
    "token.revoke": gettext_lazy("API token revoked"),
    "transcript.upload": gettext_lazy("Transcript uploaded"),
    "transcript.bulk_import": gettext_lazy("Transcripts imported from a zip"),
    "transcript.update": gettext_lazy("Transcript details edited"),
    "transcript.text": gettext_lazy("Transcript text edited"),
    "transcript.media": gettext_lazy("Recording attached"),
    "transcript.media_remove": gettext_lazy("Recording removed"),
    "transcript.delete": gettext_lazy("Transcript deleted"),
    "transcript.restore": gettext_lazy("Transcript restored"),
    "wave.create": gettext_lazy("Wave added"),
    "wave.rename": gettext_lazy("Wave renamed"),
    "wave.move": gettext_lazy("Waves reordered"),
    "wave.delete": gettext_lazy("Wave deleted"),
}
_UNKNOWN = pgettext_lazy("audit action", "%(object)s (%(action)s)")


def action_label(action: str) -> str:
    """``code.update`` -> "Code edited" in the interface language; an id without a label:
    its object in words and the id, "segment (segment.split)"."""
    label = ACTION_LABELS.get(action)
    if label is not None:
        return str(label)
    kind = action.split(".", 1)[0]
    return str(_UNKNOWN) % {"object": kind_word(kind), "action": action}
