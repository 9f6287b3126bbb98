"""Issue 12, Vietnamese side, session 6 (vi-f): false positives of a writer nobody had read (house_styles_14 read).

Every report here was written for its class (none is copied from a development or house-style set). Each row of a
``*_CLASSES`` table failed before the change named in its comment; the ``*_GUARDS`` rows keep the change from reading
away what must stay.
"""

from __future__ import annotations

import pytest

from rxlabel import labeler

from .test_vietnamese_generalisation import NORMAL, _check

BODY = "Phổi hai bên sáng. Tim không to. Góc sườn hoành nhọn. Xương lồng ngực bình thường."


@pytest.fixture(scope="module")
def vi():
    return labeler.load("vi")


# Southern speech: "hổng" is the spoken "không" (findings_s6_vif.yaml abbreviation), and "hkông" a typed slip of it.
SOUTHERN_NEGATION_CLASSES = [
    (f"{BODY}\nPhổi trái hổng thấy nốt mờ.", NORMAL),
    (f"{BODY}\nHổng tràn khí, hổng tràn dịch màng phổi hai bên.", NORMAL),
    (f"{BODY}\nMàng phổi hai bên hổng dầy dính.", NORMAL),
    (f"{BODY}\nPhần mềm thành ngực hổng thấy gì bất thường.", NORMAL),
    ("Phoi hai ben sang. Tim khong to.\nKhung xuong suon hong thay duong gay.", NORMAL),
    (f"{BODY}\nMàng phổi mỏng, hkông thấy tràn dịch.", NORMAL),
]
SOUTHERN_NEGATION_GUARDS = [
    (f"{BODY}\nHổng thấy tràn dịch màng phổi. Đám mờ đáy phổi phải.", (0, 0, 1, 0, 1)),
]

# A checklist's empty box before its item ("[  ] Khí phế thũng", a Word form's wider box; rules/vi/layout.yaml
# checklist/options absent) and the negation it is written as running into a finding that opens with "khí"
# ("ko Khí phế thũng": the pseudo cue "không khí" (air) hid the negation; engine.py Labeler._cue_span).
CHECKLIST_CLASSES = [
    (f"{BODY}\n[ ] Khí phế thũng", NORMAL),
    (f"{BODY}\n[  ] Tràn dịch màng phổi", NORMAL),
    (f"{BODY}\n[  ] Gãy xương sườn   [  ] Tràn khí màng phổi", NORMAL),
    (f"{BODY}\n[  ] Nốt / khối   [  ] Dụng cụ\n[  ] Khí phế thũng   [  ] Xẹp phổi", NORMAL),
    (f"{BODY}\nKết luận: [x] Bình thường   [  ] Bất thường", NORMAL),
    (f"{BODY}\nKhông khí phế thũng, không khí dưới da.", NORMAL),
]
CHECKLIST_GUARDS = [
    (f"{BODY}\n[x] Khí phế thũng   [  ] Tràn dịch màng phổi", (0, 0, 1, 0, 1)),
    (f"{BODY}\n[  ] Gãy xương sườn\n[x] Tràn khí màng phổi", (0, 1, 0, 0, 1)),
    (f"{BODY}\nHình ảnh không khí dưới da thành ngực trái.", (1, 0, 0, 0, 1)),
]

# The reason for the visit as clinics write it ("Khám vì: ...", the French "Renseignements cliniques: ...") is the
# request, not a finding (pack.yaml skip_sections).
INDICATION_CLASSES = [
    ("Khám vì: đau ngực, TD gãy xương sườn.\n" + BODY, NORMAL),
    ("Đến khám vì: ho kéo dài, nghi lao phổi.\n" + BODY, NORMAL),
    ("Renseignements cliniques: sốt, TD viêm phổi.\n" + BODY, NORMAL),
]

# "giày" for "dày" (gi/d typed by their sound: "dạ giày", "màng phổi giày"); it was corrected to "gãy" (fracture).
SOUND_SPELLING_CLASSES = [
    (f"{BODY}\nSonde dạ giày, đầu ống dưới hoành.", (0, 0, 0, 0, 1)),
    (f"{BODY}\nBóng hơi dạ giày bình thường.", NORMAL),
]

# Voice dictation: a spoken retraction withdraws what was said since the last stop ("bóng tim to ờ sửa lại bóng tim
# không to"; rules/vi/layout.yaml dictation words).
RETRACTION_CLASSES = [
    ("phổi hai bên sáng chấm xuống dòng bóng tim to ờ sửa lại bóng tim không to chấm góc sườn hoành nhọn chấm hết",
     NORMAL),
    ("phổi trái à xin lỗi phổi phải có đám mờ đáy chấm xuống dòng tim không to chấm hết", (0, 0, 1, 0, 1)),
    ("phổi hai bên sáng chấm tràn dịch màng phổi phải ờ xin lỗi không tràn dịch màng phổi chấm tim không to chấm hết",
     NORMAL),
]
RETRACTION_GUARDS = [
    ("phổi phải có đám mờ đáy chấm bóng tim to ờ sửa lại bóng tim không to chấm hết", (0, 0, 1, 0, 1)),
]

