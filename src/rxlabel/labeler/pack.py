"""Loading and validating rule packs (``rules/<lang>/*.yaml``); see docs/rules.md.

Every validation error names the file and line and says what to change; all errors of a pack are
reported together so a hospital fixes its edit in one pass.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from rxlabel.errors import RxlabelError
from rxlabel.schema import REGIONS

FINDING_REGIONS = (*REGIONS, "none", "section")
# unmatched_sentence: "ignore", "review" (every unmatched sentence queues the report), or "finding_words"
# (only one holding a word of the pack's finding vocabulary, or a word the pack does not know, queues it), or
# "missed_findings" (only one that plausibly states an abnormality the labels missed: fallback.py).
UNMATCHED_POLICIES = ("ignore", "review", "finding_words", "missed_findings")
WORD_FALLBACK_KEYS = {"enabled", "generic_finding", "context", "not_findings", "bare_unknown", "__line__"}
BARE_UNKNOWN = ("review", "covered", "quiet", "placed")
CATEGORIES = ("negated", "uncertain", "pseudo", "terminate", "purpose")
# A ``sites`` value that names no finding: the site is outside the chest ("quistes renales", "masa pancreática" on an
# abdominal CT), so the mention is dropped.
SITE_OUTSIDE = "none"
DIRECTIONS = {"before": "before", "forward": "before", "after": "after", "backward": "after",
              "both": "both", "bidirectional": "both"}
PACK_KEYS = {"lang", "name", "description", "diacritics", "fuzzy", "regions", "section_headers",
             "skip_sections", "bullets", "region_sections", "region_words", "unmatched_sentence",
             "clause_breaks", "stemmed", "max_chars", "version_note", "devices_abnormal", "admin_lines",
             "preamble_headers", "superseded_markers", "template_coverage", "normal_summary", "attribution_cues", "on_conflict",
             "statement_words", "statement_localizations", "header_qualifiers", "run_statements", "run_joiners",
             "skip_inline", "scope_chaining", "phrase_breaks", "skipped_devices", "skipped_findings",
             "normal_beside_nonfindings", "change_words", "change_drops", "optional_articles",
             "inner_modifiers", "coordinators", "inner_ordinals", "title_abbreviations", "admin_patterns", "inverted_phrases", "word_fallback",
             "inline_headers", "field_openers", "line_continuations", "resolution_turns"}
FINDING_KEYS = {"name", "region", "phrases", "negative_phrases", "exclude", "abnormal", "description",
                "cui", "localizations", "device", "sites", "near_sites", "conflicts", "descriptor", "diagnosis",
                "specifies", "beside", "qualifiers"}
CUE_KEYS = {"cue", "category", "direction", "max_scope", "note"}
TEMPLATE_KEYS = {"text", "regions", "note"}
LOC_KEYS = {"name", "phrases", "cui"}


class RulePackError(RxlabelError, ValueError):
    """A rule pack failed validation; ``errors`` holds one ``file:line: reason`` per problem."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("invalid rule pack:\n  " + "\n  ".join(errors))


@dataclass(frozen=True)
class Source:
    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass
class Finding:
    name: str
    region: str
    phrases: list[str]
    negative_phrases: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    abnormal: bool = True
    source: Source | None = None
    device: bool = False
    # localization -> a more specific finding: PadChest labels a finding with a site by its child label
    # ("fractura" + "arcos costales" -> rib fracture). First match in the listed order wins; SITE_OUTSIDE drops it.
    sites: dict[str, str] = field(default_factory=dict)
    # False for generic findings ("tổn thương", "bất thường"): negated in one sentence and present in another
    # they are two different things, not a contradiction for review.
    conflicts: bool = True
    # A descriptor ("aumento de densidad") attributed in its sentence to another finding ("... en relación
    # con atelectasia") is not labelled: PadChest labels what the opacity is attributed to.
    descriptor: bool = False
    # A differential diagnosis (PadChest's "differential diagnosis" tree: pneumonia, COVID 19, heart
    # insufficiency): an interpretation, not something seen. A descriptor attributed to one is kept
    # ("opacidades sugestivas de COVID" is the opacity and the suspected diagnosis).
    diagnosis: bool = False
    # More general findings this one refines ("covid 19" specifies pneumonia, viral pneumonia): when a
    # sentence names both, only this one is labelled, as PadChest labels the most specific term.
    specifies: list[str] = field(default_factory=list)
    # another finding -> a more specific one: PadChest labels this finding by its child when the REPORT also
    # states the other ("Nódulos basales. En relación con mamilas.": the nodule explained by the nipple shadow is
    # a pseudonodule; enlarged hila beside a vascular redistribution are vascular hilar enlargement). First listed
    # wins; the report-level counterpart of ``sites``.
    beside: dict[str, str] = field(default_factory=dict)
    # a qualifying word (phrase syntax, one word a variant) -> a more specific finding: the word after the mention in
    # its clause, sites between ("Granuloma en campo medio derecho calcificado", "Adenopatías hiliares derechas
    # calcificadas"), makes it the child; a descriptor mention of that word is absorbed into it.
    qualifiers: dict[str, str] = field(default_factory=dict)
    # s12-viwrong: localization -> a finding of another region, for a generic opacity the sentence places beside that
    # site within its comma clause (the site up to 3 words before it, or at most one word after it): "Phần mềm vùng nách
    # phải có bóng mờ tròn", "khối mờ nách P", "bờ trung thất trái có khối mờ đa cung" -- the site says what the opacity
    # is; a site elsewhere in the sentence ("Khối mờ thuỳ trên phải, trung thất không lệch") does not.
    near_sites: dict[str, str] = field(default_factory=dict)


