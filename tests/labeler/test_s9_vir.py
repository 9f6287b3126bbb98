"""Issue 12, Vietnamese side, session 9 (vir): wording families of the ordinary house styles (read parts of hs11-hs20)
and two silent errors — a lung not re-expanded after a pneumothorax, and a pneumothorax named before "đã rút dẫn lưu"
(findings_s9_vir.yaml).

Every report here was written for its class (none is copied from a development or house-style set). Each row of a
``*_CLASSES`` table failed before the change named in its comment; the ``*_GUARDS`` rows keep the change from reading
away what must stay.
"""

from __future__ import annotations

import pytest

from rxlabel import labeler

from .test_vietnamese_generalisation import NORMAL, _check

PLEURA = (0, 1, 0, 0, 1)
LUNG = (0, 0, 1, 0, 1)
HEART = (0, 0, 0, 1, 1)
WALL = (1, 0, 0, 0, 1)


@pytest.fixture(scope="module")
def vi():
    return labeler.load("vi")


# a lung not (yet) re-expanded is a pneumothorax still there (was a normal statement or a quiet sentence)
LUNG_NOT_EXPANDED = [
    ("Sau dẫn lưu màng phổi.\nPhổi phải chưa nở hoàn toàn.\nTim không to.", PLEURA),
    ("Phổi trái không nở sát thành ngực. Bóng tim không to.", PLEURA),
    ("Tim không to.\nNhu mô phổi phải vẫn chưa nở hết, còn khí đỉnh phổi.", PLEURA),
    ("Phổi phải nở chưa hoàn toàn. Tim không to.", PLEURA),
    ("Phoi trai chua no sat thanh nguc. Tim khong to.", PLEURA),
    ("Phổi phải nở kém. Tim không to.", PLEURA),
]
LUNG_EXPANDED_GUARDS = [
    ("Phổi phải nở tốt, sát thành ngực. Tim không to.", NORMAL),
    ("Phổi trái nở sát thành ngực. Không thấy tràn khí màng phổi. Tim không to.", NORMAL),
]

# "đã rút" with the device after it: the drain is what was removed, the pneumothorax named before it stays
DRAIN_REMOVED = [
    ("TKMP phải đã rút dẫn lưu.\nTim không to.", PLEURA),
    ("Tràn khí màng phổi trái đã rút ống dẫn lưu, còn ít khí đỉnh phổi.\nTim không to.", PLEURA),
    ("Tràn khí màng phổi phải vừa rút sonde dẫn lưu.\nTim không to.", PLEURA),
]
DRAIN_GUARDS = [
    # the bare verb after the device still removes it; a device alone makes no region
    ("Ống dẫn lưu màng phổi phải đã rút. Phổi phải nở tốt. Tim không to.", NORMAL),
    ("Tràn khí màng phổi đã hết. Tim không to.", NORMAL),
]

# findings_s9_vir.yaml wording families
WORDING_CLASSES = [
    # a fissure named with its size, thickened after it
    ("Tim không to.\nRãnh liên thuỳ lớn dày, có ít dịch.", PLEURA),
    ("Tim không to.\nMàng phổi: rãnh liên thuỳ bé dày nhẹ.", PLEURA),
    ("Tim không to.\nRãnh liên thuỳ ngang bên phải hơi dày.", PLEURA),
    # a costophrenic angle that lost its sharpness
    ("Tim không to.\nGóc sườn hoành phải mất sắc nét.", PLEURA),
    ("Tim không to.\nGóc sườn hoành trái không còn sắc nét.", PLEURA),
    # the pulmonary artery's arc bulging with its particle
    ("Phổi sáng.\nCung động mạch phổi vồng ra.", HEART),
    ("Phổi sáng.\nCung ĐMP lồi ra.", HEART),
    # a contusion named "dập" with the lung tissue
    ("Tim không to.\nDập nhu mô phổi phải sau chấn thương.", LUNG),
    # an interstitial opacity named with the tissue
    ("Tim không to.\nMờ mô kẽ lan toả hai phổi.", LUNG),
    # a honeycomb
    ("Tim không to.\nNhiều ổ sáng nhỏ dạng tổ ong vùng đáy phổi trái.", LUNG),
    # a calcified rim of the aortic knob
    ("Phổi sáng.\nCó viền vôi ở núm động mạch chủ.", HEART),
    # a soft-tissue shadow of the breast or axilla is of the chest wall, not the lung
    ("Phổi hai bên sáng. Tim không to.\nBóng mờ tròn phần mềm vùng vú trái, bờ đều.", WALL),
    # a lenticular shadow against the chest wall, read as fluid
    ("Tim không to.\nBóng mờ hình thấu kính sát thành ngực phải, nghĩ dịch khu trú.", PLEURA),
    # a calcified plaque along the pleura with its shape between
    ("Tim không to.\nCác mảng vôi dạng vệt dọc màng phổi thành bên trái.", PLEURA),
    # "ok" as the region's verdict
    ("Tim không to. Phổi sáng.\nKhung xương - phần mềm: xương đòn, xương sườn ok", NORMAL),
    ("Tim ok. Phổi OK. Màng phổi ok.", NORMAL),
]
WORDING_GUARDS = [
    # a lung opacity stays of the lung
    ("Tim không to.\nBóng mờ tròn đáy phổi phải.", LUNG),
    ("Tim không to.\nRãnh liên thuỳ bé không dày.", NORMAL),
    ("Tim không to.\nGóc sườn hoành hai bên sắc nét.", NORMAL),
    ("Phổi hai bên sáng. Tim không to.\nĐám mờ phần mềm vùng nách phải.", WALL),
]


