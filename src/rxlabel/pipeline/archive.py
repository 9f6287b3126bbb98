"""A small two-hospital demo archive with known truth: DICOM images and HIS session exports.

The structure (visits, retakes, placeholder accessions, missing dates, time zones, lateral and
abdominal images, reports without images, ...) comes from :mod:`matcher.synth`. This module gives
it content: Spanish reports for one hospital and Vietnamese four-bullet reports for the other,
composed per region (chest wall, pleura, parenchyma, cardio), and images derived from the bundled
real radiographs (NIH ChestX-ray14, see ``pipeline/data/PROVENANCE.md``) with the findings of the
image's report drawn on them, so a classifier trained on the labelled archive has something real to
learn. File-level traps are added too: a truncated DICOM, a file that is not DICOM, a malformed HIS
export, MONOCHROME1 and 16-bit images.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
from PIL import Image

from rxlabel.schema import REGIONS

# Per language and region: (normal phrasings, abnormal phrasings). Abnormal texts are what the
# images show; each phrasing is one a rule pack must read (checked by tests/pipeline).
PHRASES: dict[str, dict[str, tuple[list[str], list[str]]]] = {
    "es": {
        "chest_wall": (["", "Sin alteraciones óseas."],
                       ["Fractura del arco costal posterior izquierdo.", "Fracturas costales derechas."]),
        "pleura": (["Senos costofrénicos libres.", "No se observa derrame pleural."],
                   ["Derrame pleural derecho.", "Pequeño derrame pleural izquierdo."]),
        "parenchyma": (["No se observan condensaciones.", "Sin alteraciones pleuroparenquimatosas."],
                       ["Nódulo pulmonar en lóbulo superior derecho.", "Condensación en lóbulo inferior izquierdo."]),
        "cardio": (["Silueta cardiaca de tamaño normal.", "Índice cardiotorácico normal."],
                   ["Cardiomegalia.", "Aumento de la silueta cardiaca."]),
    },
    "vi": {
        "chest_wall": (["- Không thấy bất thường xương lồng ngực."],
                       ["- Gãy xương sườn 5 bên trái.", "- Gãy cung sau xương sườn 6 bên phải."]),
        "pleura": (["- Không thấy hình tràn dịch, tràn khí màng phổi."],
                   ["- Tràn dịch màng phổi phải.", "- Tràn dịch màng phổi trái lượng ít."]),
        "parenchyma": (["- Hai phế trường sáng đều."],
                       ["- Nốt mờ thùy trên phổi phải.", "- Đám mờ đáy phổi trái."]),
        "cardio": (["- Bóng tim không to.", "- Hình tim và trung thất không thấy bất thường."],
                   ["- Bóng tim to.", "- Hình tim to."]),
    },
}
NORMAL_TEMPLATE = {"es": "Sin hallazgos significativos.", "vi": None}
# Report-level traps that must reach the review queue, never a silent label.
TRAP_TEXTS = {"es": ["Derame pleural derecho.", ""], "vi": ["- Hinh tim to, tran dich mang phoi phai.", ""]}
SITES = {"es": "H-ES", "vi": "H-VI"}
BASES = ("00000001_000.png", "00027426_000.png", "1.2.276.0.7230010.3.1.4.8323329.6904.1517875201.850819.dcm")


@dataclass
class DemoArchive:
    """Where the generated files are and what is known to be true about them."""

    root: Path
    sites: dict[str, dict] = field(default_factory=dict)  # lang -> {"dicom", "his", "truth", "images", ...}

    def to_json(self) -> dict:
        return {"root": str(self.root), "sites": self.sites}


def compose_report(lang: str, findings: dict[str, bool], rng: random.Random) -> str:
    """A report in ``lang`` stating each region normal or abnormal as ``findings`` says."""
    if not any(findings.values()) and NORMAL_TEMPLATE[lang] and rng.random() < 0.3:
        return NORMAL_TEMPLATE[lang]
    parts = []
    for region in REGIONS:
        normal, abnormal = PHRASES[lang][region]
        text = rng.choice(abnormal if findings[region] else normal)
        if text:
            parts.append(text)
    return ("\n" if lang == "vi" else " ").join(parts)


def _base_images(size: int) -> list[np.ndarray]:
    """The bundled real radiographs as float arrays in [0, 1], ``size`` x ``size``."""
    import pydicom

    out = []
    folder = resources.files("rxlabel.pipeline") / "data" / "cxr"
    for name in BASES:
        with resources.as_file(folder / name) as path:
            if name.endswith(".dcm"):
                arr = pydicom.dcmread(path).pixel_array.astype(np.float32)
            else:
                arr = np.asarray(Image.open(path).convert("L"), dtype=np.float32)
        arr = (arr - arr.min()) / max(1e-6, float(arr.max() - arr.min()))
        out.append(np.asarray(Image.fromarray(arr, mode="F").resize((size, size), Image.Resampling.BILINEAR)))
    return out


def _ellipse(yy, xx, cy, cx, ry, rx) -> np.ndarray:
    return (((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 <= 1.0).astype(np.float32)


def _blur(a: np.ndarray, k: int) -> np.ndarray:
    """Box blur of radius ``k`` by cumulative sums (soft edges, as tissue and scatter give)."""
    pad = np.pad(a, k, mode="edge").cumsum(0)
    a = (pad[2 * k :] - np.vstack([np.zeros((1, pad.shape[1]), a.dtype), pad[: -2 * k - 1]]))[:, k:-k] / (2 * k + 1)
    pad = np.pad(a, ((0, 0), (k, k)), mode="edge").cumsum(1)
    return (pad[:, 2 * k :] - np.hstack([np.zeros((pad.shape[0], 1), a.dtype), pad[:, : -2 * k - 1]])) / (2 * k + 1)


def draw_variant(base: np.ndarray, findings: dict[str, bool], rng: np.random.Generator) -> np.ndarray:
    """A new radiograph from ``base``: small affine and exposure changes, then the findings drawn per region."""
    s = base.shape[0]
    pil = Image.fromarray(base, mode="F")
    angle = float(rng.uniform(-4, 4))
    scale = float(rng.uniform(0.95, 1.08))
    dx, dy = rng.uniform(-0.04, 0.04, 2) * s
    pil = pil.rotate(angle, resample=Image.Resampling.BILINEAR, translate=(dx, dy))
    if scale != 1.0:
        big = round(s * scale)
        pil = pil.resize((big, big), Image.Resampling.BILINEAR)
        off = (big - s) // 2
        pil = pil.crop((off, off, off + s, off + s)) if big > s else pil.crop((-off, -off, -off + s, -off + s))
    img = np.asarray(pil, dtype=np.float32).copy()
    yy, xx = np.mgrid[0:s, 0:s].astype(np.float32)
    overlay = np.zeros_like(img)
    lungs = [(s * 0.30, s * 0.47), (s * 0.70, s * 0.47)]  # (cx, cy) of the two lung fields
    if findings.get("cardio"):
        overlay += 0.22 * _ellipse(yy, xx, s * 0.64, s * 0.56, s * 0.16, s * 0.23)
    if findings.get("pleura"):
        cx, cy = lungs[int(rng.integers(2))]
        level = cy + s * rng.uniform(0.08, 0.16)
        lung = _ellipse(yy, xx, cy, cx, s * 0.30, s * 0.16)
        meniscus = (yy > level - 0.5 * np.abs(xx - cx)).astype(np.float32)
        overlay += 0.32 * lung * meniscus
    if findings.get("parenchyma"):
        cx, cy = lungs[int(rng.integers(2))]
        for _ in range(int(rng.integers(1, 4))):
            ny, nx = cy + rng.uniform(-0.18, 0.12) * s, cx + rng.uniform(-0.07, 0.07) * s
            r = s * rng.uniform(0.035, 0.06)
            overlay += 0.3 * _ellipse(yy, xx, ny, nx, r, r)
    if findings.get("chest_wall"):
        wx = s * (0.07 if rng.random() < 0.5 else 0.93)
        overlay += 0.4 * _ellipse(yy, xx, s * rng.uniform(0.35, 0.65), wx, s * 0.08, s * 0.05)
    img = img + _blur(overlay, max(1, s // 64))
    img = img * rng.uniform(0.85, 1.1) + rng.uniform(-0.05, 0.05)
    img = np.clip(img + rng.normal(0, 0.02, img.shape), 0, 1) ** rng.uniform(0.85, 1.2)
    return img.astype(np.float32)


def _pixels(img: np.ndarray, kind: str) -> tuple[np.ndarray, str]:
    if kind == "mono1":
        return np.round((1.0 - img) * 255).astype(np.uint8), "MONOCHROME1"
    if kind == "16bit":
        return np.round(img * 4095).astype(np.uint16), "MONOCHROME2"
    return np.round(img * 255).astype(np.uint8), "MONOCHROME2"


# Identifiers a real archive carries (``phi=True``): names and birth dates in the DICOM header, and the
# patient's name, record number and dates typed into some reports. ASCII, as many PACS store names; no
# surname that is also a word of the reports written without diacritics ("tran" dich), which a scrubber must keep.
SURNAMES = {"es": ["GARCIA", "LOPEZ", "MARTIN", "ROMERO", "NAVARRO", "MORENO", "ALONSO", "GUTIERREZ"],
            "vi": ["NGUYEN", "PHAM", "HOANG", "HUYNH", "TRINH", "VUONG", "QUACH", "KHUU"]}
GIVEN = {"es": ["LUCIA", "JAVIER", "CARMEN", "ANTONIO", "PILAR", "ISMAEL"],
         "vi": ["VAN AN", "THI HOA", "MINH TUAN", "THU TRANG", "QUOC BAO"]}
PHI_SENTENCE = {"es": " Paciente {given} {surname}, NHC {pid}, nacido el {birth}. Comparado con estudio previo del {prior}.",
                "vi": "\nBệnh nhân {surname} {given}, mã BN {pid}, sinh ngày {birth}, so sánh phim ngày {prior}."}


def _add_phi(a, lang: str, seed: int) -> dict:
    """Give each patient a name and birth date, and type them (with a record number and a date) into 40% of reports."""
    from datetime import datetime, timedelta

    rng = random.Random(seed + 7919)  # its own stream: the rest of the archive is the same with or without PHI
    people = {}
    for sess in a.sessions:
        pid = sess["patient_id"]
        if pid not in people:
            birth = datetime(1930, 1, 1) + timedelta(days=rng.randrange(0, 70 * 365))
            people[pid] = {"surname": rng.choice(SURNAMES[lang]), "given": rng.choice(GIVEN[lang]), "birth": birth}
        who = people[pid]
        for rep in sess["reports"]:
            if rep["text"] and rng.random() < 0.4:
                rep["text"] += PHI_SENTENCE[lang].format(
                    given=who["given"].title(), surname=who["surname"].title(), pid=pid,
                    birth=who["birth"].strftime("%d/%m/%Y"), prior=(rep["time"] - timedelta(days=30)).strftime("%d/%m/%Y"))
    for rec in a.images:
        who = people.get(rec["patient_id"])
        if who:
            rec["patient_name"] = f"{who['surname']}^{who['given']}"
            rec["birth_date"] = who["birth"].strftime("%Y%m%d")
    return {pid: {"name": f"{w['surname']}^{w['given']}", "birth_date": w["birth"].strftime("%Y%m%d")}
            for pid, w in people.items()}


def generate_site(root: Path, lang: str, n_patients: int, seed: int, size: int, phi: bool = False) -> dict:
    """One hospital: DICOM tree, HIS exports, and ``truth.json`` (image -> acceptable reports, image findings).

    ``phi``: patients get names and birth dates, and some reports mention them (to test ``--deidentify``).
    """
    from rxlabel.matcher import synth

    rng = random.Random(seed)
    nrng = np.random.default_rng(seed)
    a = synth.generate(n_patients=n_patients, seed=seed)
    # Report contents: each synth text stands for a distinct report; map it to a composed one per session so
    # "same text" stays same (duplicate exports) and "different text" stays different (a person decides).
    composed: dict[tuple[str, str], tuple[str, dict]] = {}
    report_findings: dict[str, dict] = {}
    n_traps = 0
    for sess in a.sessions:
        for rep in sess["reports"]:
            if rep["service"] != synth.CHEST:
                continue
            key = (sess["id"], rep["text"])
            if key not in composed:
                if rng.random() < 0.04:
                    text, f = TRAP_TEXTS[lang][n_traps % 2], {}
                    n_traps += 1
                else:
                    f = {r: rng.random() < 0.3 for r in REGIONS}
                    text = compose_report(lang, f, rng)
                    # two different reports of one visit must stay different after composing
                    while any(t == text for (sid, _), (t, _) in composed.items() if sid == sess["id"]):
                        f = {r: rng.random() < 0.3 for r in REGIONS}
                        text = compose_report(lang, f, rng)
                composed[key] = (text, f)
            rep["text"], report_findings[rep["id"]] = composed[key]
    people = _add_phi(a, lang, seed) if phi else {}
    bases = _base_images(size)
    dicom_dir = root / lang / "dicom"
    kinds = {"plain": 0, "mono1": 0, "16bit": 0}
    image_truth = {}
    for rec in a.images:
        acceptable = a.truth.get(rec["sop_uid"], frozenset())
        f = next((report_findings[r] for r in sorted(acceptable) if r in report_findings), None)
        if f is None:  # no report: draw something anyway (the image is real-looking, just unlabelled)
            f = {r: bool(nrng.random() < 0.3) for r in REGIONS}
        img = draw_variant(bases[int(nrng.integers(len(bases)))], f, nrng)
        u = nrng.random()
        kind = "mono1" if u < 0.1 else "16bit" if u < 0.2 else "plain"
        kinds[kind] += 1
        pixels, photometric = _pixels(img, kind)
        rec["photometric"] = photometric
        path = dicom_dir / (rec["patient_id"] or "no_patient") / rec["study_uid"][-12:] / f"{rec['sop_uid'][-16:]}.dcm"
        synth.write_dicom(rec, path, pixels=pixels)
        rec["path"] = str(path)
        image_truth[rec["sop_uid"]] = {"reports": sorted(acceptable), "findings": {k: int(v) for k, v in f.items()}}
    # File-level traps: reported by the scan, never a crash, never lost.
    good = sorted(dicom_dir.rglob("*.dcm"))[0].read_bytes()
    (dicom_dir / "trap_truncated.dcm").write_bytes(good[: len(good) // 3])
    (dicom_dir / "trap_not_dicom.dcm").write_text("exported by the PACS viewer, not an image\n")
    his_dir = root / lang / "his"
    his_files = synth.write_archive_his(a, his_dir, per_file=40)
    (his_dir / "his_broken.xml").write_bytes(b"<?xml version='1.0'?>\n<SESSIONS><SESSION><SESSION_ID>X</SESS")
    truth = {"images": image_truth, "expect_ambiguous": sorted(a.expect_ambiguous), "traps": a.traps,
             "report_findings": report_findings, "pixel_kinds": kinds, "people": people}
    (root / lang / "truth.json").write_text(json.dumps(truth, indent=1, ensure_ascii=False), "utf-8")
    return {"lang": lang, "site": SITES[lang], "dicom": str(dicom_dir), "his": str(his_dir),
            "truth": str(root / lang / "truth.json"), "dicom_files": len(a.images) + 2,
            "his_files": len(his_files) + 1, "reports": sum(len(s["reports"]) for s in a.sessions),
            "sessions": len(a.sessions), "traps": dict(a.traps, truncated_dicom=1, not_dicom=1, malformed_xml=1,
                                                        report_text_traps=n_traps)}


def generate(root: str | Path, n_patients: int = 60, seed: int = 0, size: int = 192,
             langs: tuple[str, ...] = ("es", "vi"), phi: bool = False) -> DemoArchive:
    """Write the demo archive under ``root``: one hospital per language; same seed, same bytes."""
    root = Path(root)
    out = DemoArchive(root)
    for k, lang in enumerate(langs):
        out.sites[lang] = generate_site(root, lang, n_patients, seed * 100 + k + 1, size, phi)
    return out


def score_pairs(truth_path: str | Path, pairs, ambiguous) -> dict:
    """Precision and recall of matched pairs against ``truth.json``."""
    truth = json.loads(Path(truth_path).read_text("utf-8"))["images"]
    expect_amb = set(json.loads(Path(truth_path).read_text("utf-8"))["expect_ambiguous"])
    got = list(zip(pairs["sop_uid"], pairs["report_id"], strict=True))
    correct = sum(1 for sop, rid in got if rid in truth.get(sop, {}).get("reports", ()))
    matchable = sum(1 for v in truth.values() if v["reports"])
    found = {sop for sop, rid in got if rid in truth.get(sop, {}).get("reports", ())}
    amb = set(ambiguous["sop_uid"]) if len(ambiguous) else set()
    return {"pairs": len(got), "correct": correct,
            "precision": round(correct / len(got), 4) if got else 1.0,
            "recall": round(len(found) / matchable, 4) if matchable else 1.0,
            "ambiguous_expected": len(expect_amb), "ambiguous_found": len(expect_amb & amb)}
