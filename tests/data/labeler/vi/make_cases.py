"""Build the Vietnamese test set ``cases.jsonl`` and the encoding fixtures beside it.

Every description was written for rxlabel (no third-party report text): sentences in the
four-bullet style of Vietnamese chest radiograph reports, assembled combinatorially with a fixed
seed, plus a hand-written list of tricky cases. The expected labels come from how each case is
built -- every sentence below carries the findings it states, with their region and status --
never from running the labeller.

Run from the repository root::

    python tests/data/labeler/vi/make_cases.py

Output (all in this folder): ``cases.jsonl`` and ``reports_utf8_nfc.csv`` with its
``reports_cp1258.csv`` (Windows-1258, combining tone marks), ``reports_nfd.csv`` (decomposed
Unicode, UTF-8), ``reports_tcvn3.csv`` (TCVN3/ABC bytes) and ``reports_tcvn3_font.csv`` (TCVN3
font text stored as UTF-8, as old Word documents pasted into a HIS give it) twins.
"""

from __future__ import annotations

import csv
import io
import json
import random
import sys
import unicodedata
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = 20261124
REGIONS = ("chest_wall", "pleura", "parenchyma", "cardio")

# A statement: (text, [(finding, region, status), ...]); region "none" = outside the four regions.
CW, PL, PA, CA, NO = "chest_wall", "pleura", "parenchyma", "cardio", "none"


def S(text, *facts):
    return (text, list(facts))


# ----------------------------------------------------------------------------- normal statements
NORMAL = {
    CW: ["Không thấy bất thường xương lồng ngực.", "Xương lồng ngực không thấy bất thường.",
         "Khung xương lồng ngực bình thường.", "Không thấy hình gãy xương.",
         "Khung xương lồng ngực cân đối, không thấy tổn thương.", "Các xương sườn, xương đòn hai bên không thấy gãy.",
         "Phần mềm thành ngực và xương lồng ngực không thấy bất thường.", "Xương lồng ngực bình thường.",
         "Không thấy bất thường xương và phần mềm thành ngực.", "Các cung xương sườn liên tục.",
         "Lồng ngực cân đối.", "Không thấy tổn thương xương lồng ngực."],
    PL: ["Không thấy hình tràn dịch, tràn khí màng phổi.", "Không tràn dịch, tràn khí màng phổi.",
         "Góc sườn hoành hai bên nhọn.", "Góc sườn hoành hai bên sáng nhọn.", "Không thấy tràn dịch màng phổi.",
         "Màng phổi hai bên không thấy bất thường.", "Vòm hoành hai bên đều, góc sườn hoành nhọn.",
         "Không thấy tràn dịch, tràn khí màng phổi hai bên.", "Hai góc sườn hoành nhọn.",
         "Góc sườn hoành hai bên nhọn. Không thấy tràn dịch, tràn khí màng phổi."],
    PA: ["Hai phế trường sáng đều.", "Hai phế trường sáng.", "Nhu mô phổi hai bên không thấy tổn thương.",
         "Không thấy tổn thương nhu mô phổi.", "Hai phế trường không thấy hình mờ bất thường.",
         "Không thấy tổn thương khu trú nhu mô phổi hai bên.", "Hai phế trường sáng đều, rốn phổi hai bên không đậm.",
         "Hai phổi sáng đều.", "Hai phế trường sáng đều, không thấy tổn thương khu trú.", "Nhu mô phổi bình thường.",
         "Hai phế trường sáng đều. Rốn phổi hai bên không đậm."],
    CA: ["Bóng tim không to.", "Hình tim và trung thất không thấy bất thường.", "Bóng tim không to, trung thất không giãn.",
         "Tim và trung thất không thấy bất thường.", "Bóng tim và trung thất bình thường.",
         "Bóng tim không to, trung thất cân đối.", "Hình tim trung thất bình thường.",
         "Bóng tim không to. Trung thất không giãn.", "Chỉ số tim ngực trong giới hạn bình thường.",
         "Bóng tim không to, quai động mạch chủ không vồng."],
}
WHOLE_NORMAL = ["Hình ảnh tim phổi bình thường.", "Tim phổi trong giới hạn bình thường.",
                "Hiện tại chưa phát hiện bất thường trên phim X quang ngực thẳng.", "Tim phổi bình thường.",
                "Chưa phát hiện bất thường tim phổi trên phim chụp."]
IGNORABLE = ["Phim chụp đạt tiêu chuẩn.", "Không có phim cũ để so sánh.", "Đề nghị kết hợp lâm sàng.",
             "Phim chụp thẳng tư thế đứng."]