@pytest.mark.parametrize(("text", "expected"), LUNG_NOT_EXPANDED + LUNG_EXPANDED_GUARDS + DRAIN_REMOVED + DRAIN_GUARDS
                         + WORDING_CLASSES + WORDING_GUARDS)
def test_s9_vir_classes(vi, text, expected):
    _check(vi, text, expected)


# step 2 -------------------------------------------------------------------------------------------------------------
# context.py _qualifies: a hedge inside a negation cue ("không thấy hình ảnh gợi ý") is the negated suggestion, so a list
# after it is denied to its last finding (was: the hedge alone reached the last one, read uncertain)
DENIED_SUGGESTIONS = [
    ("Tim không to.\nKhông thấy hình ảnh gợi ý tổn thương khí phế thũng hay xơ phổi.", NORMAL),
    ("Tim không to.\nChưa thấy dấu hiệu nghi ngờ tổn thương thâm nhiễm lao tiến triển hay xơ phổi.", NORMAL),
    ("Tim không to.\nKhông thấy hình ảnh nghĩ đến tổn thương dạng thâm nhiễm hay u phổi.", NORMAL),
]
SUGGESTION_GUARDS = [
    # a hedge of its own after a negated finding stays a hedge
    ("Tim không to.\nKhông thấy tràn dịch màng phổi, hình ảnh gợi ý viêm phổi thuỳ dưới phải.", LUNG),
]

# words_vi.py: a colon opens a field's value, so the word before it does not decide the reading of the word after it
# ("mang phoi:dinh mang phoi": "dính", not the "đỉnh" of "màng phổi đỉnh")
FIELD_VALUES = [
    ("Tim khong to.\nMang phoi:dinh mang phoi vung goc suon hoanh ben phai.", PLEURA),
]

# admin lines (pack.yaml): a chain's letterhead with its branch, a chest-and-abdomen film's title, the patient's
# complaint on a line of its own; a lung base hidden by fluid (findings_s9_vir.yaml)
ADMIN_CLASSES = [
    ("HỆ THỐNG CHẨN ĐOÁN HÌNH ẢNH - Chi nhánh Vĩnh Long\nTim không to. Phổi hai bên sáng.", NORMAL),
    ("HE THONG CHAN DOAN HINH ANH - CHI NHANH RACH GIA\nTim khong to. Hai phoi sang.", NORMAL),
    ("XQ ngực bụng thẳng\nTim không to. Phổi hai bên sáng.", NORMAL),
    ("Bà cụ té ngã ở nhà, đau lưng.\nTim không to. Phổi hai bên sáng.", NORMAL),
    ("Ông bị té xe máy, đau ngực phải.\nGãy cung bên xương sườn 6 phải. Phổi hai bên sáng.", WALL),
    ("Tim không to.\nPhổi phải khó đánh giá vùng đáy do dịch.", PLEURA),
    ("Tim không to.\nGóc sườn hoành trái khó đánh giá do dịch.", PLEURA),
]
ADMIN_GUARDS = [
    ("Tim khong to.\nMang phoi: dinh mang phoi day ben trai.", PLEURA),
    # a finding on the complaint's line is still read
    ("Bà cụ khó thở, tràn dịch màng phổi phải lượng vừa.\nTim không to.", PLEURA),
]


@pytest.mark.parametrize(("text", "expected"), DENIED_SUGGESTIONS + SUGGESTION_GUARDS + FIELD_VALUES + ADMIN_CLASSES
                         + ADMIN_GUARDS)
def test_s9_vir_step2(vi, text, expected):
    _check(vi, text, expected)