@dataclass
class Cue:
    text: str
    category: str
    direction: str = "before"
    max_scope: int | None = None
    source: Source | None = None


@dataclass
class Template:
    text: str
    regions: tuple[str, ...]
    source: Source | None = None


@dataclass
class Localization:
    name: str
    phrases: list[str]
    source: Source | None = None


@dataclass
class Pack:
    """A validated rule pack. ``version`` is ``<lang>-<sha256[:12]>`` of the pack's files."""

    lang: str
    name: str
    path: Path
    version: str
    diacritics_insensitive: bool = True
    fuzzy_enabled: bool = True
    fuzzy_min_score: float = 90.0
    fuzzy_min_length: int = 6
    # s12-estypo: a word this long or longer but under min_length is corrected when one pack word alone is one edit
    # away ("aumeto" -> "aumento"); 0: never
    fuzzy_short_min_length: int = 0
    fuzzy_label: bool = False  # a correction that finds a new finding labels it (instead of a suggestion)
    regions: tuple[str, ...] = REGIONS
    section_headers: list[str] = field(default_factory=list)
    skip_sections: list[str] = field(default_factory=list)
    bullets: list[str] = field(default_factory=lambda: ["-", "+", "•", "*"])
    region_sections: bool = False
    region_words: dict[str, list[str]] = field(default_factory=dict)
    unmatched_sentence: str = "ignore"
    clause_breaks: str = ";:"
    max_chars: int = 100_000
    # "all": a report is normal by template only when its templates cover every region (Phu Tho);
    # "any": every sentence a normal statement is enough (house styles that leave a region unsaid).
    template_coverage: str = "all"
    devices_abnormal: bool = True
    admin_lines: list[str] = field(default_factory=list)
    attribution_cues: list[str] = field(default_factory=list)
    # Words that make a comma clause a statement of its own ("..., gãy cũ xương sườn 7 trái đã can"): that
    # comma ends a cue's scope, while a comma between bare nouns ("không thấy tràn dịch, tràn khí") does not.
    statement_words: list[str] = field(default_factory=list)
    # Localisations that make a comma clause its own statement when the clause before it names none of them:
    # "không thấy dày dính màng phổi, dịch màng phổi (T) lượng ít" (a side named for the second only).
    statement_localizations: list[str] = field(default_factory=list)
    # s12-sbar: a sentence of at least this many words with no punctuation (an SMS run that lost its commas) is
    # read as if a comma stood before each finding after the first: a cue ends there when that finding's clause is
    # a statement of its own by the two tests above ("ko thay tdmp dam mo day phoi p"). 0: off.
    run_statements: int = 0
    # s12-viresolved: a negation cue of several words turns both ways where its longer match hid a direction: a
    # backward resolution cue ending with a forward negation word opening its clause ("Đã hết tràn dịch"), a forward
    # one closing its clause after a finding ("Nốt mờ trên phim cũ không còn thấy"). engine Labeler._cue_span.
    resolution_turns: bool = False
    # ... except before a finding joined to the one before it by one of these words ("và", "hoặc"): a list
    run_joiners: list[str] = field(default_factory=list)
    # A bracketed qualifier after a known header name is part of that header: "Chẩn đoán (lâm sàng):" skips
    # like "Chẩn đoán:", "Kết quả (XQ ngực thẳng):" opens the findings like "Kết quả:".
    header_qualifiers: bool = False
    inline_headers: bool = False
    # characters no phrase or cue matches across ("Phim phổi: Xẹp đốt sống": "phổi xẹp" is no phrase)
    phrase_breaks: str = ""
    # a device stated present in a skipped clinical section ("Lâm sàng: thở máy. Ống NKQ ...") is on the film
    skipped_devices: bool = False
    # Findings read even in skipped sections and in header lines ("Rx tórax en decúbito:", "EXPLORACIÓN: Rx poco
    # inspirada"): film quality, which a clinical request never states (Spanish: suboptimal study).
    skipped_findings: list[str] = field(default_factory=list)
    # A report whose stated normal (a template, or a finding ruled out) stands beside only non-abnormal labels
    # (film quality, `unchanged`) is normal too: "Estudio en decúbito. Sin hallazgos significativos."
    normal_beside_nonfindings: bool = False
    # Wording that states a change since the previous film ("mejoría radiológica", "empeoramiento", "no presente
    # en el estudio previo"): such a report is never inferred `normal` and has none of `change_drops` (`unchanged`:
    # "estabilidad en el pulmón izquierdo" beside an improvement is a stable part, not a stable study).
    change_words: list[str] = field(default_factory=list)
    change_drops: list[str] = field(default_factory=list)
    # Articles a finding phrase may be read without ("aumento de tamaño de [la] silueta cardíaca"); compiled.py.
    optional_articles: list[str] = field(default_factory=list)
    # Degree words a phrase may hold inside it unlisted ("aumento leve de la silueta cardíaca"); phrases.py.
    inner_modifiers: list[str] = field(default_factory=list)
    # Coordinating words ("y", "e"): a general finding stated as a conjunct of its own beside a more specific one
    # ("infiltrados en ambas bases y consolidación en LID") is kept; engine.py Labeler._conjuncts.
    coordinators: list[str] = field(default_factory=list)
    # Regular expressions of one ordinal word ("7º"): a list of them may stand inside a phrase unlisted; phrases.py.
    inner_ordinals: list[str] = field(default_factory=list)
    # titles whose period does not end a sentence ("BS. Trần Thị B" is one signature line)
    title_abbreviations: list[str] = field(default_factory=list)
    # skip_inline "sentence": words that, after a comma or ";" inside a one-line clinical field, open the findings
    # ("Chẩn đoán: ho kéo dài, tim không to, phổi sáng": the field is "ho kéo dài")
    field_openers: list[str] = field(default_factory=list)
    # s12-viwrong: words a line cannot end a statement with (a negation verb, "và"): a line ending in one, and a next
    # line that opens with a letter, are one line (a report wrapped at a fixed width: "không thấy\nđám mờ").
    line_continuations: list[str] = field(default_factory=list)
    # regular expressions over a sentence's key (one written with diacritics over the key as typed, the others over the
    # key without diacritics): a sentence one matches is administrative
    # whatever words it holds ("Thái Bình, ngày 12 tháng 3 năm 2025"; "BENH VIEN DA KHOA": no "đã khỏi")
    admin_patterns: list[str] = field(default_factory=list)
    # a positive phrase "predicate + region word" also matches "region word + predicate" (compiled._add_inverted)
    inverted_phrases: bool = False
    # the VinDr keyword step for sentences no rule read (fallback.py): {enabled, generic_finding, context}
    word_fallback: dict = field(default_factory=dict)
    # "line": a skipped field with text on its header's line runs to the next header or blank line; "sentence":
    # it is that first sentence, and the rest of the line and the lines below are labelled.
    skip_inline: str = "line"
    # Cue categories whose scope continues from each finding the cue reaches (Spanish: "compatible con patrón
    # en vidrio deslustrado bilateral de predominio periférico de infección por COVID": the hedge covers both).
    scope_chaining: tuple[str, ...] = ()
    normal_summary: str = "review"  # a whole-study normal template beside a positive finding: review | finding
    # a finding stated present and absent: "review" (a person decides) or "positive" (the CheXpert labeler's
    # aggregation: present wins, no review)
    on_conflict: str = "review"
    preamble_headers: list[str] = field(default_factory=list)
    # regexes over the matching key: a line that voids what the report said before it ("Este informe anula al
    # anterior", "El informe anterior corresponde a otro paciente"): only the text after that line is read
    superseded_markers: list[str] = field(default_factory=list)
    findings: dict[str, Finding] = field(default_factory=dict)
    cues: list[Cue] = field(default_factory=list)
    templates: list[Template] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    localizations: dict[str, Localization] = field(default_factory=dict)
    # Word -> expansion, applied to report words and to the pack's own text ("tdmp", "bt", "2" -> "hai").
    abbreviations: dict[str, str] = field(default_factory=dict)
    # Region subjects x normal predicates, matched compositionally (labeler/normals.py).
    normal_statements: list[dict] = field(default_factory=list)
    # Report layouts rewritten before the splitter (labeler/layout.py): chat prefixes, tables, markup, checklists,
    # dictated punctuation; validated by _parse_layout.
    layout: dict = field(default_factory=dict)


class LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml when present: 10x faster
    """Safe YAML loader that records each mapping's 1-based line under the key ``__line__``.

    Used wherever rules are read, so every validation error can say file:line.
    """


def _construct_mapping(loader: LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


RULES_DIR = Path(str(resources.files("rxlabel.rules")))
"""The folder of the installed rule packs (package data inside ``rxlabel``)."""


def pack_dir(lang_or_path: str | Path) -> Path:
    """Resolve a language code (``es``) to the installed pack folder, or return a folder path."""
    candidate = Path(lang_or_path)
    looks_like_path = isinstance(lang_or_path, Path) or "/" in str(lang_or_path) or "\\" in str(lang_or_path)
    if candidate.is_dir() and (looks_like_path or (candidate / "pack.yaml").exists()):
        return candidate
    root = RULES_DIR
    folder = root / str(lang_or_path)
    if not folder.is_dir():
        known = sorted(p.name for p in root.iterdir() if p.is_dir() and (p / "pack.yaml").exists())
        raise RulePackError([f"{lang_or_path}: no such rule pack; installed packs: {', '.join(known)}"])
    return folder


def available_packs() -> list[str]:
    """Language codes of the installed rule packs."""
    root = RULES_DIR
    return sorted(p.name for p in root.iterdir() if p.is_dir() and (p / "pack.yaml").exists())


def _read_yaml(path: Path, errors: list[str]) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        errors.append(f"{path}:1: not UTF-8 ({exc.reason} at byte {exc.start}); save the file as UTF-8")
        return None
    try:
        return yaml.load(text, Loader=LineLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        errors.append(f"{path}:{line}: YAML syntax error: {exc.problem or exc}")
        return None
    except yaml.reader.ReaderError as exc:  # a control character typed or pasted into the file
        line = text[: exc.position].count("\n") + 1
        code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "?")
        errors.append(f"{path}:{line}: control character U+{code:04X} in the file; delete it (it is invisible in most editors)")
        return None


def _name_map(item: dict, key: str, what: str, where: str, errors: list[str]) -> dict[str, str]:
    """A finding's ``key`` mapping (``what`` -> a finding name), keys and values lower-cased; a malformed one is an error."""
    value = item.get(key) or {}
    if not isinstance(value, dict) or not all(isinstance(v, str) for k, v in value.items() if k != "__line__"):
        errors.append(f"{where}: '{key}' must map {what} to a finding name")
        return {}
    return {str(k).strip().lower(): v.strip().lower() for k, v in value.items() if k != "__line__"}


def _flag(data: dict, key: str, where: str, errors: list[str]) -> bool:
    """A pack.yaml option that is true or false (absent: false)."""
    value = data.get(key, False)
    if not isinstance(value, bool):
        errors.append(f"{where}: {key} must be true or false, got {value!r}")
        return False
    return value


def _regexes(data: dict, what: str, where: str, errors: list[str]) -> list[str]:
    """A list of regular expressions under ``what``; one that does not compile is an error."""
    patterns = _strings(data.get(what), where, what, errors)
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            errors.append(f"{where}: {what}: {pattern!r} is not a regular expression ({exc})")
    return patterns


def _strings(value: Any, where: str, what: str, errors: list[str]) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str | int | float) for v in value):
        errors.append(f"{where}: '{what}' must be a list of strings")
        return []
    out = [str(v).strip() for v in value]
    if any(not v for v in out):
        errors.append(f"{where}: '{what}' has an empty string; remove it")
    return [v for v in out if v]


