"""Behaviour of the engine stages through the small Spanish test pack and the English pack."""

import pickle


def test_positive_negative_uncertain(mini):
    r = mini("Derrame pleural derecho. No se observa neumotórax. Probable neumonía.")
    assert r.findings == {"pleural effusion": 1, "pneumothorax": 0, "pneumonia": -1}
    assert r.method == "rule"
    assert r.regions == {"chest_wall": 0, "pleura": 1, "parenchyma": -1, "cardio": 0, "abnormal": 1}


def test_accents_case_and_longest_match(mini):
    r = mini("DERRAMES PLEURALES y cardiomegalia.")
    assert r.findings == {"pleural effusion": 1, "cardiomegaly": 1}
    ev = {e["finding"]: e for e in r.evidence}
    assert ev["pleural effusion"]["rule"] == "phrase:derrames pleurales"
    assert "DERRAMES PLEURALES y cardiomegalia."[ev["pleural effusion"]["start"]:ev["pleural effusion"]["end"]] == "DERRAMES PLEURALES"


def test_scope_terminators_and_pseudo_cues(mini):
    assert mini("No se observa neumotórax pero sí derrame pleural.").findings == {"pneumothorax": 0, "pleural effusion": 1}
    assert mini("Derrame pleural sin cambios respecto al previo.").findings == {"pleural effusion": 1}
    assert mini("Cardiomegalia sin derrame pleural.").findings == {"cardiomegaly": 1, "pleural effusion": 0}
    assert mini("No se puede descartar neumonía.").findings == {"pneumonia": -1}
    # only negated findings: the report is normal (PadChest labels a negated sentence 'normal')
    assert mini("Neumotórax descartado.").findings == {"pneumothorax": 0, "normal": 1}


def test_coordinated_negation_covers_the_list(mini):
    r = mini("No se observa neumotórax ni derrame pleural ni fracturas.")
    assert r.findings == {"pneumothorax": 0, "pleural effusion": 0, "fracture": 0, "normal": 1}
    assert r.regions["abnormal"] == 0


def test_exclusion_phrase_suppresses_match(mini):
    assert "pleural effusion" not in mini("Derrame pericárdico.").findings


def test_negative_phrase_states_absence(mini):
    r = mini("Silueta cardiaca de tamaño normal. Neumonía basal.")
    assert r.findings == {"cardiomegaly": 0, "pneumonia": 1}


def test_template_report_is_normal_without_rules(mini):
    r = mini("Sin hallazgos significativos.")
    assert r.method == "template"
    assert r.findings == {"normal": 1}
    assert r.regions == {"chest_wall": 0, "pleura": 0, "parenchyma": 0, "cardio": 0, "abnormal": 0}
    assert r.evidence[0]["rule"].startswith("template:")
    assert mini("Sin alteraciones pleuroparenquimatosas significativas.").method == "template"  # wildcard
    assert mini("Senos costofrénicos libres. No disponemos de estudios previos. Sin hallazgos significativos.").method == "template"


def test_partial_template_coverage_is_not_normal(mini):
    r = mini("Senos costofrénicos libres.")
    assert r.method == "unlabelled" and r.review_reasons == ["no_match"]


def test_out_of_region_abnormality_sets_abnormal_only(mini):
    r = mini("Neumoperitoneo.")
    assert r.regions == {"chest_wall": 0, "pleura": 0, "parenchyma": 0, "cardio": 0, "abnormal": 1}


def test_devices_are_not_abnormal(mini):
    # The mini pack marks its tube `abnormal: false`; a device still says nothing about normality (issue 12,
    # classes 4 and 11: normal only when the report states it), so no inferred `normal`.
    r = mini("SNG en cámara gástrica.")
    assert r.findings == {"nsg tube": 1}
    assert r.regions["abnormal"] == 0


def test_review_reasons(mini):
    assert mini("").review_reasons == ["empty"]
    assert mini(None).review_reasons == ["empty"]
    assert mini("Paciente colaborador.").review_reasons == ["no_match"]
    r = mini("Derame pleural izquierdo.")
    assert r.method == "unlabelled" and "fuzzy_only" in r.review_reasons
    assert r.findings == {}  # a fuzzy hit is a suggestion, never a label
    assert r.suggestions == {"pleural effusion": 1}
    conflict = mini("Neumotórax. No se observa neumotórax.")
    assert conflict.review_reasons == ["conflict"] and conflict.method == "unlabelled"
    assert mini("Sin hallazgos significativos. Cardiomegalia.").review_reasons == ["conflict"]