# ----------------------------------------------------------------------------- positive statements
POSITIVE = {
    CW: [S("Gãy cung sau xương sườn 5, 6 bên phải.", ("rib fracture", CW, 1)),
         S("Gãy cung bên xương sườn 7 trái.", ("rib fracture", CW, 1)),
         S("Hình ảnh gãy cung trước xương sườn 4 bên trái.", ("rib fracture", CW, 1)),
         S("Gãy nhiều xương sườn bên phải.", ("rib fracture", CW, 1)),
         S("Gẫy cung bên xương sườn 6 phải.", ("rib fracture", CW, 1)),
         S("Gãy 1/3 giữa xương đòn phải.", ("clavicle fracture", CW, 1)),
         S("Gãy xương đòn trái.", ("clavicle fracture", CW, 1)),
         S("Can xương cũ cung sau xương sườn 8 phải.", ("callus rib fracture", CW, 1)),
         S("Thưa xương lan toả.", ("osteoporosis", CW, 1)),
         S("Hình ảnh thưa xương các xương lồng ngực.", ("osteoporosis", CW, 1)),
         S("Loãng xương.", ("osteoporosis", CW, 1)),
         S("Tiêu xương cung sau xương sườn 3 trái.", ("lytic bone lesion", CW, 1)),
         S("Ổ tiêu xương đầu ngoài xương đòn phải.", ("lytic bone lesion", CW, 1)),
         S("Vẹo cột sống ngực sang phải.", ("scoliosis", CW, 1)),
         S("Cột sống ngực cong vẹo.", ("scoliosis", CW, 1)),
         S("Gù cột sống ngực.", ("kyphosis", CW, 1)),
         S("Xẹp lún thân đốt sống D12.", ("vertebral compression", CW, 1)),
         S("Thoái hoá cột sống ngực, gai xương thân đốt sống.", ("vertebral degenerative changes", CW, 1)),
         S("Tràn khí dưới da thành ngực bên phải.", ("subcutaneous emphysema", CW, 1)),
         S("Khối mờ phần mềm thành ngực trái.", ("soft tissue mass", CW, 1)),
         S("Biến dạng lồng ngực.", ("thoracic cage deformation", CW, 1)),
         S("Ổ đặc xương thân đốt sống D8.", ("sclerotic bone lesion", CW, 1)),
         S("Gãy xương sườn 9, 10 trái, có tràn khí dưới da.", ("rib fracture", CW, 1), ("subcutaneous emphysema", CW, 1)),
         S("Thưa xương, gãy cũ cung sau xương sườn 9 trái.", ("osteoporosis", CW, 1), ("callus rib fracture", CW, 1)),
         S("Gãy cung sau xương sườn 6 trái, không thấy tràn khí dưới da.", ("rib fracture", CW, 1),
           ("subcutaneous emphysema", CW, 0))],
    PL: [S("Tràn dịch màng phổi phải lượng ít.", ("pleural effusion", PL, 1)),
         S("Tràn dịch màng phổi trái lượng vừa.", ("pleural effusion", PL, 1)),
         S("Tràn dịch màng phổi hai bên.", ("pleural effusion", PL, 1)),
         S("TDMP phải lượng nhiều.", ("pleural effusion", PL, 1)),
         S("Mờ góc sườn hoành phải.", ("costophrenic angle blunting", PL, 1)),
         S("Tù góc sườn hoành trái.", ("costophrenic angle blunting", PL, 1)),
         S("Góc sườn hoành hai bên tù.", ("costophrenic angle blunting", PL, 1)),
         S("Dày màng phổi đỉnh phổi phải.", ("apical pleural thickening", PL, 1)),
         S("Dày dính màng phổi trái.", ("pleural thickening", PL, 1)),
         S("Dày màng phổi phải.", ("pleural thickening", PL, 1)),
         S("Tràn khí màng phổi phải.", ("pneumothorax", PL, 1)),
         S("Tràn khí màng phổi trái lượng nhiều, phổi trái xẹp.", ("pneumothorax", PL, 1), ("atelectasis", PA, 1)),
         S("Tràn dịch, tràn khí màng phổi phải.", ("pleural effusion", PL, 1), ("pneumothorax", PL, 1)),
         S("Vôi hoá màng phổi hai bên.", ("calcified pleural thickening", PL, 1)),
         S("Tràn dịch khu trú rãnh liên thuỳ phải.", ("loculated fissural effusion", PL, 1)),
         S("Dày rãnh liên thuỳ bé bên phải.", ("fissure thickening", PL, 1)),
         S("Mờ góc sườn hoành phải, nghĩ đến tràn dịch màng phổi lượng ít.",
           ("costophrenic angle blunting", PL, 1), ("pleural effusion", PL, -1)),
         S("Đường cong Damoiseau bên phải.", ("pleural effusion", PL, 1)),
         S("Tràn máu màng phổi trái.", ("hemothorax", PL, 1)),
         S("Hình ảnh tràn khí màng phổi trái, đường màng phổi tạng cách thành ngực 2 cm.", ("pneumothorax", PL, 1)),
         S("Tràn dịch màng phổi phải lượng ít, không thấy tràn khí.", ("pleural effusion", PL, 1), ("pneumothorax", PL, 0)),
         S("Dày dính góc sườn hoành trái.", ("pleural thickening", PL, 1)),
         S("Tràn dịch màng phổi trái lượng nhiều, đẩy trung thất sang phải.", ("pleural effusion", PL, 1))],
    PA: [S("Hình dày thành phế quản, dày tổ chức kẽ.", ("bronchial wall thickening", PA, 1), ("interstitial pattern", PA, 1)),
         S("Dày thành phế quản hai bên.", ("bronchial wall thickening", PA, 1)),
         S("Dải mờ đáy phổi phải.", ("fibrotic band", PA, 1)),
         S("Đám mờ thuỳ dưới phổi phải.", ("infiltrates", PA, 1)),
         S("Đông đặc thuỳ dưới phổi trái, có hình khí phế quản đồ.", ("consolidation", PA, 1), ("air bronchogram", PA, 1)),
         S("Nốt mờ đường kính 1 cm thuỳ trên phổi phải.", ("nodule", PA, 1)),
         S("Nhiều nốt mờ rải rác hai phế trường.", ("multiple nodules", PA, 1)),
         S("Khối mờ rốn phổi trái, bờ không đều.", ("mass", PA, 1)),
         S("Xẹp thuỳ dưới phổi trái.", ("lobar atelectasis", PA, 1)),
         S("Xẹp phổi dạng dải đáy phổi phải.", ("laminar atelectasis", PA, 1)),
         S("Tăng đậm nhánh phế huyết quản hai phế trường.", ("bronchovascular markings", PA, 1)),
         S("Rốn phổi hai bên đậm.", ("hilar enlargement", PA, 1)),
         S("Tổn thương dạng lưới nốt hai phổi.", ("reticulonodular interstitial pattern", PA, 1)),
         S("Hình ảnh kính mờ ngoại vi hai phổi.", ("ground glass pattern", PA, 1)),
         S("Tổn thương xơ hoá đỉnh phổi phải.", ("pulmonary fibrosis", PA, 1)),
         S("Tổn thương lao cũ xơ hoá đỉnh phổi hai bên.", ("tuberculosis sequelae", PA, 1)),
         S("Hang lao thuỳ trên phổi phải.", ("cavitation", PA, 1)),
         S("Khí phế thũng hai phổi, kén khí đỉnh phổi phải.", ("emphysema", PA, 1), ("bullas", PA, 1)),
         S("Giãn phế quản đáy phổi trái.", ("bronchiectasis", PA, 1)),
         S("Viêm phổi thuỳ dưới phổi phải.", ("pneumonia", PA, 1)),
         S("Đám mờ không đều hai đáy phổi.", ("infiltrates", PA, 1)),
         S("Phù phổi cấp, hình cánh bướm.", ("pulmonary edema", PA, 1)),
         S("Nhiều bóng thả hai phổi.", ("lung metastasis", PA, 1)),
         S("Nốt vôi hoá đỉnh phổi trái.", ("calcified granuloma", PA, 1)),
         S("Tổn thương thâm nhiễm thuỳ trên hai phổi.", ("infiltrates", PA, 1)),
         S("Hai phổi tăng sáng, vòm hoành dẹt.", ("hyperinflated lung", PA, 1), ("flattened diaphragm", NO, 1)),
         S("Dải xơ đỉnh phổi phải.", ("fibrotic band", PA, 1)),
         S("Đám mờ đáy phổi phải, theo dõi viêm phổi.", ("infiltrates", PA, 1), ("pneumonia", PA, -1))],
    CA: [S("Hình tim to.", ("cardiomegaly", CA, 1)),
         S("Bóng tim to, chỉ số tim ngực 0,6.", ("cardiomegaly", CA, 1)),
         S("Tim to toàn bộ.", ("cardiomegaly", CA, 1)),
         S("Quai động mạch chủ vồng.", ("aortic button enlargement", CA, 1)),
         S("Quai ĐMC vồng, vôi hoá quai động mạch chủ.", ("aortic button enlargement", CA, 1), ("aortic atheromatosis", CA, 1)),
         S("Giãn cung thất trái.", ("ventricular arch dilatation", CA, 1)),
         S("Cung dưới trái giãn, mỏm tim chúc xuống.", ("ventricular arch dilatation", CA, 1)),
         S("Giãn cung thất phải.", ("ventricular arch dilatation", CA, 1)),
         S("Trung thất giãn rộng.", ("mediastinal enlargement", CA, 1)),
         S("Trung thất bị đẩy lệch sang trái.", ("mediastinal shift", CA, 1)),
         S("Khí quản bị đẩy lệch sang phải.", ("tracheal shift", CA, 1)),
         S("Tràn dịch màng ngoài tim.", ("pericardial effusion", CA, 1)),
         S("Bóng tim to hình bầu nước.", ("cardiomegaly", CA, 1), ("pericardial effusion", CA, 1)),
         S("Vôi hoá quai động mạch chủ.", ("aortic atheromatosis", CA, 1)),
         S("Động mạch chủ giãn, ngoằn ngoèo.", ("aortic elongation", CA, 1)),
         S("Phình quai động mạch chủ.", ("aortic aneurysm", CA, 1)),
         S("Cung động mạch phổi phồng.", ("pulmonary artery enlargement", CA, 1)),
         S("Hình bờ đôi, giãn nhĩ trái.", ("atrial enlargement", CA, 1)),
         S("Khối mờ trung thất trên.", ("mediastinal mass", CA, 1)),
         S("Bóng tim to, quai động mạch chủ vồng.", ("cardiomegaly", CA, 1), ("aortic button enlargement", CA, 1)),
         S("Hình tim to, tràn dịch màng phổi hai bên.", ("cardiomegaly", CA, 1), ("pleural effusion", PL, 1)),
         S("Tràn khí trung thất.", ("pneumomediastinum", CA, 1)),
         S("Hạch trung thất to.", ("adenopathy", CA, 1)),
         # A hiatal hernia lies below the heart: abnormal, no region (the dev reports' convention, issue 12).
         S("Mức nước hơi sau tim, thoát vị hoành.", ("hiatal hernia", NO, 1)),
         S("Bóng tim to, không thấy tràn dịch màng ngoài tim.", ("cardiomegaly", CA, 1), ("pericardial effusion", CA, 0))],
}
OUT_OF_REGION = [S("Liềm hơi dưới vòm hoành phải.", ("pneumoperitoneo", NO, 1)),
                 S("Liềm hơi dưới vòm hoành hai bên.", ("pneumoperitoneo", NO, 1)),
                 S("Hình liềm hơi dưới cơ hoành phải.", ("pneumoperitoneo", NO, 1)),
                 S("Khí tự do dưới vòm hoành.", ("pneumoperitoneo", NO, 1)),
                 S("Vòm hoành phải nâng cao.", ("hemidiaphragm elevation", NO, 1)),
                 S("Dị vật cản quang vùng cổ.", ("abnormal foreign body", NO, 1)),
                 S("Dấu hiệu Chilaiditi bên phải.", ("Chilaiditi sign", NO, 1))]

# ----------------------------------------------------------------------------- negated and uncertain
NEG_TARGETS = {
    CW: [("gãy xương sườn", [("rib fracture", CW)]), ("gãy xương đòn", [("clavicle fracture", CW)]),
         ("thưa xương", [("osteoporosis", CW)]), ("tiêu xương", [("lytic bone lesion", CW)]),
         ("tràn khí dưới da", [("subcutaneous emphysema", CW)]), ("gãy xương", [("fracture", CW)])],
    PL: [("tràn dịch màng phổi", [("pleural effusion", PL)]), ("tràn khí màng phổi", [("pneumothorax", PL)]),
         ("dày dính màng phổi", [("pleural thickening", PL)]),
         ("tràn dịch màng phổi hai bên", [("pleural effusion", PL)]),
         ("tràn dịch, tràn khí màng phổi", [("pleural effusion", PL), ("pneumothorax", PL)])],
    PA: [("đông đặc", [("consolidation", PA)]), ("nốt mờ", [("nodule", PA)]), ("xẹp phổi", [("atelectasis", PA)]),
         ("viêm phổi", [("pneumonia", PA)]), ("tổn thương lao", [("tuberculosis", PA)]), ("đám mờ", [("infiltrates", PA)]),
         ("kén khí", [("bullas", PA)]), ("giãn phế quản", [("bronchiectasis", PA)]),
         ("đông đặc hay nốt mờ", [("consolidation", PA), ("nodule", PA)])],
    CA: [("tràn dịch màng ngoài tim", [("pericardial effusion", CA)]), ("giãn rộng trung thất", [("mediastinal enlargement", CA)]),
         ("khối trung thất", [("mediastinal mass", CA)]), ("tràn khí trung thất", [("pneumomediastinum", CA)]),
         ("hạch trung thất", [("adenopathy", CA)])],
}
NEG_FORMS = ["Không thấy {x}", "Không có {x}", "Không {x}", "Chưa thấy {x}", "Chưa phát hiện {x}", "Không ghi nhận {x}",
             "Chưa ghi nhận {x}", "Không thấy hình ảnh {x}", "Không còn {x}", "Hết {x}", "Không phát hiện {x}",
             "Chưa có {x}", "Không thấy có {x}", "Loại trừ {x}"]
