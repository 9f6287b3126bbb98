"""Issue 12, Vietnamese side, session 5 (vi3): the classes behind a tenth writer's queue (house_styles_10 read part:
a teleradiology service, a thoracic surgery ward's post-operative films, a cardiology institute, an obstetric
hospital's pre-operative films).

Every report here was written for its class, none copied from a development, house-style or held-out set. Each
``*_CLASSES`` row failed before the change named in its comment (queued, or a region wrong); the ``*_GUARDS`` rows
keep the change from reading away a finding (two of them failed before too: the procedure and pregnancy lines beside a
finding were queued or read present).
"""

from __future__ import annotations

import pytest

from rxlabel import labeler

from .test_vietnamese_generalisation import NORMAL, _check

BULLETS = "- Phổi hai bên sáng.\n- Góc sườn hoành hai bên nhọn.\n- Tim không to."


@pytest.fixture(scope="module")
def vi():
    return labeler.load("vi")


# pack.yaml skip_sections: the operation done, as the post-operative film's first field. It names what was removed or
# treated (bullae, a tumour, a pneumothorax, a pleurodesis), never what this film shows (read present before)
PROCEDURE_CLASSES = [
    (f"Phẫu thuật: cắt kén khí đỉnh phổi trái ngày 12/03.\n{BULLETS}", NORMAL),
    (f"Phau thuat: cat u phoi phai qua noi soi.\n{BULLETS}", NORMAL),
    (f"PHẪU THUẬT: NỘI SOI ĐIỀU TRỊ TRÀN KHÍ MÀNG PHỔI TRÁI TÁI PHÁT.\n{BULLETS}", NORMAL),
    (f"Phương pháp mổ: gây dính màng phổi phải.\n{BULLETS}", NORMAL),
    (f"Chẩn đoán sau mổ: u phổi thùy dưới trái.\n{BULLETS}", NORMAL),
    (f"Tên phẫu thuật: bóc vỏ màng phổi phải.\n{BULLETS}", NORMAL),
]
PROCEDURE_GUARDS = [
    ("Phẫu thuật: cắt kén khí đỉnh phổi phải.\n- Tràn khí màng phổi phải lượng ít.\n- Tim không to.", (0, 1, 0, 0, 1)),
    ("Phẫu thuật: cắt thùy trên phổi trái.\n- Đông đặc thùy dưới phổi trái.\n- Tim không to.", (0, 0, 1, 0, 1)),
]

# pack.yaml admin_lines: the teleradiology title and approval lines, and a surgery ward's film title (each queued)
TITLE_CLASSES = [
    f"X-QUANG (ĐỌC TỪ XA)\n{BULLETS}",
    f"Phim đọc từ xa – trung tâm chẩn đoán\n{BULLETS}",
    f"{BULLETS}\nDuyệt kết quả: BS CKI T.V.A",
    f"{BULLETS}\nNgười duyệt: BS Lê B",
    f"X quang ngực hậu phẫu (N4)\n{BULLETS}",
    f"XQ tim phổi hậu phẫu N2\n{BULLETS}",
    f"X quang lồng ngực sau phẫu thuật (N3)\n{BULLETS}",
]

# pack.yaml admin_patterns: the obstetric pre-operative pregnancy line, typed with no header; it is the clinical
# question ("nghe tim có tiếng thổi"), and "vết mổ cũ" would be corrected to "vệt mờ" (each queued)
PREGNANCY_CLASSES = [
    f"Sản phụ 27 tuổi, thai 39 tuần.\n{BULLETS}",
    f"Con rạ, thai 36 tuần, vết mổ cũ – chụp phổi trước mổ.\n{BULLETS}",
    f"San phu 30 tuoi – thai 38 tuan – mo lay thai chu dong.\n{BULLETS}",
    f"Thai phụ 34 tuổi, nghe tim có tiếng thổi, chụp trước mổ lấy thai.\n{BULLETS}",
    f"Thai 40 tuần, tiền sản giật, chụp trước mổ.\n{BULLETS}",
]
PREGNANCY_GUARDS = [
    ("Sản phụ 27 tuổi, thai 39 tuần.\n- Tràn dịch màng phổi phải lượng ít.\n- Tim không to.", (0, 1, 0, 0, 1)),
]

# pack.yaml admin_patterns: the lead shield line of a pregnant patient's film, in its wordings (each queued)
SHIELD_CLASSES = [
    f"Có mặc tạp dề chì bảo vệ thai.\n{BULLETS}",
    f"{BULLETS}\nĐã che chắn vùng bụng bằng áo chì.",
    f"Che chắn tử cung bằng tấm chì.\n{BULLETS}",
    f"Bảo vệ vùng bụng – chậu bằng áo chì trong khi chụp.\n{BULLETS}",
    f"Da dat tam chi che tu cung, chup mot phim thang duy nhat.\n{BULLETS}",
    f"Đeo yếm chì khi chụp.\n{BULLETS}",
]

# findings_hs10.yaml: the cardiology institute's left ventricle, its lower left arc and apex (queued, or cardio 0)
HEART_CLASSES = [
    ("1. Tim: Cung dưới trái tròn, phồng, mỏm tim hạ thấp.\n2. Phổi: sáng.", (0, 0, 0, 1, 1)),
    ("Phổi sáng. Cung dưới trái hơi tròn. Góc sườn hoành nhọn.", (0, 0, 0, 1, 1)),
    ("Kết luận: Lớn thất trái.", (0, 0, 0, 1, 1)),
    ("Thất trái lớn. Phổi sáng.", (0, 0, 0, 1, 1)),
    ("Phổi sáng. Mỏm tim hạ xuống.", (0, 0, 0, 1, 1)),
    # interstitial oedema of a congested heart
    ("Phổi: Phù mô kẽ do ứ huyết. Tim không to.", (0, 0, 1, 0, 1)),
]
HEART_GUARDS = [
    ("Cung dưới trái bình thường. Phổi sáng.", NORMAL),
    ("Không thấy hình ảnh phù mô kẽ. Tim không to. Phổi sáng.", NORMAL),
]