def _unknown_keys(item: dict, allowed: set[str], where: str, errors: list[str]) -> None:
    extra = sorted(k for k in item if k != "__line__" and k not in allowed)
    if extra:
        errors.append(f"{where}: unknown key(s) {', '.join(extra)}; allowed: {', '.join(sorted(allowed))}")


def _parse_findings(items: Any, path: Path, pack: Pack, errors: list[str]) -> None:
    if not isinstance(items, list):
        errors.append(f"{path}:1: 'findings' must be a list of mappings")
        return
    for item in items:
        if not isinstance(item, dict):
            errors.append(f"{path}:1: each finding must be a mapping with name/region/phrases, got {item!r}")
            continue
        where = f"{path}:{item.get('__line__', 1)}"
        _unknown_keys(item, FINDING_KEYS, where, errors)
        name = str(item.get("name", "")).strip().lower()
        if not name:
            errors.append(f"{where}: finding without a 'name'")
            continue
        region = str(item.get("region", "none")).strip()
        if region not in FINDING_REGIONS:
            errors.append(f"{where}: finding '{name}' has region '{region}'; use one of {', '.join(FINDING_REGIONS)}")
            continue
        phrases = _strings(item.get("phrases"), where, "phrases", errors)
        negatives = _strings(item.get("negative_phrases"), where, "negative_phrases", errors)
        exclude = _strings(item.get("exclude"), where, "exclude", errors)
        abnormal = item.get("abnormal", name not in {"normal", "exclude", "suboptimal study"})
        if not isinstance(abnormal, bool):
            errors.append(f"{where}: 'abnormal' must be true or false")
            abnormal = True
        device = item.get("device", False)
        if not isinstance(device, bool):
            errors.append(f"{where}: 'device' must be true or false")
            device = False
        if device and "abnormal" in item:
            errors.append(f"{where}: device '{name}' sets 'abnormal'; a device's abnormal comes from the pack's "
                          f"devices_abnormal option (pack.yaml), remove it here")
        if device and region != "none":
            errors.append(f"{where}: device '{name}' has region '{region}'; a device marks no region (region: none)")
        sites = _name_map(item, "sites", "a localization name", where, errors)
        near = _name_map(item, "near_sites", "a localization name", where, errors)
        beside = _name_map(item, "beside", "a finding name", where, errors)
        qualifiers = _name_map(item, "qualifiers", "a word", where, errors)
        existing = pack.findings.get(name)
        if existing is None:
            pack.findings[name] = Finding(name, region, phrases, negatives, exclude, abnormal,
                                          Source(str(path), item.get("__line__", 1)), device, sites,
                                          bool(item.get("conflicts", True)),
                                          descriptor=item.get("descriptor") is True,
                                          diagnosis=item.get("diagnosis") is True,
                                          specifies=_strings(item.get("specifies"), where, "specifies", errors),
                                          beside=beside, qualifiers=qualifiers, near_sites=near)
        else:
            if existing.region != region:
                errors.append(f"{where}: finding '{name}' has region '{region}' here but '{existing.region}' at {existing.source}")
            existing.phrases += phrases
            existing.negative_phrases += negatives
            existing.exclude += exclude
            # A later file may add sites and refinements too (a hospital's own granularity): the first file's
            # sites keep their order and win for a localization both name.
            existing.sites.update({k: v for k, v in sites.items() if k not in existing.sites})
            existing.near_sites.update({k: v for k, v in near.items() if k not in existing.near_sites})
            existing.beside.update({k: v for k, v in beside.items() if k not in existing.beside})
            existing.qualifiers.update({k: v for k, v in qualifiers.items() if k not in existing.qualifiers})
            existing.specifies.extend(g for g in _strings(item.get("specifies"), where, "specifies", errors)
                                      if g not in existing.specifies)


def _parse_cues(items: Any, path: Path, pack: Pack, errors: list[str]) -> None:
    if not isinstance(items, list):
        errors.append(f"{path}:1: 'cues' must be a list of mappings")
        return
    for item in items:
        if not isinstance(item, dict):
            errors.append(f"{path}:1: each cue must be a mapping with cue/category/direction, got {item!r}")
            continue
        where = f"{path}:{item.get('__line__', 1)}"
        _unknown_keys(item, CUE_KEYS, where, errors)
        text = str(item.get("cue", "")).strip()
        category = str(item.get("category", "")).strip().lower()
        direction = DIRECTIONS.get(str(item.get("direction", "before")).strip().lower())
        scope = item.get("max_scope")
        if not text:
            errors.append(f"{where}: cue without text ('cue: ...')")
        if category not in CATEGORIES:
            errors.append(f"{where}: cue '{text}' has category '{category}'; use one of {', '.join(CATEGORIES)}")
        if direction is None:
            errors.append(f"{where}: cue '{text}' has direction '{item.get('direction')}'; use before, after or both")
        if scope is not None and (not isinstance(scope, int) or isinstance(scope, bool) or scope < 1):
            errors.append(f"{where}: cue '{text}' max_scope must be a positive whole number of tokens")
            scope = None
        if text and category in CATEGORIES and direction:
            pack.cues.append(Cue(text, category, direction, scope, Source(str(path), item.get("__line__", 1))))


