"""The one DICOM-to-array path of rxlabel: ``convert``, the classifier and ``index check`` all read through it.

:func:`read_dicom` gives a 2-D float32 array in [0, 1], bright = dense (bone white): first frame,
modality LUT, the given window else the file's VOI LUT / window else a 0.5-99.5 percentile stretch,
MONOCHROME1 inverted, colour as luminance. Files without a preamble or file meta (ACR-NEMA style
exports, still common from old CR readers) are read too. It sits at the namespace level so every
part may import it without importing a package downstream of it.
"""

from __future__ import annotations

import struct
import warnings
from pathlib import Path

import numpy as np

from rxlabel.errors import RxlabelError

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp"})
DICOM_SUFFIXES = frozenset({".dcm", ".dicom"})
# A file without a preamble starts with its first element; ACR-NEMA files begin with group 0008
# (identifying) or 0002 (file meta), little-endian.
_BARE_GROUPS = (b"\x08\x00", b"\x02\x00")


class ImageReadError(RxlabelError):
    """An image that cannot be read; the message says which file and why."""


# ---------------------------------------------------------------- cheap pixel-data checks (no decode)

IMPLICIT_LE = "1.2.840.10008.1.2"
EXPLICIT_BE = "1.2.840.10008.1.2.2"
DEFLATED = "1.2.840.10008.1.2.1.99"
NATIVE_SYNTAXES = frozenset({IMPLICIT_LE, "1.2.840.10008.1.2.1", EXPLICIT_BE, DEFLATED})
_PIXEL_TAGS = frozenset({(0x7FE0, 0x0010), (0x7FE0, 0x0008), (0x7FE0, 0x0009)})
_LONG_VRS = frozenset({b"OB", b"OW", b"OF", b"OD", b"OL", b"OV", b"UN"})
_UNDEFINED = 0xFFFFFFFF
_MAX_FRAGMENTS = 1_000_000


def syntax_name(ts: str) -> str:
    """``Explicit VR Little Endian (1.2.840.10008.1.2.1)``; the bare UID when pydicom does not know it."""
    from pydicom.uid import UID

    name = UID(ts).name if ts else ""
    return f"{name} ({ts})" if name and name != ts else (ts or "no transfer syntax")


def pixel_element_problem(fp, pos: int, size: int, ts: str, expected: int) -> tuple[str, str]:
    """``(status, reason)`` of the pixel data element that starts at byte ``pos`` of the open file ``fp``.

    Reads the element's header (and, for encapsulated data, each fragment's 8-byte item header), never the
    pixels. ``status`` is ``ok`` (``reason`` then is a warning or empty), ``truncated`` (the declared length
    runs past the end of the file), ``wrong_syntax`` (the transfer syntax says compressed and the pixels are
    native, or the reverse) or ``corrupt``. ``expected`` is Rows x Columns x Samples x Bits / 8 x Frames
    (0 when unknown). A deflated file cannot be checked without inflating it and is ``ok``.
    """
    if ts == DEFLATED:
        return "ok", ""
    fp.seek(pos)
    head = fp.read(12)
    if len(head) < 8:
        return "truncated", f"truncated: the file ends inside the pixel data element's header ({size} bytes)"
    big = ts == EXPLICIT_BE
    group, elem = struct.unpack(">HH" if big else "<HH", head[:4])
    if (group, elem) not in _PIXEL_TAGS:
        return "ok", ""
    # An odd length is illegal, so 'OB'/'OW'... read as a little-endian length can never be mistaken for a VR.
    explicit = len(head) == 12 and head[4:6] in _LONG_VRS and head[6:8] == b"\x00\x00"
    length = struct.unpack(">I" if big else "<I", head[8:12] if explicit else head[4:8])[0]
    start = pos + (12 if explicit else 8)
    note = ""
    if ts and explicit == (ts == IMPLICIT_LE):
        found = "explicit VR" if explicit else "implicit VR"
        note = (f"wrong transfer syntax: the file meta says {syntax_name(ts)} but the data set is {found} "
                f"(read as {found}); fix the file meta's TransferSyntaxUID")
    compressed = bool(ts) and ts not in NATIVE_SYNTAXES
    if length == _UNDEFINED:
        if not compressed:
            return "wrong_syntax", (f"wrong transfer syntax: the file meta says {syntax_name(ts)} (uncompressed) but "
                                    "the pixel data is encapsulated (compressed fragments); set the TransferSyntaxUID "
                                    "of the compression the modality used")
        return _fragments_problem(fp, start, size, big) or ("ok", note)
    if compressed:
        what = " = Rows x Columns x Samples x Bits x Frames" if length == expected else ""
        return "wrong_syntax", (f"wrong transfer syntax: the file meta says {syntax_name(ts)} (compressed) but the "
                                f"pixel data is native: one element of {length} bytes{what}, no compressed fragments; "
                                "set the TransferSyntaxUID to Explicit VR Little Endian (1.2.840.10008.1.2.1)")
    if start + length > size:
        have = max(size - start, 0)
        return "truncated", (f"truncated: the pixel data element declares {length} bytes but the file ends after "
                             f"{have} ({start + length - size} bytes missing; pixel data has {have} of {length} bytes)")
    if expected and length < expected:
        return "corrupt", (f"pixel data has {length} bytes but Rows x Columns x Samples x Bits x Frames needs "
                           f"{expected}: the image header and the pixels disagree")
    return "ok", note