UNC_TARGETS = {
    CW: [("gãy cung sau xương sườn 6 phải", [("rib fracture", CW)]), ("gãy xương đòn trái", [("clavicle fracture", CW)]),
         ("tổn thương tiêu xương", [("lytic bone lesion", CW)]), ("di căn xương", [("bone metastasis", CW)]),
         ("gãy cung bên xương sườn 7 trái", [("rib fracture", CW)])],
    PL: [("tràn dịch màng phổi lượng ít", [("pleural effusion", PL)]), ("tràn khí màng phổi phải", [("pneumothorax", PL)]),
         ("dày dính màng phổi", [("pleural thickening", PL)]), ("tràn dịch màng phổi khu trú", [("loculated pleural effusion", PL)])],
    PA: [("viêm phổi", [("pneumonia", PA)]), ("lao phổi", [("tuberculosis", PA)]),
         ("đông đặc thuỳ dưới phổi phải", [("consolidation", PA)]), ("u phổi", [("mass", PA)]),
         ("nốt mờ thuỳ trên phổi trái", [("nodule", PA)]), ("xẹp phổi", [("atelectasis", PA)]),
         ("di căn phổi", [("lung metastasis", PA)]), ("giãn phế quản", [("bronchiectasis", PA)]),
         ("phù phổi", [("pulmonary edema", PA)]), ("áp xe phổi", [("abscess", PA)])],
    CA: [("tràn dịch màng ngoài tim", [("pericardial effusion", CA)]), ("khối trung thất", [("mediastinal mass", CA)]),
         ("phình quai động mạch chủ", [("aortic aneurysm", CA)]), ("giãn cung thất trái", [("ventricular arch dilatation", CA)]),
         ("hạch trung thất", [("adenopathy", CA)])],
}
UNC_FORMS = ["Nghi {x}", "Nghi ngờ {x}", "Hình ảnh nghi ngờ {x}", "Có thể {x}", "Theo dõi {x}", "TD {x}",
             "Không loại trừ {x}", "Chưa loại trừ {x}", "Gợi ý {x}", "Hình ảnh gợi ý {x}", "Nghĩ đến {x}", "Khả năng {x}"]

# ----------------------------------------------------------------------------- out of vocabulary
# Rare findings the pack does not know: the report must reach a person, with the truth as label.
OOV = [S("Hình ảnh sán lá phổi thuỳ dưới phải.", ("paragonimiasis", PA, 1)),
       S("Dị dạng động tĩnh mạch phổi trái.", ("pulmonary arteriovenous malformation", PA, 1)),
       S("Nhuyễn sụn khí quản.", ("tracheomalacia", CA, 1)),
       S("Thoát vị Bochdalek bên trái.", ("bochdalek hernia", NO, 1)),
       S("Phổi biệt lập thuỳ dưới trái.", ("pulmonary sequestration", PA, 1)),
       S("Hội chứng Swyer-James phổi trái.", ("swyer-james syndrome", PA, 1)),
       # silicosis ("bụi phổi silic") is in the pack since session 4 (pneumoconiosis); replaced by another rare finding
       S("Hình ảnh nhiễm sắt phổi hai bên.", ("pulmonary siderosis", PA, 1)),
       S("Thuỳ azygos bên phải.", ("azygos lobe", PA, 1)),
       S("Sarcoidosis giai đoạn II.", ("sarcoidosis", PA, 1)),
       S("Bất sản phổi trái.", ("lung agenesis", PA, 1)),
       S("Hình ảnh u sụn xương sườn 4 phải.", ("chondroma", CW, 1)),
       S("Teo cơ ngực lớn bên trái.", ("pectoral muscle atrophy", CW, 1)),
       S("Hình ảnh bóng mỡ quanh tim.", ("pericardial fat pad", CA, 1)),
       S("Giãn tĩnh mạch đơn.", ("azygos vein enlargement", CA, 1)),
       S("Hình ảnh vi sỏi phế nang lan toả hai phổi.", ("alveolar microlithiasis", PA, 1))]

# ----------------------------------------------------------------------------- misspellings
# (correct word, misspelled form): wrong or missing tone marks, "uơ" for "ươ", Telex leftovers,
# swapped or dropped letters, the mistakes seen in typed Vietnamese.
MISSPELL = [("tràn", "tran"), ("tràn", "traàn"), ("dịch", "dich"), ("dịch", "djch"), ("dịch", "dihc"),
            ("màng", "mang"), ("màng", "mnàg"), ("phổi", "phôi"), ("phổi", "phooir"), ("xương", "xuơng"),
            ("xương", "xưogn"), ("sườn", "suờn"), ("gãy", "gẩy"), ("thưa", "thuă"), ("tim", "tìm"), ("bóng", "bongs"),
            ("dày", "dàyy"), ("thành", "thàn"), ("quản", "quanr"), ("khí", "khis"), ("viêm", "viem"),
            ("đông", "ddoong"), ("đặc", "dặc"), ("hoành", "hoàn"), ("góc", "gosc"), ("vồng", "vồg"),
            ("không", "khôg"), ("không", "khoong"), ("thấy", "thâý"), ("tổn", "tỏn")]


# Misspelled or diacritic-free text must reach review *or* be labelled correctly (issue 4).
LENIENT = ("misspelled", "no_diacritics")


