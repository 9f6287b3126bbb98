from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from rxlabel.index.hierarchy import HierarchyError, UnknownTermError, load_hierarchy, resolve_path
from rxlabel.labeler.pack import RULES_DIR

from .conftest import DATA, PADCHEST_GR, PADCHEST_ROWS, TAXONOMY, shared


def test_language_code_and_path_give_the_same_tree():
    by_lang = load_hierarchy("es")
    by_path = load_hierarchy(RULES_DIR / "es" / "hierarchy.yaml")
    assert by_lang.terms() == by_path.terms()
    assert resolve_path("es").name == "hierarchy.yaml"


def test_unknown_language_is_a_clear_error():
    with pytest.raises(HierarchyError, match="no hierarchy for language 'xx'"):
        load_hierarchy("xx")


def test_systematic_terms_expand_to_padchest_leaves():
    tree = load_hierarchy("es")
    nodular = tree.expand("nodular")
    assert {"nodule", "multiple nodules", "granuloma", "calcified granuloma", "pulmonary mass"} <= nodular
    assert {"laminar atelectasis", "fibrotic band"} <= tree.expand("linear")
    assert "pacemaker" in tree.expand("devices")
    assert "normal" not in tree.expand("not-normal")
    assert {"cardiomegaly", "pneumonia", "unchanged"} <= tree.expand("not-normal")
    assert "exclude" not in tree.expand("not-normal")
    assert "multiple nodules" in tree.leaves("nodular") and "nodule" not in tree.leaves("nodular")


def test_every_systematic_reference_is_a_padchest_term():
    assert load_hierarchy("es").undefined_references() == {}


def test_padchest_dag_cuis_and_counts():
    tree = load_hierarchy("es")
    assert set(tree.parents("calcified granuloma")) >= {"granuloma", "calcified densities"}
    effusion = tree.term("pleural effusion")
    assert effusion.cuis == ("C2073625",) and effusion.count == 8282
    assert "loculated pleural effusion" in tree.children("pleural effusion")
    assert {"left lower lobe", "lingula"} <= tree.expand("lower lung field", "localization")
    assert "nsg tube" in tree and "copd signs" in tree  # PadChest spells them NSG / COPD; names are lower case


def test_unknown_term_suggests_the_closest():
    with pytest.raises(UnknownTermError) as err:
        load_hierarchy("es").expand("nodul")
    assert "nodule" in err.value.suggestions[:3]
    assert "closest known terms" in str(err.value)


def test_cycle_is_refused_with_its_path():
    with pytest.raises(HierarchyError, match=r"hierarchy cycle.*nodular -> nodule -> opacity -> nodular"):
        load_hierarchy(DATA / "cycle.yaml")


def test_self_parent_and_include_cycle(tmp_path: Path):
    own = tmp_path / "own.yaml"
    own.write_text("trees:\n  finding:\n  - name: a\n    children: [a]\n")
    with pytest.raises(HierarchyError, match="own child"):
        load_hierarchy(own)
    one, two = tmp_path / "one.yaml", tmp_path / "two.yaml"
    one.write_text("include: [two.yaml]\ntrees: {finding: [x]}\n")
    two.write_text("include: [one.yaml]\ntrees: {finding: [y]}\n")
    with pytest.raises(HierarchyError, match="include cycle"):
        load_hierarchy(one)


def test_malformed_file_names_file_and_line(tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("trees:\n  finding:\n  - name: a\n    colour: red\n")
    with pytest.raises(HierarchyError, match=r"bad.yaml:3: node 'a' has unknown keys"):
        load_hierarchy(bad)
    wrong_tree = tmp_path / "tree.yaml"
    wrong_tree.write_text("trees:\n  organs: [a]\n")
    with pytest.raises(HierarchyError, match="unknown tree 'organs'"):
        load_hierarchy(wrong_tree)


def test_every_label_in_the_shared_padchest_rows_is_known():
    tree = load_hierarchy("es")
    gr = pd.read_csv(shared(PADCHEST_GR))
    rows = pd.read_csv(shared(PADCHEST_ROWS))
    from rxlabel.index.readers import parse_list

    names = {str(x).strip().lower() for x in gr["label"].dropna()}
    names |= {x.strip().lower() for cell in rows["Labels"] for x in parse_list(cell) or [] if not x.strip().startswith("loc")}
    unknown = sorted(n for n in names if n and n not in tree)
    assert unknown == []
    locs = {x.strip().lower().removeprefix("loc ") for cell in rows["Localizations"] for x in parse_list(cell) or []}
    assert sorted(x for x in locs if x not in tree.trees["localization"].terms) == []


def test_generator_reproduces_the_committed_file():
    from rxlabel.index.padchest_taxonomy import build

    document = build(shared(TAXONOMY))
    committed = yaml.safe_load((RULES_DIR / "es" / "hierarchy.yaml").read_text(encoding="utf-8"))
    assert document == committed