def _fragments_problem(fp, pos: int, size: int, big: bool) -> tuple[str, str] | None:
    """Walk the item headers of encapsulated pixel data up to its sequence delimiter (seeks, no pixel reads)."""
    fmt = ">HHI" if big else "<HHI"
    for n in range(_MAX_FRAGMENTS):
        fp.seek(pos)
        item = fp.read(8)
        if len(item) < 8:
            return "truncated", (f"truncated: encapsulated pixel data has no end delimiter (the file ends after "
                                 f"{max(n - 1, 0)} fragments and the offset table)")
        group, elem, length = struct.unpack(fmt, item)
        if (group, elem) == (0xFFFE, 0xE0DD):
            return None
        if (group, elem) != (0xFFFE, 0xE000) or length == _UNDEFINED:
            return "corrupt", f"corrupt encapsulated pixel data: item ({group:04X},{elem:04X}) at byte {pos}"
        if pos + 8 + length > size:
            return "truncated", (f"truncated: fragment {n} of the encapsulated pixel data declares {length} bytes; "
                                 f"the file ends {pos + 8 + length - size} bytes short")
        pos += 8 + length
    return None


def expected_pixel_bytes(rows, columns, samples, bits, frames, photometric: object = "") -> int:
    """Rows x Columns x Samples x Bits / 8 x Frames, or 0 when a value is missing or not a number, or the
    photometric interpretation subsamples the chroma (YBR_*_422/420 store fewer bytes than that)."""
    if str(photometric or "").strip().upper().endswith(("_422", "_420")):
        return 0
    try:
        r, c = int(rows or 0), int(columns or 0)
        s, b, f = int(samples or 1), int(bits or 0), int(frames or 1)
    except (TypeError, ValueError):
        return 0
    return (r * c * s * f * b + 7) // 8


def pixel_data_problem(path: str | Path) -> tuple[str, str]:
    """``(status, reason)`` of the pixel data of a DICOM file, from its header (see :func:`pixel_element_problem`)."""
    import pydicom

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            with open(path, "rb") as fp:
                ds = pydicom.dcmread(fp, stop_before_pixels=True, force=True)
                pos, size = fp.tell(), Path(path).stat().st_size
                if pos >= size:
                    return "ok", ""
                meta = getattr(ds, "file_meta", None)
                ts = str(meta.get("TransferSyntaxUID", "")) if meta is not None else ""
                expected = expected_pixel_bytes(ds.get("Rows"), ds.get("Columns"), ds.get("SamplesPerPixel"),
                                                ds.get("BitsAllocated"), ds.get("NumberOfFrames"),
                                                ds.get("PhotometricInterpretation"))
                return pixel_element_problem(fp, pos, size, ts, expected)
        except Exception:  # noqa: BLE001 - a header pydicom cannot read: the caller's own error stands
            return "ok", ""


def is_dicom(path: str | Path) -> bool:
    """True for a DICOM file: a ``.dcm``/``.dicom`` name, a ``DICM`` preamble, or a bare (preamble-less) dataset."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in DICOM_SUFFIXES:
        return True
    if suffix in IMAGE_SUFFIXES:
        return False
    try:
        with open(p, "rb") as fh:
            head = fh.read(132)
    except OSError:
        return False
    return head[128:132] == b"DICM" or head[:2] in _BARE_GROUPS


def _raise_pixel_problem(path: str | Path, cause: BaseException | None = None) -> None:
    """Raise :class:`ImageReadError` with the header check's reason when the pixel data is cut or mis-declared."""
    status, reason = pixel_data_problem(path)
    if status != "ok":
        raise ImageReadError(f"{path}: {reason}") from cause


