"""Issue 12, Vietnamese side, session 4 round 3: the classes behind a fifth writer's queue (house_styles_4 read part).

Every report here was written for its class, none copied from a development, house-style or held-out set. Each
``*_CLASSES`` row failed before the change named in its comment (queued, or a region missed); the ``*_GUARDS``
rows pass before and after and keep the change from reading away a finding.
"""

from __future__ import annotations

import pytest

from rxlabel import labeler

from .test_vietnamese_generalisation import NORMAL, _check

BODY = "Phổi hai bên sáng. Tim không to. Góc sườn hoành nhọn."


@pytest.fixture(scope="module")
def vi():
    return labeler.load("vi")


# pack.yaml admin_patterns / admin_lines: form and letterhead line shapes that carry no reading. Serial and file
# numbers, an abbreviated letterhead, an English study title, a bilingual header with nothing after it, the
# check-up's purpose, a newborn's age line, the neonatal unit, a symptom line typed without its header.
FORM_CLASSES = [
    f"STT: 58   Mã hồ sơ: KSK-1204\n{BODY}",
    f"Số thứ tự: 45\n{BODY}",
    f"BVĐK HUYỆN - PHÒNG X QUANG\n{BODY}",
    f"BVDK THANH PHO\n{BODY}",
    f"Chest X-ray PA view\n{BODY}",
    f"CXR AP supine\n{BODY}",
    f"Chest radiograph, PA and lateral\n{BODY}",
    f"FINDINGS / Nhận xét:\n{BODY}",
    f"Purpose: pre-employment\n{BODY}",
    f"Sơ sinh non tháng 30 tuần.\n{BODY}",
    f"Ho khan, sốt nhẹ 5 ngày\n{BODY}",
]
# ... a finding on such a line or beside it is still read (the title with a colon passed before; the other three
# were queued before, by the form line), and lines that were already skipped stay skipped
FORM_GUARDS = [
    (f"Mục đích: khám tuyển lao động nước ngoài\n{BODY}", NORMAL),
    (f"Đơn nguyên Hồi sức sơ sinh\n{BODY}", NORMAL),
    ("Chest X-ray PA: tràn khí màng phổi phải. Tim không to.", (0, 1, 0, 0, 1)),
    ("STT: 12\nTràn dịch màng phổi trái lượng ít. Tim không to.", (0, 1, 0, 0, 1)),
    ("Sơ sinh đủ tháng, 2 ngày tuổi.\nMờ lan toả hai phổi. Tim không to.", (0, 0, 1, 0, 1)),
    ("Ho kéo dài.\nĐông đặc thuỳ dưới phổi phải. Tim không to.", (0, 0, 1, 0, 1)),
]



# findings_styles.yaml mastectomy: a breast removed is a chest-wall finding (it read nothing, the region was missed)
MASTECTOMY_CLASSES = [
    f"{BODY} Mất bóng vú phải.",
    f"{BODY} Tình trạng sau cắt tuyến vú trái.",
    f"{BODY} Đã cắt đoạn nhũ phải.",
]
MASTECTOMY_GUARDS = [
    (f"{BODY} Bóng mờ núm vú hai bên.", NORMAL),
]