def test_laterality_is_not_a_conflict(mini):
    r = mini("Derrame pleural derecho. No se observa derrame pleural izquierdo.")
    assert r.method == "rule" and r.findings == {"pleural effusion": 1}
    assert {tuple(e["localizations"]) for e in r.evidence} == {("loc right",), ("loc left",)}


def test_skipped_sections_are_not_labelled(mini):
    r = mini("DATOS CLÍNICOS: descartar neumonía.\nHALLAZGOS: sin hallazgos significativos.")
    assert r.method == "template"


def test_output_shape_and_version(mini):
    d = mini("Cardiomegalia.", report_id="r1").to_dict()
    assert list(d) == ["report_id", "method", "findings", "regions", "evidence", "review_reasons", "rules_version"]
    assert d["rules_version"] == mini.version and d["report_id"] == "r1"
    ev = d["evidence"][0]
    assert {"finding", "status", "sentence", "window", "start", "end", "cue", "rule"} <= set(ev)


def test_labeler_pickles_for_worker_processes(mini):
    clone = pickle.loads(pickle.dumps(mini))
    text = "Derrame pleural. Probable neumonía."
    assert clone(text).to_dict() == mini(text).to_dict()


def test_english_reference_pack_chexpert_style(english):
    r = english("Minimal patchy airspace disease within the lingula, may reflect atelectasis or consolidation.")
    assert r.findings == {"lung opacity": 1, "atelectasis": -1, "consolidation": -1}
    r = english("Heart size normal and lungs are clear. No edema or pneumonia. No effusion")
    assert r.findings == {"cardiomegaly": 0, "edema": 0, "pneumonia": 0, "pleural effusion": 0, "no finding": 1}


def test_very_long_report_is_labelled_and_flagged(mini):
    text = "Derrame pleural derecho. " + "Paciente colaborador. " * 6000
    r = mini(text)
    assert r.findings["pleural effusion"] == 1
    assert "too_long" in r.review_reasons


def test_template_sentences_keep_the_negatives_they_state(tmp_path):
    import shutil

    from rxlabel.labeler import Labeler
    from tests.labeler.conftest import MINI

    folder = tmp_path / "pack"
    shutil.copytree(MINI, folder)
    (folder / "more_templates.yaml").write_text("templates:\n  - {text: no se observa neumotórax, regions: [pleura]}\n"
                                                "  - {text: sin cardiomegalia, regions: [cardio]}\n", encoding="utf-8")
    lab = Labeler(folder)
    r = lab("No se observa neumotórax. Derrame pleural derecho.")
    assert r.method == "rule" and r.findings == {"pneumothorax": 0, "pleural effusion": 1}
    assert lab("Sin hallazgos significativos. Sin cardiomegalia.").findings == {"normal": 1, "cardiomegaly": 0}


def test_a_longer_corrected_reading_goes_to_review(tmp_path):
    import shutil

    from rxlabel.labeler import Labeler
    from tests.labeler.conftest import MINI

    folder = tmp_path / "pack"
    shutil.copytree(MINI, folder)
    (folder / "pericardium.yaml").write_text("findings:\n  - name: pericardial effusion\n    region: cardio\n"
                                             "    phrases: [derrame pericárdico]\n", encoding="utf-8")
    # exact: "derrame" (pleural effusion); corrected: "derrame pericárdico", a longer reading around it
    r = Labeler(folder)("Derrame pericardicp.")
    assert r.method == "unlabelled" and "fuzzy_only" in r.review_reasons
    assert r.suggestions == {"pericardial effusion": 1}


def test_unknown_header_line_ends_a_skipped_section(mini):
    r = mini("DATOS CLÍNICOS: disnea.\nHallazgos en la radiografía de hoy:\nDerrame pleural.")
    assert r.findings == {"pleural effusion": 1}