def read_stored(path: str | Path):
    """``(stored, dataset)``: the first frame's stored values (integers for grey images, float luminance
    for colour), before the modality LUT.

    Raises :class:`ImageReadError` naming the file when it is not DICOM, has no pixels or cannot be decoded.
    """
    import pydicom
    from pydicom.errors import InvalidDicomError
    from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ds = pydicom.dcmread(str(path), force=True)
        except (InvalidDicomError, OSError, EOFError, ValueError, KeyError, TypeError) as exc:
            _raise_pixel_problem(path, exc)
            raise ImageReadError(f"{path}: not a DICOM file ({type(exc).__name__}: {exc})") from exc
        if "PixelData" not in ds:
            _raise_pixel_problem(path)  # pydicom drops encapsulated pixel data cut before its delimiter
            # force=True reads any bytes; a file with no element of a DICOM header is not DICOM at all
            if not any(tag in ds for tag in ("SOPClassUID", "Modality", "Rows", "PatientID", "StudyInstanceUID")):
                raise ImageReadError(f"{path}: not a DICOM file (no DICOM header found)")
            raise ImageReadError(f"{path}: DICOM without pixel data")
        if "TransferSyntaxUID" not in ds.file_meta:
            # ACR-NEMA files have no meta header; their encoding is what the reader found.
            implicit, _little = ds.original_encoding
            ds.file_meta.TransferSyntaxUID = ImplicitVRLittleEndian if implicit else ExplicitVRLittleEndian
        try:
            arr = ds.pixel_array
        except Exception as exc:  # noqa: BLE001 - pydicom/its plug-ins raise many types for undecodable pixels
            _raise_pixel_problem(path, exc)  # a cut file or a wrong syntax, said as such
            hint = ""
            if "plugin" in str(exc).lower() or "decode" in str(exc).lower():
                hint = " (install pylibjpeg and pylibjpeg-openjpeg for JPEG 2000 / JPEG-LS)"
            raise ImageReadError(f"{path}: DICOM pixels cannot be decoded ({type(exc).__name__}: {exc}){hint}") from exc
        if str(ds.file_meta.get("TransferSyntaxUID", "")) not in NATIVE_SYNTAXES:
            # pydicom decodes the fragments it found even when the file ends before the last ones and the
            # delimiter; the header check (a few seeks, small beside a decode) says whether the file is whole.
            _raise_pixel_problem(path)
    if arr.size == 0:
        raise ImageReadError(f"{path}: DICOM with empty pixel data")
    if arr.ndim == 3 and int(ds.get("SamplesPerPixel", 1)) == 1:
        arr = arr[0]  # multi-frame: the first frame is the radiograph
    if arr.ndim == 4:
        arr = arr[0]
    if arr.ndim == 3:  # colour secondary captures: luminance
        arr = arr[..., :3] @ np.array([0.299, 0.587, 0.114])
    return arr, ds


def load_dicom(path: str | Path):
    """``(pixels, dataset)``: the first frame as float64 after the modality LUT, and the pydicom dataset.

    Raises :class:`ImageReadError` naming the file when it is not DICOM, has no pixels or cannot be decoded.
    """
    from pydicom.pixels import apply_modality_lut

    arr, ds = read_stored(path)
    return apply_modality_lut(arr, ds).astype(np.float64), ds


def _display_of(values: np.ndarray, ds, window: tuple[float, float] | None, histogram=None) -> np.ndarray:
    """Display values in [0, 1] (bright = dense) of modality-LUT ``values``. ``histogram`` (a callable, for a
    lookup table over a range of stored levels: how often each level occurs) gives the percentiles and,
    for a VOI LUT sequence, which entries occur; it is only called when needed (a linear window is not)."""
    from pydicom.pixels import apply_voi_lut

    counts = None
    if histogram is not None and window is None and ("VOILUTSequence" in ds or "WindowCenter" not in ds):
        counts = histogram()
    out = None
    if window is not None:
        c, w = window
        lo, hi = c - w / 2, c + w / 2
        out = (values - lo) / max(hi - lo, 1e-9)
    elif "VOILUTSequence" in ds or "WindowCenter" in ds:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                v = np.asarray(apply_voi_lut(values, ds, index=0), dtype=np.float64)
            present = v if counts is None else v[counts > 0]
            lo, hi = float(present.min()), float(present.max())
            out = (v - lo) / (hi - lo) if hi > lo else np.zeros_like(v)
        except (ValueError, TypeError, IndexError, AttributeError):  # a malformed window: fall back to the stretch
            out = None
    if out is None and histogram is not None and counts is None:
        counts = histogram()
    if out is None:
        n = values.size if counts is None else int(counts.sum())
        if n > 1000:
            lo, hi = _percentiles(values, counts, (0.5, 99.5))
        else:
            present = values if counts is None else values[counts > 0]
            lo, hi = present.min(), present.max()
        out = (values - lo) / (hi - lo) if hi > lo else np.zeros_like(values, dtype=np.float64)
    out = np.clip(out, 0.0, 1.0)
    if str(ds.get("PhotometricInterpretation", "")).strip().upper() == "MONOCHROME1":
        out = 1.0 - out
    return out