def _parse_templates(data: dict, path: Path, pack: Pack, errors: list[str]) -> None:
    items = data.get("templates") or []
    if not isinstance(items, list):
        errors.append(f"{path}:1: 'templates' must be a list")
        items = []
    for item in items:
        if isinstance(item, str):
            item = {"text": item, "regions": "all"}
        if not isinstance(item, dict):
            errors.append(f"{path}:1: each template must be a string or a mapping with text/regions")
            continue
        where = f"{path}:{item.get('__line__', 1)}"
        _unknown_keys(item, TEMPLATE_KEYS, where, errors)
        text = str(item.get("text", "")).strip()
        if not text:
            errors.append(f"{where}: template without 'text'")
            continue
        regions = item.get("regions", "all")
        if regions == "all":
            regions = ("all",)
        elif isinstance(regions, list) and all(r in pack.regions for r in regions):
            regions = tuple(regions)
        else:
            errors.append(f"{where}: template '{text}' regions must be 'all' or a list of {', '.join(pack.regions)}")
            continue
        pack.templates.append(Template(text, regions, Source(str(path), item.get("__line__", 1))))
    pack.ignore += _strings(data.get("ignore"), f"{path}:1", "ignore", errors)


def _parse_localizations(items: Any, path: Path, pack: Pack, errors: list[str]) -> None:
    if not isinstance(items, list):
        errors.append(f"{path}:1: 'localizations' must be a list of mappings")
        return
    for item in items:
        if not isinstance(item, dict):
            errors.append(f"{path}:1: each localization must be a mapping with name/phrases")
            continue
        where = f"{path}:{item.get('__line__', 1)}"
        _unknown_keys(item, LOC_KEYS, where, errors)
        name = str(item.get("name", "")).strip().lower()
        if not name:
            errors.append(f"{where}: localization without a 'name'")
            continue
        phrases = _strings(item.get("phrases"), where, "phrases", errors)
        loc = pack.localizations.setdefault(name, Localization(name, [], Source(str(path), item.get("__line__", 1))))
        loc.phrases += phrases


_LAYOUT_LISTS = ("line_prefixes", "markup", "line_breaks", "bullets")


def _parse_layout(spec: Any, path: Path, pack: Pack, errors: list[str]) -> None:
    """A ``layout`` mapping (labeler/layout.py): lists of regexes, ``table``, ``checklist`` and ``dictation``."""
    where = f"{path}:{spec.get('__line__', 1) if isinstance(spec, dict) else 1}"
    if not isinstance(spec, dict):
        errors.append(f"{where}: 'layout' must be a mapping (line_prefixes, markup, line_breaks, bullets, table, "
                      f"checklist, dictation)")
        return
    unknown = sorted(set(spec) - {*_LAYOUT_LISTS, "chat_admin_lines", "table", "checklist", "options", "dictation",
                                "hard_wraps", "records", "quoted_film", "form", "final_reading", "triage", "crf", "handover", "ai_scores",
                                "__line__"})
    if unknown:
        errors.append(f"{where}: layout: unknown key(s) {', '.join(unknown)}")
    out: dict[str, Any] = {k: _strings(spec.get(k), where, f"layout.{k}", errors) for k in _LAYOUT_LISTS}
    out["table"] = bool(spec.get("table", False))
    checklist = spec.get("checklist") or {}
    dictation = spec.get("dictation") or {}
    if not isinstance(checklist, dict) or not isinstance(dictation, dict):
        errors.append(f"{where}: layout.checklist and layout.dictation must be mappings")
        return
    out["checklist"] = {"present": _strings(checklist.get("present"), where, "layout.checklist.present", errors),
                        "absent": _strings(checklist.get("absent"), where, "layout.checklist.absent", errors),
                        "negation": str(checklist.get("negation", ""))}
    if out["checklist"]["absent"] and not out["checklist"]["negation"].strip():
        errors.append(f"{where}: layout.checklist.absent needs a negation word")
    options = spec.get("options") or {}
    if not isinstance(options, dict):
        errors.append(f"{where}: layout.options must be a mapping (present, absent)")
        options = {}
    out["options"] = {"present": _strings(options.get("present"), where, "layout.options.present", errors),
                      "absent": _strings(options.get("absent"), where, "layout.options.absent", errors)}
    words = {str(k): v for k, v in (dictation.get("words") or {}).items() if k != "__line__"}
    if any(not isinstance(v, str) for v in words.values()):
        errors.append(f"{where}: layout.dictation.words must map a regex to the text it says")
    out["dictation"] = {"markers": _strings(dictation.get("markers"), where, "layout.dictation.markers", errors),
                        "words": {k: str(v) for k, v in words.items()}}
    patterns = [*out["line_prefixes"], *out["markup"], *out["line_breaks"], *out["checklist"]["present"],
                *out["checklist"]["absent"], *out["options"]["present"], *out["options"]["absent"],
                *out["dictation"]["markers"], *words]
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            errors.append(f"{where}: layout: bad regular expression {pattern!r}: {exc}")
    wraps = spec.get("hard_wraps") or {}
    if not isinstance(wraps, dict) or any(not isinstance(wraps.get(k, 0), int) for k in ("min_width", "max_width")):
        errors.append(f"{where}: layout.hard_wraps must map min_width / max_width to line widths")
        wraps = {}
    out["hard_wraps"] = {k: wraps[k] for k in ("min_width", "max_width") if k in wraps}
    _parse_docformat(spec, where, out, errors)
    pack.layout = out
    # a chat line talking to the reader is administrative like an admin_lines opener (compiled.admin_prefixes)
    pack.admin_lines.extend(_strings(spec.get("chat_admin_lines"), where, "layout.chat_admin_lines", errors))