# ----------------------------------------------------------------------------- other phrasings
# Four batches of bullets written after the pack, in wordings the generator above does not use, to
# measure how the pack meets phrasing it was not written for (docs/vietnamese.md gives the numbers
# before the pack was extended to them). (region, bullet, labels: chest_wall, pleura, parenchyma,
# cardio, abnormal)
PHRASING = [
    (CW, "- Khung xương lồng ngực không thấy hình ảnh gãy, lún.", (0,0,0,0,0)),
    (PA, "- Hai trường phổi sáng đều, không thấy hình ảnh tổn thương.", (0,0,0,0,0)),
    (CA, "- Tim không to, cung động mạch chủ không giãn.", (0,0,0,0,0)),
    (PL, "- Vòm hoành hai bên rõ, góc sườn hoành sáng.", (0,0,0,0,0)),
    (PA, "- Đậm các nhánh phế quản mạch hai bên.", (0,0,1,0,1)),
    (CA, "- Bóng tim to, chỉ số tim/lồng ngực = 0,6.", (0,0,0,1,1)),
    (PA, "- Hình ảnh tổn thương dạng nốt, lưới rải rác hai phổi.", (0,0,1,0,1)),
    (PA, "- Xơ hoá rải rác hai đỉnh phổi.", (0,0,1,0,1)),
    (PA, "- Nốt mờ kích thước khoảng 8mm ở 1/3 giữa phổi phải.", (0,0,1,0,1)),
    (PA, "- Đám mờ không đều thuỳ trên phổi trái, bên trong có hình sáng.", (0,0,1,0,1)),
    (CW, "- Gãy xương sườn VI, VII bên trái.", (1,0,0,0,1)),
    (CW, "- Không thấy hình ảnh gãy xương sườn.", (0,0,0,0,0)),
    (PL, "- Có hình ảnh tràn dịch màng phổi phải mức độ ít.", (0,1,0,0,1)),
    (PL, "- Tràn khí màng phổi trái, nhu mô phổi trái co lại khoảng 30%.", (0,1,0,0,1)),
    (CA, "- Tim to, chủ yếu các cung bên trái.", (0,0,0,1,1)),
    (CA, "- Quai động mạch chủ giãn, vôi hoá.", (0,0,0,1,1)),
    (PA, "- Hình ảnh mờ đáy phổi phải.", (0,0,1,0,1)),
    (PA, "- Nhiều nốt mờ kích thước khác nhau rải rác hai trường phổi, nghĩ đến di căn.", (0,0,1,0,1)),
    (PA, "- Dày thành phế quản rải rác hai bên, tăng đậm rốn phổi.", (0,0,1,0,1)),
    (PA, "- Rốn phổi hai bên không to, không đậm.", (0,0,0,0,0)),
    (CA, "- Trung thất không bị đẩy lệch.", (0,0,0,0,0)),
    (CW, "- Thành ngực hai bên cân xứng.", (0,0,0,0,0)),
    (PL, "- Không thấy hình ảnh khí tự do dưới cơ hoành.", (0,0,0,0,0)),
    (PA, "- Hai phế trường có các đám mờ rải rác, tập trung vùng đáy.", (0,0,1,0,1)),
    (PA, "- Hai phổi có nhiều đám mờ không đồng đều.", (0,0,1,0,1)),
    (PA, "- Hình mờ dạng đông đặc thuỳ giữa phổi phải.", (0,0,1,0,1)),
    (PL, "- Mờ góc sườn hoành trái, theo dõi tràn dịch màng phổi.", (0,1,0,0,1)),
    (PA, "- Thâm nhiễm hai đỉnh phổi.", (0,0,1,0,1)),
    (PA, "- Hang thành dày ở đỉnh phổi phải.", (0,0,1,0,1)),
    (CW, "- Gù vẹo cột sống ngực.", (1,0,0,0,1)),
    (CW, "- Xương đòn phải can xương cũ.", (1,0,0,0,1)),
    (CW, "- Mất liên tục vỏ xương cung sau xương sườn 5 phải.", (1,0,0,0,1)),
    (CA, "- Phì đại thất trái.", (0,0,0,1,1)),
    (CA, "- Hình ảnh tim hình hia.", (0,0,0,1,1)),
    (PA, "- Hai phế trường kém sáng.", (0,0,1,0,1)),
    (CA, "- Bóng tim không lớn, các cung tim bình thường.", (0,0,0,0,0)),
    (PL, "- Các góc sườn hoành nhọn, sáng.", (0,0,0,0,0)),
    (CA, "- Khí quản thẳng, không bị đẩy lệch.", (0,0,0,0,0)),
    (PL, "- Tràn dịch màng phổi hai bên, bên phải nhiều hơn.", (0,1,0,0,1)),
    (PA, "- Phổi hai bên sáng, không thấy đám mờ khu trú.", (0,0,0,0,0)),
    (PA, "- Tổn thương dạng kính mờ lan toả hai phổi, ưu thế ngoại vi.", (0,0,1,0,1)),
    (PA, "- Vết mờ dạng dải đáy phổi trái.", (0,0,1,0,1)),
    (PL, "- Dày màng phổi vùng đỉnh hai bên.", (0,1,0,0,1)),
    (PL, "- Màng phổi phải dày, vôi hoá.", (0,1,0,0,1)),
    (CA, "- Cung trên trái lồi.", (0,0,0,1,1)),
    (CA, "- Tỉ lệ tim/ngực khoảng 0,55, bóng tim to nhẹ.", (0,0,0,1,1)),
    (PA, "- Nhu mô phổi hai bên có nhiều nốt vôi hoá nhỏ.", (0,0,1,0,1)),
    (CW, "- Loãng xương, xẹp đốt sống ngực D11.", (1,0,0,0,1)),
    (PA, "- Giãn phế nang hai phổi.", (0,0,1,0,1)),
    (PA, "- Không thấy hình ảnh đông đặc hay xẹp phổi.", (0,0,0,0,0)),
    (PL, "- Tràn dịch màng phổi trái lượng ít đến trung bình.", (0,1,0,0,1)),
    (CA, "- Không thấy dấu hiệu tràn dịch màng ngoài tim.", (0,0,0,0,0)),
    (PA, "- Đông đặc phân thuỳ đáy phổi phải kèm khí phế quản đồ.", (0,0,1,0,1)),
    (PA, "- Nghi nốt mờ đỉnh phổi phải, đề nghị chụp cắt lớp vi tính.", (0,0,-1,0,-1)),
    (CW, "- Tràn khí phần mềm thành ngực hai bên.", (1,0,0,0,1)),
    (PL, "- Không có hình ảnh tràn khí màng phổi.", (0,0,0,0,0)),
    (PA, "- Hai phổi nhiều nốt mờ nhỏ dạng kê rải rác đều hai bên.", (0,0,1,0,1)),
    (PA, "- Đường Kerley B vùng đáy hai phổi.", (0,0,1,0,1)),
    (CW, "- Không thấy tổn thương tiêu xương, đặc xương.", (0,0,0,0,0)),
    (CW, "- Các xương sườn hai bên liên tục, không thấy đường gãy.", (0,0,0,0,0)),
    (CW, "- Gãy rời cung sau xương sườn 4, 5 phải, di lệch ít.", (1,0,0,0,1)),
    (CW, "- Hình ảnh gãy cũ xương đòn trái, đã can xương.", (1,0,0,0,1)),
    (CW, "- Cột sống ngực vẹo sang trái.", (1,0,0,0,1)),
    (CW, "- Mật độ xương giảm.", (1,0,0,0,1)),
    (CW, "- Khí trong phần mềm thành ngực phải.", (1,0,0,0,1)),
    (CW, "- Nẹp vít xương đòn phải.", (0,0,0,0,1)),  # a device: abnormal, no region (devices_abnormal)
    (CW, "- Không phát hiện tổn thương xương.", (0,0,0,0,0)),
    (PL, "- Tràn dịch màng phổi trái lượng nhiều, đẩy lệch trung thất sang phải.", (0,1,0,1,1)),
    (PL, "- Góc sườn hoành phải tù nhẹ.", (0,1,0,0,1)),
    (PL, "- Dày dính màng phổi đáy phổi phải.", (0,1,0,0,1)),
    (PL, "- Tràn khí màng phổi phải lượng ít vùng đỉnh.", (0,1,0,0,1)),
    (PL, "- Không thấy dịch trong khoang màng phổi.", (0,0,0,0,0)),
    (PL, "- Không thấy hình ảnh tràn khí, tràn dịch màng phổi.", (0,0,0,0,0)),
    (PL, "- Vôi hoá màng phổi trái.", (0,1,0,0,1)),
    (PL, "- Tràn dịch màng phổi phải đã giảm nhiều so với phim trước.", (0,1,0,0,1)),
    (PL, "- Hình ảnh dày màng phổi hai bên.", (0,1,0,0,1)),
    (PA, "- Đám mờ đồng nhất thuỳ trên phổi phải, có hình khí phế quản đồ.", (0,0,1,0,1)),
    (PA, "- Nốt mờ tròn bờ đều đáy phổi trái, kích thước 15 mm.", (0,0,1,0,1)),
    (PA, "- Hai phổi có nhiều tổn thương dạng nốt và đám mờ.", (0,0,1,0,1)),
    (PA, "- Xẹp phổi thuỳ giữa.", (0,0,1,0,1)),
    (PA, "- Nhiều kén khí hai đỉnh phổi.", (0,0,1,0,1)),
    (PA, "- Tổn thương xơ, vôi hoá đỉnh phổi hai bên, nghĩ đến lao cũ.", (0,0,1,0,1)),
    (PA, "- Không thấy nốt hay khối bất thường trong nhu mô phổi.", (0,0,0,0,0)),
    (PA, "- Phổi phải có khối mờ kích thước 4x5 cm vùng rốn phổi.", (0,0,1,0,1)),
    (PA, "- Tổn thương dạng lưới hai đáy phổi.", (0,0,1,0,1)),
    (PA, "- Đông đặc nhu mô thuỳ dưới phổi trái.", (0,0,1,0,1)),
    (PA, "- Chưa thấy tổn thương khu trú nhu mô phổi.", (0,0,0,0,0)),
    (PA, "- Hình ảnh giãn phế quản hình túi đáy phổi phải.", (0,0,1,0,1)),
    (PA, "- Có thể viêm phổi thuỳ dưới phổi trái.", (0,0,-1,0,-1)),
    (PA, "- Phổi hai bên tăng sáng, các khoang liên sườn giãn rộng.", (0,0,1,0,1)),
    (PA, "- Hai phế trường sáng, không thấy hình ảnh đông đặc.", (0,0,0,0,0)),
    (CA, "- Bóng tim to sang hai bên.", (0,0,0,1,1)),
    (CA, "- Bóng tim không to, động mạch chủ vôi hoá.", (0,0,0,1,1)),
    (CA, "- Trung thất trên giãn rộng.", (0,0,0,1,1)),
    (CA, "- Giãn nhĩ trái, cung động mạch phổi phồng.", (0,0,0,1,1)),
    (CA, "- Tim to, cung dưới trái phồng.", (0,0,0,1,1)),
    (CA, "- Không thấy hạch trung thất.", (0,0,0,0,0)),
    (CA, "- Bóng tim không to. Quai động mạch chủ vồng nhẹ.", (0,0,0,1,1)),
    (CA, "- Chỉ số tim ngực tăng.", (0,0,0,1,1)),
    (CA, "- Khí quản bị đẩy sang trái.", (0,0,0,1,1)),
    (CA, "- Máy tạo nhịp tim vùng ngực trái.", (0,0,0,0,1)),  # a device: abnormal, no region
    (CA, "- Bóng tim bình thường, không thấy tràn dịch màng ngoài tim.", (0,0,0,0,0)),
    (CA, "- Nghi ngờ giãn quai động mạch chủ.", (0,0,0,-1,-1)),
    (PL, "- Không thấy tràn dịch màng phổi. Vòm hoành trái nâng cao.", (0,0,0,0,1)),
    (PL, "- Liềm hơi dưới vòm hoành phải, nghĩ đến thủng tạng rỗng.", (0,0,0,0,1)),
    (PA, "- Đám mờ thuỳ dưới phổi phải, không thấy tràn dịch màng phổi kèm theo.", (0,0,1,0,1)),
    (PA, "- Theo dõi tổn thương lao phổi hai đỉnh.", (0,0,-1,0,-1)),
    (CW, "- Gãy cung trước xương sườn 3 trái, không thấy tràn khí màng phổi.", (1,0,0,0,1)),
    (PA, "- Hình ảnh phù phổi kẽ, đường Kerley B hai đáy.", (0,0,1,0,1)),
    (CW, "- Gãy cung sau xương sườn 7, 8 trái, phần mềm thành ngực trái dày.", (1,0,0,0,1)),
    (CW, "- Xương sườn bình thường, xương đòn hai bên không gãy.", (0,0,0,0,0)),
    (CW, "- Đốt sống ngực D7 xẹp hình chêm.", (1,0,0,0,1)),
    (CW, "- Hình ảnh loãng xương, không thấy gãy xương.", (1,0,0,0,1)),
    (CW, "- Vẹo cột sống ngực, lồng ngực mất cân đối.", (1,0,0,0,1)),
    (CW, "- Can xương sườn 6, 7 phải.", (1,0,0,0,1)),
    (PL, "- Tràn dịch màng phổi phải lượng ít, góc sườn hoành phải tù.", (0,1,0,0,1)),
    (PL, "- Góc sườn hoành trái tù, góc sườn hoành phải nhọn.", (0,1,0,0,1)),
    (PL, "- Không thấy tràn khí màng phổi sau dẫn lưu.", (0,0,0,0,0)),
    (PL, "- Dày màng phổi, vôi hoá màng phổi trái.", (0,1,0,0,1)),
    (PL, "- Tràn khí màng phổi phải, có ống dẫn lưu màng phổi.", (0,1,0,0,1)),
    (PL, "- Tràn dịch màng phổi hai bên, nhiều hơn bên trái.", (0,1,0,0,1)),
    (PL, "- Màng phổi hai bên không dày.", (0,0,0,0,0)),
    (PA, "- Đám mờ thuỳ dưới phổi phải, bờ không rõ, theo dõi viêm phổi.", (0,0,1,0,1)),
    (PA, "- Vài nốt vôi hoá nhỏ rải rác đỉnh phổi phải.", (0,0,1,0,1)),
    (PA, "- Hai phế trường tăng đậm các nhánh phế huyết quản, dày thành phế quản.", (0,0,1,0,1)),
    (PA, "- Tổn thương dạng hang thuỳ trên phổi trái.", (0,0,1,0,1)),
    (PA, "- Xẹp phổi phải hoàn toàn.", (0,0,1,0,1)),
    (PA, "- Tổn thương kính mờ và đông đặc rải rác hai phổi, ưu thế ngoại vi, nghĩ đến viêm phổi do virus.", (0,0,1,0,1)),
    (PA, "- Không thấy hình ảnh tổn thương lao tiến triển.", (0,0,0,0,0)),
    (PA, "- Khối mờ phổi trái bờ tua gai, nghi u phổi.", (0,0,1,0,1)),
    (PA, "- Nhu mô phổi hai bên không thấy đông đặc, không thấy nốt khối.", (0,0,0,0,0)),
    (PA, "- Dải xơ xẹp đáy phổi trái.", (0,0,1,0,1)),
    (PA, "- Tăng sáng phổi trái.", (0,0,1,0,1)),
    (PA, "- Hình ảnh viêm phế quản.", (0,0,1,0,1)),
    (PA, "- Hai phế trường sáng, rải rác vài nốt mờ nhỏ đáy phổi phải.", (0,0,1,0,1)),
    (CA, "- Bóng tim to, chủ yếu thất trái.", (0,0,0,1,1)),
    (CA, "- Tim hình giỏ trứng, cung giữa trái phồng.", (0,0,0,1,1)),
    (CA, "- Quai động mạch chủ vôi hoá, không giãn.", (0,0,0,1,1)),
    (CA, "- Trung thất lệch phải, khí quản bị kéo sang phải.", (0,0,0,1,1)),
    (CA, "- Tim không to, không thấy tràn dịch màng ngoài tim.", (0,0,0,0,0)),
    (CA, "- Bóng tim to nhẹ, chỉ số tim ngực 0,52.", (0,0,0,1,1)),
    (CA, "- Trung thất trên rộng, nghĩ đến bướu giáp.", (0,0,0,1,1)),
    (CA, "- Bóng tim không to, cung động mạch chủ vồng.", (0,0,0,1,1)),
    (CA, "- Không thấy giãn các buồng tim.", (0,0,0,0,0)),
    (PL, "- Tràn dịch màng phổi trái lượng ít, xẹp thụ động thuỳ dưới phổi trái.", (0,1,1,0,1)),
    (PA, "- Đông đặc thuỳ dưới phổi phải kèm tràn dịch màng phổi phải lượng ít.", (0,1,1,0,1)),
    (CA, "- Tim to toàn bộ, tràn dịch màng phổi hai bên, phù phổi kẽ.", (0,1,1,1,1)),
    (CW, "- Gãy xương sườn 5, 6 phải kèm tràn khí màng phổi phải.", (1,1,0,0,1)),
    (PL, "- Không thấy tràn dịch màng phổi, tràn khí màng phổi.", (0,0,0,0,0)),
    (PA, "- Hình ảnh nghĩ nhiều đến lao phổi tiến triển.", (0,0,-1,0,-1)),
    (PA, "- Không loại trừ khả năng tổn thương u phổi trái.", (0,0,-1,0,-1)),
    (PA, "- Đám mờ đáy phổi phải, cần theo dõi thêm.", (0,0,1,0,1)),
    (PA, "- Không thấy hình ảnh gì đặc biệt ở nhu mô phổi.", (0,0,0,0,0)),
    (PA, "- Chưa thấy hình ảnh tổn thương tiến triển.", (0,0,0,0,0)),
    (PA, "- Tổn thương nghi do lao.", (0,0,1,0,1)),
    (PA, "- Hình ảnh đông đặc thuỳ dưới phổi phải, nghĩ nhiều đến viêm phổi.", (0,0,1,0,1)),
    (PA, "- Không còn thấy đám mờ đáy phổi phải so với phim trước.", (0,0,0,0,0)),
    (PA, "- Tổn thương đông đặc đáy phổi trái đã giảm so với phim cũ.", (0,0,1,0,1)),
    (PA, "- Đám mờ thuỳ trên phổi phải đã hết.", (0,0,0,0,0)),
    (PL, "- Tràn dịch màng phổi phải đã được dẫn lưu, còn ít dịch.", (0,1,0,0,1)),
    (PL, "- Nghi ngờ có tràn khí màng phổi đỉnh phổi trái.", (0,-1,0,0,-1)),
    # "không rõ X" reads "no definite X" (negative), as the independently written dev reports code it.
    (PL, "- Không rõ tràn dịch màng phổi.", (0,0,0,0,0)),
    (PL, "- Góc sườn hoành phải hơi tù, có thể do dày dính màng phổi.", (0,1,0,0,1)),
    (PL, "- Hiện không thấy tràn khí màng phổi.", (0,0,0,0,0)),
    (CW, "- Không thấy hình ảnh gãy xương mới.", (0,0,0,0,0)),
    (CW, "- Hình ảnh nghi gãy cung sau xương sườn 9 phải, đề nghị chụp phim chếch.", (-1,0,0,0,-1)),
    (CW, "- Khó đánh giá gãy xương sườn trên phim thẳng.", (-1,0,0,0,-1)),
    (CA, "- Bóng tim to, gợi ý tràn dịch màng ngoài tim.", (0,0,0,1,1)),
    (CA, "- Trung thất cân đối, không thấy khối bất thường.", (0,0,0,0,0)),
    (CA, "- Không loại trừ phình động mạch chủ ngực.", (0,0,0,-1,-1)),
    (CA, "- Chưa thấy dấu hiệu giãn rộng trung thất.", (0,0,0,0,0)),
    (CA, "- Tim to nhẹ, theo dõi bệnh tim tăng huyết áp.", (0,0,0,1,1)),
    (PA, "- Không thấy dấu hiệu phù phổi.", (0,0,0,0,0)),
    (PA, "- Hết hình ảnh đông đặc thuỳ giữa.", (0,0,0,0,0)),
    (PA, "- Tổn thương dạng nốt đỉnh phổi phải, chưa loại trừ lao.", (0,0,1,0,1)),
    (PA, "- Có vài nốt mờ nhỏ, không loại trừ di căn.", (0,0,1,0,1)),
    (PA, "- Không có hình ảnh xẹp phổi hay đông đặc.", (0,0,0,0,0)),
    (PA, "- Xơ hoá nhẹ đáy phổi hai bên, không thay đổi so với phim cũ.", (0,0,1,0,1)),
    (PA, "- Khả năng viêm phổi không điển hình.", (0,0,-1,0,-1)),
]