# normals.yaml / findings_styles.yaml / templates.yaml: English terms of half-English reports, an English subject or
# predicate on either side of a Vietnamese one, and English finding terms inside a Vietnamese line (each queued)
ENGLISH_NORMAL_CLASSES = [
    f"{BODY}\nSoft tissue unremarkable.",
    f"{BODY}\nHai vòm hoành smooth, no free air.",
    f"{BODY}\nLung fields well expanded.",
    f"{BODY}\nHemidiaphragms smooth.",
    f"{BODY}\nXương sườn grossly intact.",
]
ENGLISH_FINDING_CLASSES = [
    ("Tim không to. Phổi sáng. Apical pleural thickening phải.", (0, 1, 0, 0, 1)),
    ("Tim không to. Phổi sáng. Small left effusion.", (0, 1, 0, 0, 1)),
    ("Phổi sáng. Tim không to. Blunting góc sườn hoành trái.", (0, 1, 0, 0, 1)),
    ("Tim không to. Lungs hyperinflated, flat diaphragms.", (0, 0, 1, 0, 1)),
    ("Tim không to. Phổi sáng. Fracture cung sau xương sườn 6 phải.", (1, 0, 0, 0, 1)),
    ("Phổi sáng. Tim không to. Degenerative changes cột sống ngực.", (1, 0, 0, 0, 1)),
    ("Phổi sáng. Calcified aortic knob, tortuous aorta.", (0, 0, 0, 1, 1)),
    ("Phổi sáng. Tim không to. Possible water bottle heart.", (0, 0, 0, 1, 1)),
    ("Tim không to. Phổi sáng. Elevated hemidiaphragm phải.", (0, 0, 0, 0, 1)),
    ("Phổi sáng. Chest tube màng phổi phải.", (0, 0, 0, 0, 1)),
]
# ... what was read stays read, and a negated English term stays absent
ENGLISH_GUARDS = [
    (f"{BODY}\nMàng phổi: no pneumothorax.", NORMAL),
    (f"{BODY}\nCostophrenic angles sharp hai bên.", NORMAL),
    (f"{BODY}\nBones intact.", NORMAL),
    (f"{BODY}\nMediastinum normal, không enlarged.", NORMAL),
    ("Tim không to. Góc sườn hoành nhọn. Reticular opacities đáy hai phổi.", (0, 0, 1, 0, 1)),
    ("Tim không to. Phổi sáng. No pleural effusion.", NORMAL),
    ("Tim không to. Phổi sáng. Không thấy effusion.", NORMAL),
    # unmarked Vietnamese is not read as English: "not" is "nốt" (an English "not" would block its restoration)
    ("Tim khong to. Not mo nho dinh phoi phai.", (0, 0, 1, 0, 1)),
]



# pack.yaml admin_patterns: a symptom line carrying a suspicion ("nghi ...") is the clinical question typed with no
# header; its diagnosis read as a finding (or queued the report) before
QUESTION_CLASSES = [
    f"Khó thở khi gắng sức, nghi tràn dịch màng phổi\n{BODY}",
    f"Sốt cao 3 ngày, nghi viêm phổi thuỳ\n{BODY}",
    f"Bé 3 tuổi, nghi dị vật đường thở.\n{BODY}",
    # a treatment ward heading the report names its disease, not a finding
    f"Khu cách ly lao - XQ ngực\n{BODY}",
    f"Khu điều trị sốt xuất huyết\n{BODY}",
]
# ... a symptom line without a suspicion is skipped and the finding after it read (it was queued before: admin_lines),
# and a suspicion without a symptom is still a hedged finding
QUESTION_GUARDS = [
    ("Khó thở.\nTràn dịch màng phổi phải. Tim không to.", (0, 1, 0, 0, 1)),
    (f"{BODY}\nNghi nốt mờ đỉnh phổi phải.", (0, 0, 1, 0, 1)),
]



# context.yaml: resolution and removal read after the finding ("đã tiêu hết", "đã được rút") and "hiện không còn"
# before it (its after-only cue took "không còn" from the finding that follows): each read present before
RESOLVED_CLASSES = [
    "Hiện không còn đám mờ thuỳ trên phổi phải. Tim không to.",
    "Đám mờ đáy phổi phải trên phim cũ đã tiêu hết. Tim không to.",
    f"Ống dẫn lưu màng phổi phải đã được rút. {BODY}",
]
RESOLVED_GUARDS = [
    ("Tràn dịch màng phổi trái hiện không còn. Tim không to.", NORMAL),
    ("Tiêu xương sườn 5 phải. Tim không to.", (1, 0, 0, 0, 1)),
    ("Ống dẫn lưu màng phổi phải. Tim không to.", (0, 0, 0, 0, 1)),
]


# Each table's rows, NORMAL for the plain class lists
ROWS = ([(t, NORMAL) for t in FORM_CLASSES] + FORM_GUARDS
        + [(t, (1, 0, 0, 0, 1)) for t in MASTECTOMY_CLASSES] + MASTECTOMY_GUARDS
        + [(t, NORMAL) for t in ENGLISH_NORMAL_CLASSES] + ENGLISH_FINDING_CLASSES + ENGLISH_GUARDS
        + [(t, NORMAL) for t in QUESTION_CLASSES] + QUESTION_GUARDS
        + [(t, NORMAL) for t in RESOLVED_CLASSES] + RESOLVED_GUARDS)


@pytest.mark.parametrize(("text", "expected"), ROWS)
def test_the_classes_of_a_fifth_writers_wording(vi, text, expected):
    _check(vi, text, expected)