def _parse_docformat(spec: dict, where: str, out: dict, errors: list[str]) -> None:
    """``layout.records`` / ``layout.quoted_film`` (labeler/docformat.py): mappings of regexes and code lists."""
    for name, regexes in (("records", ("segment",)), ("quoted_film", ("documents", "labels")),
                            ("form", ("documents", "read_fields")), ("final_reading", ("fields",)),
                            ("triage", ("fields", "confirmations", "agree", "reject")),
                            ("crf", ("documents", "read_fields", "value_fields", "absent_values", "read_variables")),
                            ("handover", ("film",)), ("ai_scores", ("documents", "absent", "present"))):
        value = spec.get(name) or {}
        if not isinstance(value, dict):
            errors.append(f"{where}: layout.{name} must be a mapping")
            continue
        value = {k: v for k, v in value.items() if k != "__line__"}
        for key in regexes:
            for pattern in ([value[key]] if isinstance(value.get(key), str) else value.get(key) or []):
                try:
                    re.compile(pattern)
                except re.error as exc:
                    errors.append(f"{where}: layout.{name}.{key}: bad regular expression {pattern!r}: {exc}")
        if isinstance(value.get("headers"), dict):
            value["headers"] = {k: v for k, v in value["headers"].items() if k != "__line__"}
        out[name] = value


def _parse_abbreviations(items: Any, path: Path, pack: Pack, errors: list[str]) -> None:
    if not isinstance(items, dict):
        errors.append(f"{path}:1: 'abbreviations' must map a word to its expansion")
        return
    for word, expansion in items.items():
        if word == "__line__":
            continue
        if not isinstance(expansion, str) or not expansion.strip() or len(str(word).split()) != 1:
            errors.append(f"{path}:{items.get('__line__', 1)}: abbreviation '{word}' must be one word mapped to text")
            continue
        pack.abbreviations[str(word).strip()] = expansion.strip()


def _parse_normal_statements(items: Any, path: Path, pack: Pack, errors: list[str]) -> None:
    if not isinstance(items, list):
        errors.append(f"{path}:1: 'normal_statements' must be a list of {{regions, subjects, predicates}}")
        return
    for item in items:
        where = f"{path}:{item.get('__line__', 1) if isinstance(item, dict) else 1}"
        if not isinstance(item, dict):
            errors.append(f"{where}: each normal statement group must be a mapping")
            continue
        _unknown_keys(item, {"regions", "subjects", "predicates", "modifiers", "note"}, where, errors)
        regions = item.get("regions")
        if regions != "all" and not (isinstance(regions, list) and regions and all(r in pack.regions for r in regions)):
            errors.append(f"{where}: regions must be 'all' or a list of {', '.join(pack.regions)}")
            continue
        subjects = _strings(item.get("subjects"), where, "subjects", errors)
        predicates = _strings(item.get("predicates"), where, "predicates", errors)
        if not subjects or not predicates:
            errors.append(f"{where}: a normal statement group needs subjects and predicates")
            continue
        pack.normal_statements.append({"regions": ("all",) if regions == "all" else tuple(regions),
                                       "subjects": subjects, "predicates": predicates,
                                       "modifiers": _strings(item.get("modifiers"), where, "modifiers", errors),
                                       "where": where})