def combine(values):
    return 1 if 1 in values else (-1 if -1 in values else 0)


def labels_of(statements):
    by_region = {r: [] for r in REGIONS}
    every = []
    findings: dict[str, int] = {}
    for _, facts in statements:
        for name, region, status in facts:
            if region in by_region:
                by_region[region].append(status)
            every.append(status)
            findings[name] = status if name not in findings else combine([findings[name], status])
    out = {r: combine(v) for r, v in by_region.items()}
    out["abnormal"] = combine(every)
    return out, findings


def strip_marks(text):
    nfd = unicodedata.normalize("NFD", text)
    out = "".join(c for c in nfd if not unicodedata.combining(c))
    return out.replace("đ", "d").replace("Đ", "D")


class Builder:
    """Assembles descriptions in the four-bullet style with varying order, markers and headers."""

    ORDERS = [(CW, PL, PA, CA)] * 6 + [(PA, PL, CA, CW), (CA, PA, PL, CW), (CW, PA, PL, CA), (PL, PA, CA, CW),
                                      (PA, CA, PL, CW), (CW, CA, PA, PL)]
    HEADERS = ["Mô tả hình ảnh:"] * 6 + ["MÔ TẢ HÌNH ẢNH:", "Mô tả:", "X quang ngực thẳng:", "Kết quả:", None]
    MARKERS = ["-"] * 6 + ["+", "•", "num", "*"]
    PREAMBLES = [None] * 8 + ["Chẩn đoán lâm sàng: Theo dõi viêm phổi.", "Chỉ định: Ho kéo dài, sốt.",
                              "Lâm sàng: Đau ngực sau tai nạn giao thông.", "Kỹ thuật: Chụp X quang ngực thẳng tư thế đứng."]

    def __init__(self, rng: random.Random):
        self.rng = rng

    def report(self, bullets, extra=None, conclusion=None, header=True):
        """bullets: {region: [statement, ...]} in the order chosen; extra: statements of a fifth bullet."""
        rng = self.rng
        order = rng.choice(self.ORDERS)
        marker = rng.choice(self.MARKERS)
        lines, used = [], []
        preamble = rng.choice(self.PREAMBLES)
        if preamble:
            lines.append(preamble)
        head = rng.choice(self.HEADERS) if header else None
        if preamble and not head:
            head = "Mô tả hình ảnh:"  # a skipped section runs until the next header
        if head:
            lines.append(head)
        groups = [bullets[r] for r in order if r in bullets]
        if extra:
            groups.insert(rng.randrange(len(groups) + 1), extra)
        for i, group in enumerate(groups, 1):
            mark = f"{i}." if marker == "num" else marker
            lines.append(f"{mark} " + " ".join(t for t, _ in group))
            used += group
        if conclusion:
            lines.append("Kết luận: " + " ".join(t for t, _ in conclusion))
            used += conclusion
        return "\n".join(lines), used

    def normal(self, region):
        return (self.rng.choice(NORMAL[region]), [])

    def negated(self, region):
        x, facts = self.rng.choice(NEG_TARGETS[region])
        form = self.rng.choice(NEG_FORMS)
        return (form.format(x=x) + ".", [(n, r, 0) for n, r in facts])

    def uncertain(self, region):
        x, facts = self.rng.choice(UNC_TARGETS[region])
        form = self.rng.choice(UNC_FORMS)
        return (form.format(x=x) + ".", [(n, r, -1) for n, r in facts])

    def positive(self, region):
        return self.rng.choice(POSITIVE[region])


