"""The demo codebook's second language (issue 15): Traditional Chinese as a Hong Kong
research team writes it (書面語), one entry per code name of ``workbench/demo/codebook.py``.

Kept apart from ``build.py`` so that changes to the demo's other parts merge cleanly.
"""

from __future__ import annotations

from coding.models import Code
from studies.models import Study

LANGUAGE = ("zh-Hant-HK", "繁體中文（香港）")

#: English name → (中文名稱, 定義). A definition left empty is written later by the team.
NAMES_ZH: dict[str, tuple[str, str]] = {
    "Role and identity": (
        "角色與身份",
        "朋輩支援工作員如何理解這個介乎服務使用者與職員之間的新角色，以及別人如何理解他們。",
    ),
    "Role confusion": ("角色混淆", "不清楚朋輩支援角色的內容和界線，或懷疑自己是否準備好。"),
    "Unclear job description": ("職責不清", ""),
    "Anxiety about readiness": ("擔心未準備好", ""),
    "Feeling like an impostor": ("覺得自己不配", ""),
    "Peer identity": ("朋輩身份", "由親身經歷及介乎兩者之間的位置所形成的身份。"),
    "In-between identity": ("夾在中間的身份", ""),
    "Recovery story as identity": ("以復元故事為身份", ""),
    "Training experience": ("培訓經驗", "對朋輩支援培訓課程的看法，以及課程與實際工作的關係。"),
    "Useful training content": ("有用的培訓內容", ""),
    "Gaps between training and practice": ("培訓與實務的落差", ""),
    "Boundaries and disclosure": (
        "界線與自我披露",
        "處理朋輩關係的界線，以及決定向誰、何時、披露多少個人經歷。",
    ),
    "Boundary setting": ("設立界線", ""),
    "Friendship or professional relationship": ("朋友還是專業關係", ""),
    "Contact outside work": ("工作以外的接觸", ""),
    "Saying no": ("拒絕要求", ""),
    "Self-disclosure": ("自我披露", "分享或保留自己的精神健康經歷。"),
    "Purposeful disclosure": ("有目的的披露", ""),
    "Fear of disclosure": ("害怕披露", ""),
    "Disclosure to colleagues": ("向同事披露", ""),
    "Emotional load": ("情緒負荷", "工作帶來的情緒代價，以及如何處理。"),
    "Triggering experiences": ("觸發舊有經歷", ""),
    "Self-care strategies": ("自我照顧方法", ""),
    "Lived experience as an asset": (
        "親身經歷是資產",
        "精神病的親身經歷成為工作中信任、知識和希望的來源。",
    ),
    "Trust and rapport": ("信任與關係", ""),
    "Being understood": ("被理解", ""),
    "Equal relationship": ("平等的關係", ""),
    "Earning trust over time": ("慢慢建立信任", ""),
    "Experiential knowledge": ("經驗知識", "從與精神病共處中得來的知識，以及它帶來的希望。"),
    "Practical tips from experience": ("從經驗而來的實用貼士", ""),
    "Shared language": ("共同語言", ""),
    "Role model of recovery": ("復元的榜樣", ""),
    "Stigma and family": ("污名與家人", "圍繞精神病的污名，以及家人對工作員和服務使用者的影響。"),
    "Stigma": ("污名", ""),
    "Self-stigma": ("自我污名", ""),
    "Public stigma": ("公眾污名", ""),
    "Stigma in the workplace": ("職場污名", ""),
    "Family support": ("家人支持", "家人如何回應病患、工作和服務。"),
    "Family encouragement": ("家人鼓勵", ""),
    "Family worries": ("家人擔心", ""),
    "Repaired family relationships": ("家庭關係修補", ""),
    "Benefits": ("得益", "朋輩支援為工作員本身及服務使用者帶來的好處。"),
    "Benefits for peer workers": ("朋輩支援工作員的得益", ""),
    "Personal recovery through work": ("透過工作復元", ""),
    "Confidence and self-worth": ("信心與自我價值", ""),
    "Financial independence": ("經濟獨立", ""),
    "Benefits for service users": ("服務使用者的得益", ""),
    "Engagement with services": ("參與服務", ""),
    "Social connection": ("社交連繫", ""),
    "Steps towards goals": ("邁向目標", ""),
    "Work conditions": ("工作條件", "朋輩支援的機構層面：團隊、督導、薪酬及合約。"),
    "Team and supervision": ("團隊與督導", ""),
    "Supportive supervision": ("支持性督導", ""),
    "Team acceptance": ("團隊接納", ""),
    "Unclear division of labour": ("分工不清", ""),
    "Pay and contracts": ("薪酬與合約", ""),
    "Low pay": ("薪酬偏低", ""),
    "Short-term contracts": ("短期合約", ""),
    "Career progression": ("晉升發展", ""),
}


def add_second_language(study: Study, codes) -> None:
    """Make Traditional Chinese the demo study's second codebook language and give its
    codes (``codes``: the created codes, any iterable) their Chinese names and definitions.
    One update per table."""
    study.codebook_language2, study.codebook_language2_name = LANGUAGE
    study.save(update_fields=["codebook_language2", "codebook_language2_name"])
    changed = []
    for code in codes:
        entry = NAMES_ZH.get(code.name)
        if entry is None:
            continue
        code.name2, code.description2 = entry
        changed.append(code)
    Code.objects.bulk_update(changed, ["name2", "description2"])