def _apply_settings(data: dict, path: Path, pack: Pack, errors: list[str]) -> None:
    where = f"{path}:{data.get('__line__', 1)}"
    _unknown_keys(data, PACK_KEYS, where, errors)
    pack.name = str(data.get("name", pack.lang))
    diacritics = data.get("diacritics", "insensitive")
    if diacritics not in ("insensitive", "strict"):
        errors.append(f"{where}: diacritics must be 'insensitive' or 'strict', got {diacritics!r}")
    pack.diacritics_insensitive = diacritics != "strict"
    fuzzy = data.get("fuzzy") or {}
    if not isinstance(fuzzy, dict):
        errors.append(f"{where}: 'fuzzy' must be a mapping (enabled, min_score, min_length)")
        fuzzy = {}
    pack.fuzzy_enabled = bool(fuzzy.get("enabled", True))
    pack.fuzzy_min_score = _number(fuzzy.get("min_score", 90), float, where, "fuzzy.min_score", errors, 90.0)
    pack.fuzzy_min_length = _number(fuzzy.get("min_length", 6), int, where, "fuzzy.min_length", errors, 6)
    pack.fuzzy_short_min_length = _number(fuzzy.get("short_min_length", 0), int, where, "fuzzy.short_min_length",
                                          errors, 0)
    pack.fuzzy_label = fuzzy.get("label", False)
    if not isinstance(pack.fuzzy_label, bool):
        errors.append(f"{where}: fuzzy.label must be true or false")
        pack.fuzzy_label = False
    regions = data.get("regions", list(REGIONS))
    if not isinstance(regions, list) or any(r not in REGIONS for r in regions):
        errors.append(f"{where}: regions must be a list drawn from {', '.join(REGIONS)}")
    else:
        pack.regions = tuple(regions)
    pack.section_headers = _strings(data.get("section_headers"), where, "section_headers", errors)
    pack.skip_sections = _strings(data.get("skip_sections"), where, "skip_sections", errors)
    if "bullets" in data:
        pack.bullets = _strings(data.get("bullets"), where, "bullets", errors)
    pack.region_sections = bool(data.get("region_sections", False))
    words = data.get("region_words") or {}
    if not isinstance(words, dict) or any(k not in REGIONS for k in words if k != "__line__"):
        errors.append(f"{where}: region_words must map region names ({', '.join(REGIONS)}) to word lists")
    else:
        pack.region_words = {k: _strings(v, where, f"region_words.{k}", errors) for k, v in words.items() if k != "__line__"}
    unmatched = data.get("unmatched_sentence", "ignore")
    if unmatched not in UNMATCHED_POLICIES:
        errors.append(f"{where}: unmatched_sentence must be one of {', '.join(UNMATCHED_POLICIES)}, got {unmatched!r}")
    pack.unmatched_sentence = unmatched
    pack.word_fallback = _word_fallback(data.get("word_fallback"), where, errors)
    breaks = data.get("clause_breaks", [";", ":"])
    pack.clause_breaks = "".join(_strings(breaks, where, "clause_breaks", errors))
    pack.max_chars = _number(data.get("max_chars", 100_000), int, where, "max_chars", errors, 100_000)
    coverage = data.get("template_coverage", "all")
    if coverage not in ("all", "any"):
        errors.append(f"{where}: template_coverage must be 'all' or 'any', got {coverage!r}")
    pack.template_coverage = coverage
    devices = data.get("devices_abnormal", True)
    if not isinstance(devices, bool):
        errors.append(f"{where}: devices_abnormal must be true or false, got {devices!r}")
        devices = True
    pack.devices_abnormal = devices
    pack.normal_summary = str(data.get("normal_summary", "review"))
    pack.on_conflict = str(data.get("on_conflict", "review"))
    if pack.on_conflict not in ("review", "positive"):
        errors.append(f"{where}: on_conflict must be 'review' or 'positive', got {pack.on_conflict!r}")
    if pack.normal_summary not in ("review", "finding"):
        errors.append(f"{where}: normal_summary must be 'review' or 'finding', got {pack.normal_summary!r}")
    pack.attribution_cues = _strings(data.get("attribution_cues"), where, "attribution_cues", errors)
    pack.statement_words = _strings(data.get("statement_words"), where, "statement_words", errors)
    run = data.get("run_statements", 0)
    if not isinstance(run, int) or isinstance(run, bool) or run < 0:
        errors.append(f"{where}: run_statements must be a word count (0: off), got {run!r}")
        run = 0
    pack.run_statements = run
    pack.resolution_turns = _flag(data, "resolution_turns", where, errors)
    pack.run_joiners = _strings(data.get("run_joiners"), where, "run_joiners", errors)
    pack.skip_inline = str(data.get("skip_inline", "line"))
    if pack.skip_inline not in ("line", "sentence"):
        errors.append(f"{where}: skip_inline must be 'line' or 'sentence', got {pack.skip_inline!r}")
    pack.phrase_breaks = data.get("phrase_breaks", "")
    if not isinstance(pack.phrase_breaks, str) or any(c.isalnum() or c.isspace() for c in pack.phrase_breaks):
        errors.append(f"{where}: phrase_breaks must be a string of punctuation characters, got {pack.phrase_breaks!r}")
        pack.phrase_breaks = ""
    pack.title_abbreviations = _strings(data.get("title_abbreviations"), where, "title_abbreviations", errors)
    pack.field_openers = _strings(data.get("field_openers"), where, "field_openers", errors)
    pack.line_continuations = _strings(data.get("line_continuations"), where, "line_continuations", errors)
    pack.admin_patterns = _regexes(data, "admin_patterns", where, errors)
    pack.inverted_phrases = _flag(data, "inverted_phrases", where, errors)
    pack.skipped_devices = _flag(data, "skipped_devices", where, errors)
    pack.skipped_findings = _strings(data.get("skipped_findings"), where, "skipped_findings", errors)
    pack.change_words = _strings(data.get("change_words"), where, "change_words", errors)
    pack.change_drops = _strings(data.get("change_drops"), where, "change_drops", errors)
    pack.optional_articles = _strings(data.get("optional_articles"), where, "optional_articles", errors)
    pack.inner_modifiers = _strings(data.get("inner_modifiers"), where, "inner_modifiers", errors)
    pack.coordinators = _strings(data.get("coordinators"), where, "coordinators", errors)
    pack.inner_ordinals = _strings(data.get("inner_ordinals"), where, "inner_ordinals", errors)
    pack.normal_beside_nonfindings = _flag(data, "normal_beside_nonfindings", where, errors)
    pack.header_qualifiers = _flag(data, "header_qualifiers", where, errors)
    pack.inline_headers = _flag(data, "inline_headers", where, errors)
    pack.statement_localizations = _strings(data.get("statement_localizations"), where, "statement_localizations",
                                            errors)
    chaining = tuple(_strings(data.get("scope_chaining"), where, "scope_chaining", errors))
    if any(c not in ("negated", "uncertain") for c in chaining):
        errors.append(f"{where}: scope_chaining lists cue categories (negated, uncertain), got {list(chaining)!r}")
        chaining = ()
    pack.scope_chaining = chaining
    pack.admin_lines = _strings(data.get("admin_lines"), where, "admin_lines", errors)
    pack.preamble_headers = _strings(data.get("preamble_headers"), where, "preamble_headers", errors)
    pack.superseded_markers = _regexes(data, "superseded_markers", where, errors)
    stray = [h for h in pack.preamble_headers if h not in pack.section_headers]
    if stray:
        errors.append(f"{where}: preamble_headers {', '.join(stray)} are not in section_headers; add them there")


def _number(value: Any, kind: type, where: str, what: str, errors: list[str], default: float) -> Any:
    """A numeric setting, or an error naming it (a pack is edited by hand: '90%' or 'ninety' is a message)."""
    try:
        if isinstance(value, bool) or (kind is int and isinstance(value, float) and not value.is_integer()):
            raise ValueError
        number = kind(value)
        if number != number or number < 0:
            raise ValueError
        return number
    except (TypeError, ValueError):
        errors.append(f"{where}: {what} must be a {'whole ' if kind is int else ''}number >= 0, got {value!r}")
        return default


