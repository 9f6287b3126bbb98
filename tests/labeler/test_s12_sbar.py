"""Session 12, sbar (issue 12, Vietnamese): documents that are not plain reports. An SBAR ward-handover note reads
only its assessment's film quotation (situation / background are history, the recommendation is advice)."""

import pytest

from rxlabel.labeler import Labeler
from rxlabel.schema import REGION_COLUMNS


@pytest.fixture(scope="module")
def vi():
    return Labeler("vi")


def _regions(result):
    return {r: int(result.regions.get(r, 0) != 0) for r in REGION_COLUMNS}


def _want(*positive):
    want = {r: int(r in positive) for r in REGION_COLUMNS}
    want["abnormal"] = int(bool(positive))
    return want


# (text, regions labelled 1): each note is labelled automatically (no review) with these regions only.
SBAR = [
    # history in S / B is dropped, vital signs before the film quotation are not a reason to review
    ("[Giao ca tối] G3, K.Nội\nS: BN nữ 65t, viêm phổi thuỳ dưới phải đang điều trị.\nB: tiền sử lao phổi cũ.\n"
     "A: M 90, HA 120/70, SpO2 95%. XQ ngực sáng nay: bóng tim to, hai phổi sáng.\nR: đề nghị siêu âm tim.",
     ("cardio",)),
    # typed without diacritics, the effusion of the situation has resolved on today's film
    ("SBAR - giao ban sang\nS: bn nam 70t, tran dich mang phoi phai.\nB: da choc thao 300 ml hom qua.\n"
     "A: T 37.2, SpO2 97%. XQ phoi kiem tra: khong con tran dich, goc suon hoanh hai ben nhon.\nR: cho ra vien.",
     ()),
    # the labels written out in words
    ("Bàn giao bệnh nhân\nTình trạng: BN nam 58t, khó thở, nghi tràn dịch màng phổi.\nBối cảnh: hút thuốc 30 năm.\n"
     "Đánh giá: HA 130/80, SpO2 91%. X-quang ngực tại giường: tràn khí màng phổi trái lượng ít.\n"
     "Đề xuất: hội chẩn ngoại lồng ngực.", ("pleura",)),
    # an assessment that quotes no film label is read whole
    ("S: BN nam 45t, ngã xe máy.\nB: không có bệnh nền.\nA: gãy cung sau xương sườn 6 trái.\nR: giảm đau, tập thở.",
     ("chest_wall",)),
]


# Guards: a plain report with labelled lines, and a note with fewer than three SBAR sections, read as before.
GUARDS = [
    ("Tim: không to.\nPhổi: tràn dịch màng phổi phải lượng ít.\nKết luận: tràn dịch màng phổi phải.", ("pleura",)),
    ("A: tim to.\nKết luận: bóng tim to.", ("cardio",)),
]


@pytest.mark.parametrize("text,positive", GUARDS)
def test_sbar_guards(vi, text, positive):
    assert _regions(vi(text, "x")) == _want(*positive)


# A break in a named bone's shaft or end is a fracture.
FRACTURE = ["Mất liên tục đoạn giữa xương đòn phải.", "Gián đoạn đầu ngoài xương đòn trái."]


@pytest.mark.parametrize("text", FRACTURE)
def test_break_in_a_named_bone_is_a_fracture(vi, text):
    assert _regions(vi(text, "x"))["chest_wall"] == 1


# An AI print-out no doctor confirmed: a score row marked absent or under the threshold is no finding (the report may
# be labelled), a row marked present or over it queues the report (ai_unconfirmed) and labels nothing.
AI_ABSENT = [
    "AI triage | XQ ngực thẳng\nMức ưu tiên: THẤP\n| Tràn dịch màng phổi | 0.03 | - |\n| Nốt/khối phổi | 0.10 | âm tính |\n"
    "| Tim to | 0.05 | không phát hiện |",
    "KET QUA PHAN TICH TU DONG (CXR-AI)\nTran khi mang phoi ........ 0.12  khong phat hien\nDong dac ........ 0.08\n"
    "Gay xuong ........ 0.04  -",
    "Phần mềm hỗ trợ đọc phim\nTràn dịch màng phổi : 0.03 -\nTim to : 0,21 (-)",
]


