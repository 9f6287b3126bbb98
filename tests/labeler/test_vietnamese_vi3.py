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


@pytest.mark.parametrize(("text", "expected"), [(t, NORMAL) for t in FORM_CLASSES] + FORM_GUARDS)
def test_form_and_letterhead_lines_are_not_queued(vi, text, expected):
    _check(vi, text, expected)


# findings_styles.yaml mastectomy: a breast removed is a chest-wall finding (it read nothing, the region was missed)
MASTECTOMY_CLASSES = [
    f"{BODY} Mất bóng vú phải.",
    f"{BODY} Tình trạng sau cắt tuyến vú trái.",
    f"{BODY} Đã cắt đoạn nhũ phải.",
]
MASTECTOMY_GUARDS = [
    (f"{BODY} Bóng mờ núm vú hai bên.", NORMAL),
]


@pytest.mark.parametrize(("text", "expected"), [(t, (1, 0, 0, 0, 1)) for t in MASTECTOMY_CLASSES] + MASTECTOMY_GUARDS)
def test_a_removed_breast_is_a_chest_wall_finding(vi, text, expected):
    _check(vi, text, expected)