def pack_version(folder: Path) -> str:
    """sha256 over the pack's labelling YAML files (names and bytes), first 12 hex digits."""
    digest = hashlib.sha256()
    for path in sorted(folder.glob("*.y*ml")):
        if path.name == "hierarchy.yaml":  # the index's term tree: it does not change any label
            continue
        digest.update(path.name.encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _word_fallback(value: Any, where: str, errors: list[str]) -> dict:
    """pack.yaml ``word_fallback``: a mapping of enabled (bool), generic_finding (a finding name), context (phrases)."""
    if value is None:
        return {}
    if not isinstance(value, dict) or set(value) - WORD_FALLBACK_KEYS:
        errors.append(f"{where}: word_fallback must be a mapping of {', '.join(sorted(WORD_FALLBACK_KEYS - {'__line__'}))}")
        return {}
    if not isinstance(value.get("enabled", False), bool):
        errors.append(f"{where}: word_fallback.enabled must be true or false")
    generic = value.get("generic_finding")
    if generic is not None and not isinstance(generic, str):
        errors.append(f"{where}: word_fallback.generic_finding must be a finding name")
    bare = value.get("bare_unknown", "review")
    if bare not in BARE_UNKNOWN:
        errors.append(f"{where}: word_fallback.bare_unknown must be one of {', '.join(BARE_UNKNOWN)}, got {bare!r}")
    return {"enabled": bool(value.get("enabled", False)), "generic_finding": generic, "bare_unknown": bare,
            "context": _strings(value.get("context"), where, "word_fallback.context", errors),
            "not_findings": _strings(value.get("not_findings"), where, "word_fallback.not_findings", errors)}


def load_pack(lang_or_path: str | Path) -> Pack:
    """Load and validate a rule pack by language code or folder; raise RulePackError on problems."""
    folder = pack_dir(lang_or_path)
    errors: list[str] = []
    settings_path = folder / "pack.yaml"
    if not settings_path.exists():
        raise RulePackError([f"{settings_path}:1: missing pack.yaml (it names the language and options)"])
    settings = _read_yaml(settings_path, errors)
    if settings is not None and not isinstance(settings, dict):
        errors.append(f"{settings_path}:1: pack.yaml must be a mapping of settings")
        settings = None
    lang = str((settings or {}).get("lang", folder.name))
    pack = Pack(lang=lang, name=lang, path=folder, version=f"{lang}-{pack_version(folder)}")
    if settings:
        _apply_settings(settings, settings_path, pack, errors)
    for path in sorted(folder.glob("*.y*ml")):
        if path.name in ("pack.yaml", "hierarchy.yaml"):
            continue
        data = _read_yaml(path, errors)
        if data is None:
            continue
        if not isinstance(data, dict):
            errors.append(f"{path}:1: expected a mapping with a top-level key (findings, cues, templates, ...)")
            continue
        known = {"findings", "cues", "templates", "ignore", "localizations", "abbreviations", "normal_statements",
                 "layout", "__line__"}
        unknown = sorted(set(data) - known)
        if unknown:
            errors.append(f"{path}:1: unknown top-level key(s) {', '.join(unknown)}; expected {', '.join(sorted(known - {'__line__'}))}")
        if "findings" in data:
            _parse_findings(data["findings"], path, pack, errors)
        if "cues" in data:
            _parse_cues(data["cues"], path, pack, errors)
        if "templates" in data or "ignore" in data:
            _parse_templates(data, path, pack, errors)
        if "localizations" in data:
            _parse_localizations(data["localizations"], path, pack, errors)
        if "abbreviations" in data:
            _parse_abbreviations(data["abbreviations"], path, pack, errors)
        if "normal_statements" in data:
            _parse_normal_statements(data["normal_statements"], path, pack, errors)
        if "layout" in data:
            _parse_layout(data["layout"], path, pack, errors)
    unnamed = [f for f in pack.skipped_findings + pack.change_drops if f not in pack.findings]
    if unnamed and pack.findings:
        errors.append(f"{settings_path}:1: skipped_findings / change_drops name findings the pack does not have: {unnamed}")
    if not pack.findings and not errors:
        errors.append(f"{folder}: the pack defines no findings (add findings.yaml)")
    generic = pack.word_fallback.get("generic_finding")
    if generic is not None and pack.findings and generic not in pack.findings:
        errors.append(f"{folder}/pack.yaml: word_fallback.generic_finding: unknown finding '{generic}'")
    for finding in pack.findings.values():
        for loc, child in finding.sites.items():
            if loc not in pack.localizations:
                errors.append(f"{finding.source}: finding '{finding.name}' sites: unknown localization '{loc}'")
            if child != SITE_OUTSIDE and child not in pack.findings:
                errors.append(f"{finding.source}: finding '{finding.name}' sites: unknown finding '{child}'")
        for loc, child in finding.near_sites.items():
            if loc not in pack.localizations:
                errors.append(f"{finding.source}: finding '{finding.name}' near_sites: unknown localization '{loc}'")
            if child not in pack.findings:
                errors.append(f"{finding.source}: finding '{finding.name}' near_sites: unknown finding '{child}'")
        for other, child in finding.beside.items():
            for named in (other, child):
                if named not in pack.findings:
                    errors.append(f"{finding.source}: finding '{finding.name}' beside: unknown finding '{named}'")
        for child in finding.qualifiers.values():
            if child not in pack.findings:
                errors.append(f"{finding.source}: finding '{finding.name}' qualifiers: unknown finding '{child}'")
        for general in finding.specifies:
            if general not in pack.findings:
                errors.append(f"{finding.source}: finding '{finding.name}' specifies: unknown finding '{general}'")
        if finding.device:  # one policy for every device of the pack (docs/rules.md, "Devices")
            finding.abnormal = pack.devices_abnormal
    if errors:
        raise RulePackError(errors)
    return pack