# step 3 -------------------------------------------------------------------------------------------------------------
STEP3_CLASSES = [
    # redistribution named by its direction (findings.yaml vascular redistribution)
    ("Tim không to.\nTái phân bố tuần hoàn lên đỉnh.", LUNG),
    ("Tim không to.\nTái phân bố tuần hoàn về phía đỉnh hai phổi.", LUNG),
    # the breast named first, the operation after it
    ("Phổi hai bên sáng. Tim không to.\nVú phải đã cắt.", WALL),
    ("Phổi hai bên sáng. Tim không to.\nTuyến vú trái đã cắt bỏ.", WALL),
    # a barrel chest
    ("Tim không to.\nLồng ngực hình thùng, vòm hoành thấp.", LUNG),
    # words_vi: the southern side "bên mặt" read as "bên phải" between a subject and its predicate
    ("Tim không lớn.\nMàng phổi bên mặt dầy nhẹ.", PLEURA),
    ("Tim không lớn.\nMàng phổi bên mặt dày.", PLEURA),
    # a heart border beside a lung opacity is no dextrocardia ("cạnh tim bên phải")
    ("Phổi: đám mờ cạnh tim bên phải, xoá bờ tim phải.\nTim không to.", LUNG),
]
STEP3_GUARDS = [
    # ... and so is one beside the southern side (the side rewrite must not make it one)
    ("Đám mờ cạnh tim bên mặt, có hình phế quản hơi.\nTim hổng lớn.", LUNG),
    ("Tim nằm bên phải, đảo ngược phủ tạng. Phổi hai bên sáng.", HEART),
    ("Bóng tim bên phải. Phổi hai bên sáng.", HEART),
    ("Phổi hai bên sáng. Tim không to. Mặt phẳng da thành ngực bình thường.", NORMAL),
]


@pytest.mark.parametrize(("text", "expected"), STEP3_CLASSES + STEP3_GUARDS)
def test_s9_vir_step3(vi, text, expected):
    _check(vi, text, expected)


# step 4 -------------------------------------------------------------------------------------------------------------
STEP4_CLASSES = [
    # words_vi _NEG_VALUES: a form's field answered with a denied verb of finding
    ("Tổn thương phổi: chưa ghi nhận\nMàng phổi: không dịch\nTim - trung thất: BT", NORMAL),
    ("Tổn thương phổi: không phát hiện\nTim không to.", NORMAL),
    ("Tràn dịch màng phổi: chưa phát hiện\nTim không to. Phổi sáng.", NORMAL),
    # pack.yaml admin_patterns: a reply letter restating the request it answers
    ("Về yêu cầu chụp X-quang ngực (nghi viêm phổi), chúng tôi xin trả lời như sau:\nTim không to. Phổi hai bên sáng.",
     NORMAL),
    ("Theo yêu cầu của khoa (TD lao phổi), chúng tôi xin trả lời như sau:\nTim không to. Phổi hai bên sáng.", NORMAL),
]
STEP4_GUARDS = [
    # a field answered with a finding is still read
    ("Tổn thương phổi: đám mờ thuỳ dưới phổi phải.\nTim không to.", LUNG),
    ("Tràn dịch màng phổi: ghi nhận lượng ít bên phải.\nTim không to.", PLEURA),
    # the reply's own findings typed after it on its line are read
    ("Chúng tôi xin trả lời: bóng tim to, phổi hai bên sáng.", HEART),
]


@pytest.mark.parametrize(("text", "expected"), STEP4_CLASSES + STEP4_GUARDS)
def test_s9_vir_step4(vi, text, expected):
    _check(vi, text, expected)


# step 5 -------------------------------------------------------------------------------------------------------------
STEP5_CLASSES = [
    # a collapsed lung sized as a share is the pneumothorax's size, not an atelectasis
    ("Tràn khí màng phổi trái, phổi trái xẹp khoảng 10%.\nTim không to.", PLEURA),
    ("Tim không to.\nPhổi phải xẹp ước chừng 30% do tràn khí.", PLEURA),
    # engine _clauses: a bracketed aside opening a sentence ends its cues' scope (the screening purpose "tầm soát" negated
    # the pneumothorax after the bracket)
    ("(tầm soát bệnh nghề nghiệp) Tràn khí khoang màng phổi trái.\nTim không to.", PLEURA),
    ("(Khám sàng lọc) Đám mờ đỉnh phổi phải.\nTim không to.", LUNG),
]
STEP5_GUARDS = [
    ("Tim không to.\nXẹp phổi trái.", LUNG),
    ("Không thấy (trên phim thẳng) tràn dịch màng phổi. Tim không to.", NORMAL),
    ("(Không thấy tràn dịch màng phổi.) Tim không to.", NORMAL),
]


@pytest.mark.parametrize(("text", "expected"), STEP5_CLASSES + STEP5_GUARDS)
def test_s9_vir_step5(vi, text, expected):
    _check(vi, text, expected)


# step 6 -------------------------------------------------------------------------------------------------------------
STEP6_CLASSES = [
    # a shadow the reader identifies as anatomy after it (a backward negation cue "là <anatomy>")
    ("Tim không to.\nBóng mờ đỉnh phổi phải là xương sườn chồng hình.", NORMAL),
    ("Tim không to.\nĐám mờ nhỏ đáy phổi trái là bóng cơ ngực.", NORMAL),
]
STEP6_GUARDS = [
    # a cause that is a disease stays read
    ("Tim không to.\nĐám mờ đáy phổi phải, tràn dịch màng phổi phải.", (0, 1, 1, 0, 1)),
    ("Tim không to. Khoang màng phổi 2 bên tự do.", NORMAL),
]


@pytest.mark.parametrize(("text", "expected"), STEP6_CLASSES + STEP6_GUARDS)
def test_s9_vir_step6(vi, text, expected):
    _check(vi, text, expected)