# The older doctor's French and bare nouns (findings_s6_vif.yaml): "tù cul-de-sac (P)" is a blunted costophrenic
# angle ("cul-de-sac libres" the normal one), "Hang đáy phổi (T)" a cavity; a device "đã tháo bỏ" is gone; a suspicion
# under a condition of the advice ("nếu lâm sàng còn nghi u phổi") is not asserted; "dày nhẹ màng phổi" is pleural
# thickening with its degree word inside.
WORDING_CLASSES = [
    (f"{BODY}\nMàng phổi: tù cul-de-sac (P).", (0, 1, 0, 0, 1)),
    (f"{BODY}\nKết luận: hang đỉnh phổi phải.", (0, 0, 1, 0, 1)),
    (f"{BODY}\nỐng dẫn lưu màng phổi phải đã tháo bỏ.", NORMAL),
    (f"{BODY} Đề nghị chụp CT nếu lâm sàng vẫn nghi ngờ lao phổi.", NORMAL),
    (f"{BODY}\nDày nhẹ màng phổi thành ngực phải.", (0, 1, 0, 0, 1)),
    (f"{BODY}\nDay it mang phoi dinh trai.", (0, 1, 0, 0, 1)),
]
WORDING_GUARDS = [
    (f"{BODY}\nMàng phổi: cul-de-sac hai bên libres.", NORMAL),
    (f"{BODY}\nNghi lao phổi thùy trên phải.", (0, 0, 1, 0, 1)),
]

# The older doctor's French fields, organs, film titles and signature (findings_s6_vif.yaml abbreviations, pack.yaml
# admin_lines; also a dictation's own heading):
# "Poumons:", "Squelette:", "Cœur:", "Médiastin" read as the Vietnamese field, "Cliché thoracique de face" is the title,
# "emphysème sous-cutané" is air under the skin (chest wall), not the lung's emphysema.
FRENCH_CLASSES = [
    ("Cliché thoracique de face.\n" + BODY, NORMAL),
    ("Radiographie pulmonaire de face (PA).\n" + BODY, NORMAL),
    (f"{BODY}\n– Poumons: phế quản không dày.", NORMAL),
    (f"{BODY}\n– Squelette: chưa thấy gì lạ.", NORMAL),
    (f"{BODY}\n– Médiastin giãn rộng.", (0, 0, 0, 1, 1)),
    (f"{BODY}\nEmphysème sous-cutané thành ngực phải.", (1, 0, 0, 0, 1)),
    (f"{BODY}\nNgoài lồng ngực / khác: không thấy gì lạ.", NORMAL),
    (f"{BODY}\nLe médecin: Bs. Lan", NORMAL),
    ("KẾT QUẢ ĐỌC BẰNG GIỌNG NÓI CHƯA SOÁT LẠI.\n" + BODY, NORMAL),
]
FRENCH_GUARDS = [
    (f"{BODY}\n– Cœur: không to.", NORMAL),
    (f"{BODY}\nNgoài lồng ngực / khác: máy tạo nhịp dưới da ngực trái.", (0, 0, 0, 0, 1)),
    (f"{BODY}\nKhí phế thũng hai phổi.", (0, 0, 1, 0, 1)),
]

# A checklist numbered like a list ("1. [ ] Nốt / khối") and a field whose one value is its box ("Nốt / khối: [ ]")
# (layout.py _PLAIN_BULLET, Layout._checkbox).
FORM_BOX_CLASSES = [
    (f"{BODY}\n1. [ ] Nốt / khối\n2. [ ] Tràn dịch màng phổi", NORMAL),
    (f"{BODY}\nNốt / khối: [ ]\nTràn khí màng phổi: [  ]", NORMAL),
]
FORM_BOX_GUARDS = [
    (f"{BODY}\n1. [ ] Nốt / khối\n2. [x] Tràn dịch màng phổi", (0, 1, 0, 0, 1)),
    (f"{BODY}\nNốt / khối: [x]", (0, 0, 1, 0, 1)),
]


CASES = (SOUTHERN_NEGATION_CLASSES + SOUTHERN_NEGATION_GUARDS + CHECKLIST_CLASSES + CHECKLIST_GUARDS + INDICATION_CLASSES
         + SOUND_SPELLING_CLASSES + RETRACTION_CLASSES + RETRACTION_GUARDS + WORDING_CLASSES + WORDING_GUARDS
         + FRENCH_CLASSES + FRENCH_GUARDS + FORM_BOX_CLASSES + FORM_BOX_GUARDS)


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_class(vi, text, expected):
    _check(vi, text, expected)