# findings_hs10.yaml: a staple line is metal left on purpose: abnormal, no region (queued)
STAPLE_CLASSES = [
    ("- Đường stapler vùng đỉnh phổi (T).\n- Phổi hai bên sáng.\n- Tim không to.", (0, 0, 0, 0, 1)),
    ("- Đường ghim khâu máy thùy trên phổi phải.\n- Tim không to.", (0, 0, 0, 0, 1)),
]

# findings_hs10.yaml + templates.yaml: the breasts' soft-tissue shadow is anatomy (parenchyma 1 or queued before)
ANATOMY_CLASSES = [
    f"Bóng mờ phần mềm tuyến vú hai bên chồng lên đáy phổi.\n{BULLETS}",
    f"Bong mo phan mem tuyen vu hai ben chong len day phoi.\n{BULLETS}",
]

# findings_hs10.yaml excludes + pack.yaml admin_lines: the lesion an operation removed is gone (read present before)
RESECTED_CLASSES = [
    ("=> Sau cắt kén khí: dẫn lưu màng phổi đúng vị trí, phổi nở tốt.", (0, 0, 0, 0, 1)),
    (f"Tình trạng sau mổ cắt u phổi trái.\n{BULLETS}", NORMAL),
    (f"Đã cắt bỏ nốt phổi phải qua nội soi.\n{BULLETS}", NORMAL),
]
RESECTED_GUARDS = [
    ("Sau cắt thùy trên phổi phải. Tim không to.", (0, 0, 1, 0, 1)),
    ("Sau mổ tràn khí màng phổi phải. Tim không to.", (0, 1, 0, 0, 1)),
    ("Kén khí đỉnh phổi phải. Tim không to.", (0, 0, 1, 0, 1)),
]

# context.yaml: a finding "seen on the earlier film, gone now" ("thấy" no longer ends the scope; read present before)
RESOLVED_CLASSES = [
    ("- Dải xẹp phổi thấy hôm trước nay không còn.\n- Tim không to.", NORMAL),
    ("- Tràn khí màng phổi phải thấy trên phim cũ nay đã hết.\n- Tim không to.", NORMAL),
]
RESOLVED_GUARDS = [
    ("- Xẹp phổi thùy dưới phải thấy hôm qua nay vẫn còn.\n- Tim không to.", (0, 0, 1, 0, 1)),
]

# findings_hs10.yaml: calcified nodes on both sides are hilar (queued)
HILAR_CLASSES = [
    ("Nhu mô phổi: sáng.\nRốn phổi: Hạch vôi hai bên.\nTim không to.", (0, 0, 1, 0, 1)),
    ("Các hạch vôi hoá hai rốn phổi. Tim không to.", (0, 0, 1, 0, 1)),
]


# pack.yaml admin_patterns: the clinical-question and history lines typed without diacritics (a district hospital's
# style; their marked patterns did not see them, and restoration made "5 nằm", "so sánh", "du phải do": read present)
UNACCENTED_CLASSES = [
    ("Phoi hai ben sang. Tim khong to. Tien su lao phoi cach 3 nam, da dieu tri du phac do.", NORMAL),
    ("Phoi hai ben sang. Tim khong to. Tien su: dieu tri lao phoi nam 2016, da khoi.", NORMAL),
    ("Be 3 tuoi, nghi hit di vat.\nPhoi hai ben sang. Tim khong to.", NORMAL),
    ("Benh nhi so sinh 4 ngay, tho nhanh, nghi viem phoi.\nPhoi hai ben sang. Tim khong to.", NORMAL),
    ("kho tho, nghi suy tim\nPhoi hai ben sang. Tim khong to. Goc suon hoanh nhon.", NORMAL),
    ("dau nguc sau nga xe, nghi gay xuong suon\nPhoi hai ben sang. Tim khong to. Xuong suon lien tuc.", NORMAL),
    # a sternotomy typed without diacritics ("mở" restored "mỏ": an osteophyte, chest wall 1 before)
    ("Phoi hai ben sang. Tim khong to. Sau mo mo xuong uc.", NORMAL),
]
UNACCENTED_GUARDS = [
    ("Phổi sáng. Tiền sử lao phổi đã điều trị, hiện xơ vôi đỉnh phổi phải.", (0, 0, 1, 0, 1)),
    ("Phoi sang. Tien su lao phoi da dieu tri, nay con xo voi dinh phoi phai.", (0, 0, 1, 0, 1)),
    ("Mỏ xương bờ trước thân đốt sống ngực. Tim không to.", (1, 0, 0, 0, 1)),
]


ROWS = (PROCEDURE_CLASSES + PROCEDURE_GUARDS + [(t, NORMAL) for t in TITLE_CLASSES]
        + [(t, NORMAL) for t in PREGNANCY_CLASSES] + PREGNANCY_GUARDS + [(t, NORMAL) for t in SHIELD_CLASSES]
        + HEART_CLASSES + HEART_GUARDS + STAPLE_CLASSES + [(t, NORMAL) for t in ANATOMY_CLASSES]
        + RESECTED_CLASSES + RESECTED_GUARDS + RESOLVED_CLASSES + RESOLVED_GUARDS + HILAR_CLASSES
        + UNACCENTED_CLASSES + UNACCENTED_GUARDS)


@pytest.mark.parametrize(("text", "expected"), ROWS)
def test_the_classes_of_a_tenth_writer(vi, text, expected):
    _check(vi, text, expected)