def case(cid, kind, text, used, review=False, method=None, note=None):
    labels, findings = labels_of(used)
    row = {"id": cid, "kind": kind, "text": text, "labels": labels, "findings": findings, "review": review}
    if kind in LENIENT:
        row["allow_labelled"] = True
    if method:
        row["method"] = method
    if note:
        row["note"] = note
    return row


def generated(rng: random.Random) -> list[dict]:
    b = Builder(rng)
    rows: list[dict] = []

    def add(kind, text, used, **kw):
        rows.append(case(f"vi-{kind}-{sum(r['kind'] == kind for r in rows) + 1:03d}", kind, text, used, **kw))

    for _ in range(60):  # normal: four template bullets, sometimes boilerplate and a normal conclusion
        bullets = {r: [b.normal(r)] for r in REGIONS}
        extra = [(rng.choice(IGNORABLE), [])] if rng.random() < 0.2 else None
        concl = [(rng.choice(WHOLE_NORMAL), [])] if rng.random() < 0.3 else None
        text, used = b.report(bullets, extra, concl)
        add("normal", text, used, method="template")
    for _ in range(10):  # normal: one whole-report statement
        text, used = b.report({}, [(rng.choice(WHOLE_NORMAL), [])])
        add("normal", text, used, method="template")
    for region in REGIONS:  # single region abnormal
        for _ in range(16):
            bullets = {r: [b.normal(r)] for r in REGIONS}
            bullets[region] = [b.positive(region)]
            concl = [bullets[region][0]] if rng.random() < 0.3 and "," not in bullets[region][0][0] else None
            text, used = b.report(bullets, None, concl)
            add("single_region", text, used, method="rule")
    for _ in range(50):  # several regions abnormal
        k = rng.choice([2, 2, 2, 3, 3, 4])
        chosen = rng.sample(REGIONS, k)
        bullets = {r: [b.positive(r)] if r in chosen else [b.normal(r)] for r in REGIONS}
        text, used = b.report(bullets)
        add("multi_region", text, used, method="rule")
    for _ in range(40):  # explicit negations (not templates), sometimes beside a positive region
        bullets = {r: [b.normal(r)] for r in REGIONS}
        for r in rng.sample(REGIONS, rng.choice([1, 2, 2, 3])):
            bullets[r] = [b.negated(r)]
        if rng.random() < 0.4:
            r = rng.choice(REGIONS)
            bullets[r] = [b.positive(r)]
        text, used = b.report(bullets)
        add("negated", text, used)
    for _ in range(40):  # uncertainty, sometimes in the conclusion ("theo dõi X")
        bullets = {r: [b.normal(r)] for r in REGIONS}
        r = rng.choice(REGIONS)
        unc = b.uncertain(r)
        concl = None
        if rng.random() < 0.3:
            concl = [unc]
        else:
            bullets[r] = [unc]
        if rng.random() < 0.3:
            other = rng.choice([x for x in REGIONS if x != r])
            bullets[other] = [b.positive(other)]
        text, used = b.report(bullets, None, concl)
        add("uncertain", text, used)
    for _ in range(18):  # outside the four regions: a fifth bullet or inside the pleura bullet
        bullets = {r: [b.normal(r)] for r in REGIONS}
        out = rng.choice(OUT_OF_REGION)
        if rng.random() < 0.5:
            text, used = b.report(bullets, [out])
        else:
            bullets[PL] = bullets[PL] + [out]
            text, used = b.report(bullets)
        add("out_of_region", text, used)
    for _ in range(30):  # misspelled: one word of one statement
        bullets = {r: [b.normal(r)] for r in REGIONS}
        if rng.random() < 0.6:
            r = rng.choice(REGIONS)
            bullets[r] = [b.positive(r)]
        candidates = [(r, i) for r in REGIONS for i, (t, _) in enumerate(bullets[r])
                      if any(w in t.lower().split() for w, _ in MISSPELL)]
        r, i = rng.choice(candidates)
        t, facts = bullets[r][i]
        words = t.split()
        options = [(j, bad) for j, w in enumerate(words) for good, bad in MISSPELL if w.lower().strip(".,") == good]
        j, bad = rng.choice(options)
        tail = words[j][len(words[j].rstrip(".,")):]
        words[j] = (bad[0].upper() + bad[1:] if words[j][0].isupper() else bad) + tail
        bullets[r][i] = (" ".join(words), facts)
        text, used = b.report(bullets)
        add("misspelled", text, used, review=True, note=f"{t} -> {' '.join(words)}")
    for _ in range(22):  # typed without diacritics: one bullet or the whole description
        bullets = {r: [b.normal(r)] for r in REGIONS}
        if rng.random() < 0.7:
            r = rng.choice(REGIONS)
            bullets[r] = [b.positive(r)]
        if rng.random() < 0.5:
            text, used = b.report(bullets)
            text = strip_marks(text)
        else:
            r = rng.choice(REGIONS)
            bullets[r] = [(strip_marks(t), f) for t, f in bullets[r]]
            text, used = b.report(bullets)
        add("no_diacritics", text, used, review=True)
    for region, bullet, labels in PHRASING:  # wordings written after the pack
        bullets = {r: [b.normal(r)] for r in REGIONS}
        bullets[region] = [(bullet[2:], [])]
        text, _ = b.report(bullets)
        rows.append({"id": f"vi-phrasing-{sum(r['kind'] == 'phrasing' for r in rows) + 1:03d}", "kind": "phrasing",
                     "text": text, "labels": dict(zip((*REGIONS, "abnormal"), labels, strict=True)), "findings": {},
                     "review": False})
    for oov in OOV:  # out of vocabulary: must reach the review queue
        bullets = {r: [b.normal(r)] for r in REGIONS}
        region = oov[1][0][1]
        if region in bullets:
            bullets[region] = [oov]
            text, used = b.report(bullets)
        else:
            text, used = b.report(bullets, [oov])
        add("oov", text, used, review=True)
    return rows


# ----------------------------------------------------------------------------- hand-written cases
def H(cid, text, labels, review=False, method=None, note=None, findings=None, allow_labelled=False):
    row = {"id": f"vi-tricky-{cid}", "kind": "tricky", "text": text,
           "labels": dict(zip((*REGIONS, "abnormal"), labels, strict=True)), "findings": findings or {},
           "review": review}
    if allow_labelled:
        row["allow_labelled"] = True
    if method:
        row["method"] = method
    if note:
        row["note"] = note
    return row


N4 = ("- Không thấy bất thường xương lồng ngực.\n- Không thấy hình tràn dịch, tràn khí màng phổi.\n"
      "- Hai phế trường sáng đều.\n- Bóng tim không to.")