@pytest.mark.parametrize("text", AI_ABSENT)
def test_unconfirmed_ai_absent_rows_are_no_finding(vi, text):
    result = vi(text, "x")
    assert _regions(result) == _want()
    assert result.method in ("rule", "template")


AI_PRESENT = [
    "AI triage | XQ ngực thẳng\n| Tràn khí màng phổi | 0.91 | PHÁT HIỆN |\n| Tim to | 0.05 | - |",
    "Phần mềm hỗ trợ đọc phim\nNốt: 0.81 (+)\nTràn dịch màng phổi : 0.03 -",
    "KET QUA PHAN TICH TU DONG\nTran dich mang phoi ....... 0.77\nTim to ....... 0.10",
]


@pytest.mark.parametrize("text", AI_PRESENT)
def test_unconfirmed_ai_present_rows_queue_the_report(vi, text):
    result = vi(text, "x")
    assert "ai_unconfirmed" in result.review_reasons
    assert _regions(result) == _want()  # the machine's finding is not counted


# Guards: a confirmed print-out is read by the doctor's words (also with a doubled space in the confirmation); a
# ratio row of a plain report is no score row.
AI_GUARDS = [
    ("AI triage | XQ ngực thẳng\n| Nốt/khối phổi | 0.52 | NGHI NGỜ |\n| Tim to | 0.09 | âm tính |\n\n"
     "BS CĐHA xác  nhận (BS. A, 08:30):\n- Nốt mờ 8 mm thuỳ trên phổi phải.\nKL (BS): nốt mờ thuỳ trên phổi phải.",
     ("parenchyma",)),
    ("Tim không to, chỉ số tim/ngực: 0.45.\nHai phổi sáng.\nKết luận: tim phổi bình thường.", ()),
]


@pytest.mark.parametrize("text,positive", SBAR + AI_GUARDS)
def test_read_automatically_with_these_regions(vi, text, positive):
    result = vi(text, "x")
    assert result.method in ("rule", "template") and not result.review_reasons
    assert _regions(result) == _want(*positive)


# An SMS run that lost its commas: a negation ends where the next finding's clause is a statement of its own (a side,
# an amount word, a predicate), as it does at a comma.
RUN = [
    ("kq xq nguc bn nam 50t ko thay tdmp dam mo day phoi p kl viem phoi p", {"infiltrates": 1}),
    ("kq xq nguc bn nam 50t k thay tran khi mang phoi tran dich mang phoi trai it", {"pleural effusion": 1}),
    ("kq xq nguc bn nam 50t hok co tkmp tim to kl tim to", {"cardiomegaly": 1}),
    ("kq xq nguc bn nam 50t phoi 2 ben sang ko dam mo tim to nhe", {"cardiomegaly": 1}),
    # a "td" far from the age in the sending line is the reading's own hedge, not the clinical question
    ("kq phim ông 70t so với phim cũ đám mờ đáy phổi phải tăng lên td viêm phổi phải tim ko to", {"infiltrates": 1}),
    # guards: a list joined by "và", a short sentence, a cue read backward, stay as they were; the clinical question
    # right after the age is still no finding
    ("kq xq bn nam 61t nghi viem phoi phim ko thay dam mo goc sh nhon tim ko to", {"pneumonia": None}),
    ("không còn thấy tràn dịch màng phổi và tổn thương phổi trái trên phim hôm nay", {"lung lesion": 0}),
    ("Không thấy tràn dịch tràn khí màng phổi phải.", {"pneumothorax": 0}),
    ("KL TDMP P đã hết hiện tim phổi bt", {"pleural effusion": 0}),
    ("kq xq nguc bn nam 50t k thay tran khi mang phoi tran dich mang phoi trai it", {"pneumothorax": 0}),
]


@pytest.mark.parametrize("text,statuses", RUN)
def test_unpunctuated_run_ends_a_negation_at_the_next_statement(vi, text, statuses):
    found = vi(text, "x").findings
    assert {name: found.get(name) for name in statuses} == statuses