def _percentiles(values: np.ndarray, counts: np.ndarray | None, qs: tuple[float, ...]) -> tuple[float, ...]:
    """np.percentile (linear) of the pixels; from the histogram ``counts`` of ``values`` when given."""
    if counts is None:
        return tuple(np.percentile(values, qs))
    if np.any(np.diff(values) < 0):  # a decreasing modality LUT: sort the levels by value
        order = np.argsort(values, kind="stable")
        values, counts = values[order], counts[order]
    cum = np.cumsum(counts)
    n = int(cum[-1])
    out = []
    for q in qs:
        pos = q / 100 * (n - 1)
        k = int(np.floor(pos))
        a = values[np.searchsorted(cum, k, "right")]
        b = values[np.searchsorted(cum, min(k + 1, n - 1), "right")]
        out.append(float(a + (b - a) * (pos - k)))
    return tuple(out)


def to_display(arr: np.ndarray, ds, window: tuple[float, float] | None = None) -> np.ndarray:
    """Values in [0, 1], bright = dense: the given (centre, width), else the file's VOI LUT or window, else
    a 0.5-99.5 percentile stretch (robust to a few hot pixels)."""
    return _display_of(np.asarray(arr, dtype=np.float64), ds, window)


def display_lut(stored: np.ndarray, ds, window: tuple[float, float] | None, bits: int):
    """``(lut, index)`` with ``lut[index]`` the display image as uint8 (``bits`` 8) or uint16, or None for
    float (colour) pixels. The modality LUT, window and inversion of :func:`to_display` are evaluated once
    per stored value (at most 2**20 entries, float64) instead of once per pixel."""
    from pydicom.pixels import apply_modality_lut

    if stored.dtype.kind not in "iu" or stored.size == 0:
        return None
    lo, hi = int(stored.min()), int(stored.max())
    if hi - lo > 1 << 20:
        return None
    if lo == 0:
        idx = stored
    elif lo > 0:
        idx = stored - stored.dtype.type(lo)
    else:  # signed: the shifted range may not fit the stored type
        idx = stored.astype(np.int32) - lo
    def histogram() -> np.ndarray:
        return np.bincount(idx.ravel(), minlength=hi - lo + 1)

    levels = np.arange(lo, hi + 1, dtype=np.int64).astype(stored.dtype)
    values = np.asarray(apply_modality_lut(levels, ds), dtype=np.float64)
    shown = _display_of(values, ds, window, histogram)
    scale, dtype = (255, np.uint8) if bits == 8 else (65535, np.uint16)
    return np.round(shown * scale).astype(dtype), idx


def read_display(path: str | Path, window: tuple[float, float] | None = None, bits: int = 8):
    """``(image, dataset)``: the radiograph as uint8 (or uint16 with ``bits`` 16), bright = dense, by one
    lookup table for integer pixels (the fast path of ``convert``), else through :func:`to_display`."""
    from pydicom.pixels import apply_modality_lut

    stored, ds = read_stored(path)
    table = display_lut(stored, ds, window, bits)
    if table is not None:
        lut, idx = table
        return lut[idx], ds
    shown = to_display(apply_modality_lut(stored, ds), ds, window)
    scale, dtype = (255, np.uint8) if bits == 8 else (65535, np.uint16)
    return np.round(shown * scale).astype(dtype), ds


def read_dicom(path: str | Path, window: tuple[float, float] | None = None) -> np.ndarray:
    """A DICOM radiograph as a 2-D float32 array in [0, 1], bright = dense (see the module doc)."""
    arr, ds = load_dicom(path)
    return to_display(arr, ds, window).astype(np.float32)


__all__ = ["ImageReadError", "display_lut", "expected_pixel_bytes", "is_dicom", "load_dicom", "pixel_data_problem",
           "pixel_element_problem", "read_dicom", "read_display", "read_stored", "syntax_name", "to_display"]