def tricky() -> list[dict]:
    return [
        H("001", "Mô tả hình ảnh:\n- Không thấy bất thường xương lồng ngực.\n- Không thấy hình tràn dịch, tràn khí màng phổi.\n"
                 "- Hình dày thành phế quản, dày tổ chức kẽ.\n- Hình tim và trung thất không thấy bất thường.",
          (0, 0, 1, 0, 1), method="rule", note="the example of issue 4",
          findings={"bronchial wall thickening": 1, "interstitial pattern": 1}),
        H("002", "Mô tả hình ảnh:\n- Xương lồng ngực bình thường.\n- Góc sườn hoành hai bên nhọn.\n- Hai phế trường sáng đều.\n"
                 "- Bóng tim không to, vôi hóa quai động mạch chủ.", (0, 0, 0, 1, 1), method="rule",
          note="old tone placement hóa = hoá", findings={"aortic atheromatosis": 1}),
        H("003", "Mô tả hình ảnh:\n- Xương lồng ngực bình thường.\n- Góc sườn hoành hai bên nhọn.\n- Xẹp thùy dưới phổi trái.\n"
                 "- Bóng tim không to.", (0, 0, 1, 0, 1), method="rule", note="thùy = thuỳ",
          findings={"lobar atelectasis": 1}),
        H("004", "Mô tả hình ảnh:\n- Xương lồng ngực bình thường.\n- Tràn_dịch màng_phổi phải lượng ít.\n- Hai phế trường sáng đều.\n"
                 "- Bóng tim không to.", (0, 1, 0, 0, 1), method="rule", note="word-segmented with underscores",
          findings={"pleural effusion": 1}),
        H("005", "Mô tả hình ảnh:\n- Bóng tim không to.\n- Hai phế trường sáng đều.\n- Góc sườn hoành hai bên nhọn.\n"
                 "- Gãy cung sau xương sườn 8 trái.", (1, 0, 0, 0, 1), method="rule",
          note="bone bullet last", findings={"rib fracture": 1}),
        H("006", "Mô tả hình ảnh:\n- Không thấy bất thường xương lồng ngực.\n- Bóng tim không to, góc sườn hoành hai bên nhọn.\n"
                 "- Hai phế trường sáng đều.", (0, 0, 0, 0, 0), note="one bullet speaks of two regions, both normal"),
        H("007", "Mô tả hình ảnh:\n- Xương lồng ngực bình thường.\n- Tràn dịch màng phổi phải, đề nghị chụp lại xem còn không.\n"
                 "- Hai phế trường sáng đều.\n- Bóng tim không to.", (0, 1, 0, 0, 1), method="rule",
          note="clause-final không is the question particle", findings={"pleural effusion": 1}),
        H("008", "Mô tả hình ảnh:\n- Xương lồng ngực bình thường.\n- Không thấy tràn khí màng phổi, có tràn dịch màng phổi phải lượng ít.\n"
                 "- Hai phế trường sáng đều.\n- Bóng tim không to.", (0, 1, 0, 0, 1), method="rule",
          note="'có' closes the negation", findings={"pleural effusion": 1, "pneumothorax": 0}),
        H("009", "Mô tả hình ảnh:\n- Xương lồng ngực bình thường.\n- Hết tràn khí màng phổi phải.\n- Hai phế trường sáng đều.\n"
                 "- Bóng tim không to.", (0, 0, 0, 0, 0), method="rule", note="resolved", findings={"pneumothorax": 0}),
        H("010", "Mô tả hình ảnh:\n- Xương lồng ngực bình thường.\n- Tràn dịch màng phổi trái đã hấp thu hết.\n- Hai phế trường sáng đều.\n"
                 "- Bóng tim không to.", (0, 0, 0, 0, 0), method="rule", note="resolved, cue after the finding",
          findings={"pleural effusion": 0}),
        H("011", "Mô tả hình ảnh:\n- Xương lồng ngực bình thường.\n- Không còn tràn dịch màng phổi.\n- Hai phế trường sáng đều.\n"
                 "- Bóng tim không to.", (0, 0, 0, 0, 0), method="rule", findings={"pleural effusion": 0}),
        H("012", "Mô tả hình ảnh:\n- Xương lồng ngực bình thường.\n- Không loại trừ tràn khí màng phổi lượng ít đỉnh phổi phải.\n"
                 "- Hai phế trường sáng đều.\n- Bóng tim không to.", (0, -1, 0, 0, -1), method="rule",
          note="'không loại trừ' is uncertain, not negative", findings={"pneumothorax": -1}),
        H("013", "Mô tả hình ảnh:\n- Xương lồng ngực bình thường.\n- Góc sườn hoành hai bên nhọn.\n"
                 "- Tổn thương dạng nốt, dải xơ đỉnh phổi phải.\n- Bóng tim không to.\nKết luận: Theo dõi lao phổi.",
          (0, 0, 1, 0, 1), method="rule", findings={"nodule": 1, "fibrotic band": 1, "tuberculosis": -1}),
        H("014", "Chẩn đoán lâm sàng: Theo dõi viêm phổi\nMô tả hình ảnh:\n" + N4, (0, 0, 0, 0, 0), method="template",
          note="the clinical question is skipped"),
        H("015", "Mô tả hình ảnh:\n- Hình ảnh không khí dưới da thành ngực phải.\n- Góc sườn hoành hai bên nhọn.\n"
                 "- Hai phế trường sáng đều.\n- Bóng tim không to.", (1, 0, 0, 0, 1), method="rule",
          note="'không khí' (air) is not a negation", findings={"subcutaneous emphysema": 1}),
        H("016", "Mô tả hình ảnh:\n- Xương lồng ngực bình thường.\n- Góc sườn hoành hai bên nhọn.\n"
                 "- Hình ảnh viêm phổi không điển hình hai bên.\n- Bóng tim không to.", (0, 0, 1, 0, 1), method="rule",
          findings={"atypical pneumonia": 1}),
        H("017", "Mô tả hình ảnh:\n- Xương lồng ngực bình thường.\n- Góc sườn hoành hai bên nhọn.\n"
                 "- Khối mờ không rõ ranh giới thuỳ trên phổi phải.\n- Bóng tim không to.", (0, 0, 1, 0, 1), method="rule",
          findings={"mass": 1}),
        H("018", "Mô tả hình ảnh:\n- Xương lồng ngực bình thường.\n- Góc sườn hoành hai bên nhọn.\n"
                 "- Đám mờ không đồng nhất đáy phổi phải.\n- Bóng tim không to.", (0, 0, 1, 0, 1), method="rule",
          findings={"infiltrates": 1}),
        H("019", "Mô tả hình ảnh:\n- Xương lồng ngực bình thường.\n- Tràn dịch màng phổi phải không thay đổi so với phim cũ.\n"
                 "- Hai phế trường sáng đều.\n- Bóng tim không to.", (0, 1, 0, 0, 1), method="rule",
          findings={"pleural effusion": 1}),
        H("020", "Mô tả hình ảnh:\n- Xương lồng ngực bình thường.\n- Bóng tim to, tràn dịch màng phổi hai bên.\n"
                 "- Hai phế trường sáng đều.", (0, 1, 0, 1, 1), method="rule",
          findings={"cardiomegaly": 1, "pleural effusion": 1}),
        H("021", "Mô tả hình ảnh:\n- Xương lồng ngực bình thường.\n- Góc sườn hoành hai bên nhọn. Liềm hơi dưới vòm hoành phải.\n"
                 "- Hai phế trường sáng đều.\n- Bóng tim không to.", (0, 0, 0, 0, 1), method="rule",
          note="free air under the diaphragm: abnormal outside the four regions", findings={"pneumoperitoneo": 1}),
        H("022", "Mô tả hình ảnh:\n" + N4 + "\n- Không thấy liềm hơi dưới vòm hoành.", (0, 0, 0, 0, 0), method="rule",
          findings={"pneumoperitoneo": 0}),
        H("023", "Mô tả hình ảnh:\n- Gãy cũ cung sau xương sườn 7 phải đã liền xương.\n- Góc sườn hoành hai bên nhọn.\n"
                 "- Hai phế trường sáng đều.\n- Bóng tim không to.", (1, 0, 0, 0, 1), method="rule",
          findings={"callus rib fracture": 1}),
        H("024", "Mô tả hình ảnh:\n- Xương lồng ngực bình thường.\n- Tràn dịch màng phổi phải; không thấy tràn khí.\n"
                 "- Hai phế trường sáng đều.\n- Bóng tim không to.", (0, 1, 0, 0, 1), method="rule",
          findings={"pleural effusion": 1, "pneumothorax": 0}),
        H("025", "Mô tả hình ảnh:\n- Xương lồng ngực bình thường.\n- Góc sườn hoành hai bên nhọn.\n- Hai phế trường sáng đều.\n"
                 "- Bóng tim không to, quai ĐMC vồng.", (0, 0, 0, 1, 1), method="rule", note="abbreviation ĐMC",
          findings={"aortic button enlargement": 1, "cardiomegaly": 0}),
        H("026", "Mô tả hình ảnh:\n- Xương lồng ngực bình thường.\n- TDMP trái lượng ít.\n- Hai phế trường sáng đều.\n"
                 "- Bóng tim không to.", (0, 1, 0, 0, 1), method="rule", note="abbreviation TDMP",
          findings={"pleural effusion": 1}),
        H("027", "Mô tả hình ảnh:\n- Xương lồng ngực bình thường.\n- Tràn dịch màng phổi phải. Không thấy tràn dịch màng phổi trái.\n"
                 "- Hai phế trường sáng đều.\n- Bóng tim không to.", (0, 1, 0, 0, 1), method="rule",
          note="right present, left absent: not a conflict", findings={"pleural effusion": 1}),
        H("028", "Mô tả hình ảnh:\n- Xương lồng ngực bình thường.\n- Góc sườn hoành phải tù, góc sườn hoành trái nhọn.\n"
                 "- Hai phế trường sáng đều.\n- Bóng tim không to.", (0, 1, 0, 0, 1), method="rule",
          findings={"costophrenic angle blunting": 1}),
        H("029", "Mô tả hình ảnh:\n- Xương lồng ngực bình thường.\n- Góc sườn hoành hai bên nhọn.\n- Hai phế trường sáng đều.\n"
                 "- Hình tim to, chỉ số tim ngực khoảng 0,58.", (0, 0, 0, 1, 1), method="rule", findings={"cardiomegaly": 1}),
        H("030", "Mô tả hình ảnh:\n- Gãy cung bên xương sườn 5 phải.\n- Góc sườn hoành hai bên nhọn.\n- Hai phế trường sáng đều.\n"
                 "- Bóng tim không to.\nKết luận: Hình ảnh tim phổi bình thường.", (1, 0, 0, 0, 1), method="rule",
          note="a whole-report normal conclusion beside a finding summarises the rest: the fracture is labelled "
               "(normal_summary: finding, issue 12)"),
        H("031", "MÔ TẢ HÌNH ẢNH:\n1. Hai phế trường sáng đều.\n2. Bóng tim không to.\n3. Góc sườn hoành hai bên nhọn.\n"
                 "4. Không thấy bất thường xương lồng ngực.", (0, 0, 0, 0, 0), method="template", note="numbered bullets"),
        H("032", "+ Không thấy bất thường xương lồng ngực.\n+ Không thấy hình tràn dịch, tràn khí màng phổi.\n"
                 "+ Hai phế trường sáng đều.\n+ Hình tim và trung thất không thấy bất thường.", (0, 0, 0, 0, 0),
          method="template", note="'+' bullets, no header"),
        H("033", "MÔ TẢ HÌNH ẢNH:\n- KHÔNG THẤY BẤT THƯỜNG XƯƠNG LỒNG NGỰC.\n- GÓC SƯỜN HOÀNH HAI BÊN NHỌN.\n"
                 "- HAI PHẾ TRƯỜNG SÁNG ĐỀU.\n- BÓNG TIM KHÔNG TO.", (0, 0, 0, 0, 0), method="template", note="upper case"),
        H("034", "Mô tả hình ảnh:\n- Nghi gãy cung bên xương sườn 6 trái.\n- Góc sườn hoành hai bên nhọn.\n- Hai phế trường sáng đều.\n"
                 "- Bóng tim không to.", (-1, 0, 0, 0, -1), method="rule", findings={"rib fracture": -1}),
        H("035", "Mô tả hình ảnh:\n- Không thấy gãy xương. Thưa xương.\n- Góc sườn hoành hai bên nhọn.\n- Hai phế trường sáng đều.\n"
                 "- Bóng tim không to.", (1, 0, 0, 0, 1), method="rule", findings={"osteoporosis": 1}),
        H("036", "Mô tả hình ảnh:\n- Xương lồng ngực bình thường.\n- Mờ nhẹ góc sườn hoành trái.\n- Hai phế trường sáng đều.\n"
                 "- Bóng tim không to.", (0, 1, 0, 0, 1), method="rule", findings={"costophrenic angle blunting": 1}),
        H("037", "Mô tả hình ảnh:\n- Xương lồng ngực bình thường.\n- Góc sườn hoành hai bên nhọn.\n"
                 "- Hai phế trường sáng đều, không thấy đông đặc hay nốt mờ.\n- Bóng tim không to.", (0, 0, 0, 0, 0),
          method="rule", findings={"consolidation": 0, "nodule": 0}),
        H("038", "Mô tả hình ảnh:\n- Xương lồng ngực bình thường.\n- Không thấy hình ảnh tràn dịch màng phổi. Dày dính góc sườn hoành phải.\n"
                 "- Hai phế trường sáng đều.\n- Bóng tim không to.", (0, 1, 0, 0, 1), method="rule",
          findings={"pleural effusion": 0, "pleural thickening": 1}),
        H("039", "Mô tả hình ảnh:\n- Xương lồng ngực bình thường.\n- Ko thấy tràn dịch màng phổi.\n- Hai phế trường sáng đều.\n"
                 "- Bóng tim không to.", (0, 0, 0, 0, 0), method="template",
          note="typed 'ko' for không (an abbreviation: the sentence is then a normal template)",
          findings={"pleural effusion": 0}),
        H("040", "Mô tả hình ảnh:\n- Xương lồng ngực bình thường.\n- Góc sườn hoành hai bên nhọn.\n- Hai phế trường sáng đều.\n"
                 "- Tim to, phổi ứ huyết.", (0, 0, 1, 1, 1), method="rule",
          findings={"cardiomegaly": 1, "hilar congestion": 1}),
        H("041", "Mô tả hình ảnh:\n" + N4 + "\nKết luận: Dày thành phế quản.", (0, 0, 1, 0, 1), method="rule",
          note="finding only in an inline conclusion", findings={"bronchial wall thickening": 1}),
        H("042", "Mô tả hình ảnh:\n- Không thấy bất thường xương lồng ngực.\n- Không thấy tràn dịch màng phổi.\n"
                 "- Hai phế trường sáng đều.\n- Bóng tim không to.\nKết luận: Hình ảnh tim phổi bình thường.",
          (0, 0, 0, 0, 0), method="template"),
        H("043", "Mô tả hình ảnh:\n- Khung xương lồng ngực bình thường.\n- Góc sườn hoành hai bên nhọn.\n"
                 "- Hai phế trường sáng đều.\n- Bóng tim không to.\n- Phim chụp đạt tiêu chuẩn.\n"
                 "Đề nghị kết hợp lâm sàng.", (0, 0, 0, 0, 0), method="template", note="boilerplate is ignored"),
        H("044", "Mô tả hình ảnh:\n- Xương lồng ngực bình thường.\n- Góc sườn hoành hai bên nhọn.\n"
                 "- Đám mờ thuỳ dưới phổi phải, không loại trừ viêm phổi.\n- Bóng tim không to.", (0, 0, 1, 0, 1),
          method="rule", note="the opacity is certain, the pneumonia is not", findings={"infiltrates": 1, "pneumonia": -1}),
        H("045", "Mô tả hình ảnh:\n- Thưa xương.\n- Tràn dịch màng phổi hai bên lượng ít.\n- Đám mờ hai đáy phổi.\n"
                 "- Bóng tim to toàn bộ.", (1, 1, 1, 1, 1), method="rule",
          findings={"osteoporosis": 1, "pleural effusion": 1, "infiltrates": 1, "cardiomegaly": 1}),
        H("046", "Mô tả hình ảnh:\n- Xương lồng ngực bình thường.\n- Góc sườn hoành hai bên nhọn.\n- Hai phế trường sáng đều.\n"
                 "- Bóng tim không to.\n- Ống nội khí quản đúng vị trí.", (0, 0, 0, 0, 1), method="rule",
          note="a support device makes abnormal 1 and no region (devices_abnormal: true, issue 12 class 11)",
          findings={"endotracheal tube": 1}),
        H("047", "Mô tả hình ảnh:\n- Bất thường cung sau xương sườn 4 trái.\n- Góc sườn hoành hai bên nhọn.\n"
                 "- Hai phế trường sáng đều.\n- Bóng tim không to.", (1, 0, 0, 0, 1), method="rule",
          note="generic abnormality takes the region of its bullet", findings={"unspecified abnormality": 1}),
        H("048", "Mô tả hình ảnh:\n- Xương lồng ngực bình thường.\n- Góc sườn hoành hai bên nhọn.\n"
                 "- Tổn thương dạng đám thuỳ trên phổi trái.\n- Bóng tim không to.", (0, 0, 1, 0, 1), method="rule",
          findings={"infiltrates": 1}),
        H("049", "Mô tả hình ảnh:\n- Xương lồng ngực bình thường.\n- Góc sườn hoành hai bên nhọn.\n- Hai phế trường sáng đều.\n"
                 "- Bóng tim không to.\n- Vòm hoành phải nâng cao.", (0, 0, 0, 0, 1), method="rule",
          findings={"hemidiaphragm elevation": 1}),
        H("050", "Mô tả hình ảnh:\n- Xương lồng ngực bình thường.\n- Khôg thấy tràn dịch màng phổi.\n- Hai phế trường sáng đều.\n"
                 "- Bóng tim không to.", (0, 0, 0, 0, 0), review=True, allow_labelled=True,
          note="misspelled negation cue: must not become a silent positive"),
        H("051", "Mô tả hình ảnh:\n- Xương lồng ngực bình thường.\n- Không thấy tràn khí, tràn dicj màng phổi.\n"
                 "- Hai phế trường sáng đều.\n- Bóng tim không to.", (0, 0, 0, 0, 0), review=True, allow_labelled=True,
          note="a misspelled finding beside a matched one"),
        H("052", "Mô tả hình ảnh:\n- Xuơng lồng ngực bình thường.\n- Góc sườn hoành hai bên nhọn.\n- Hai phế trường sáng đều.\n"
                 "- Bóng tim không to.", (0, 0, 0, 0, 0), review=True, allow_labelled=True,
          note="'uơ' typed for 'ươ' in a template"),
        H("053", "Mo ta hinh anh:\n- Khong thay bat thuong xuong long nguc.\n- Tran dich mang phoi phai luong it.\n"
                 "- Hai phe truong sang deu.\n- Bong tim khong to.", (0, 1, 0, 0, 1), review=True, allow_labelled=True, note="no diacritics"),
        H("054", "Bong tim to.", (0, 0, 0, 1, 1), review=True, allow_labelled=True,
          note="a one-line report without diacritics"),
        H("055", "Mô tả hình ảnh:\n- Xương lồng ngực bình thường.\n- Góc sườn hoành hai bên nhọn.\n- Hai phế trường sáng đều.\n"
                 "- Bóng tim không to.\n- Hình ảnh ống thông tĩnh mạch rốn.", (0, 0, 0, 0, 0), review=True,
          note="an unknown sentence (umbilical venous catheter) goes to a person"),
    ]


# ----------------------------------------------------------------------------- encodings
def write_csv(path: Path, rows: list[tuple[str, str]], encoder) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["report_id", "text"])
    for rid, text in rows:
        writer.writerow([rid, text])
    path.write_bytes(encoder(buffer.getvalue()))


def main() -> int:
    sys.path.insert(0, str(HERE.parents[3]))
    from rxlabel.labeler.orthography_vi import (  # converters live with the detector
        to_cp1258_bytes,
        to_tcvn3_bytes,
    )

    rng = random.Random(SEED)
    rows = generated(rng) + tricky()
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids)), "duplicate case ids"
    with open(HERE / "cases.jsonl", "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    # Encoding twins: the same 40 reports (normal, abnormal, negated, uncertain) in five byte forms.
    pick = [r for r in rows if r["kind"] in ("normal", "single_region", "multi_region", "negated", "uncertain")]
    sample = random.Random(SEED + 1).sample(pick, 40)
    pairs = [(r["id"], r["text"]) for r in sample]
    write_csv(HERE / "reports_utf8_nfc.csv", pairs, lambda s: unicodedata.normalize("NFC", s).encode("utf-8"))
    write_csv(HERE / "reports_nfd.csv", pairs, lambda s: unicodedata.normalize("NFD", s).encode("utf-8"))
    write_csv(HERE / "reports_cp1258.csv", pairs, to_cp1258_bytes)
    # TCVN3 has no bullet sign; old systems typed "-".
    write_csv(HERE / "reports_tcvn3.csv", pairs, lambda s: to_tcvn3_bytes(s.replace("•", "-")))
    write_csv(HERE / "reports_tcvn3_font.csv", pairs,
              lambda s: to_tcvn3_bytes(s.replace("•", "-")).decode("cp1252", "replace").encode("utf-8"))
    kinds: dict[str, int] = {}
    for r in rows:
        kinds[r["kind"]] = kinds.get(r["kind"], 0) + 1
    print(f"{len(rows)} cases: " + ", ".join(f"{k} {v}" for k, v in kinds.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
