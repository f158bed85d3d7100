"""Writing a job's result by editing the user's .xlsx file in place of reloading it.

Opening a 10,000-row workbook with openpyxl (every cell an object, every style hashed) and
saving it again took most of a complete/check run. The jobs change a few cells, so this module
copies the file's zip entries as they are and rewrites only what changes:

- the worked sheet's XML: the changed cells only (values as inline strings or numbers, a new
  style index), rows without changes are copied as text;
- styles.xml: new cell formats derived from each changed cell's own format (its font, borders
  and alignment kept; the fill, font colour or number format changed), appended after the
  existing ones, so every other cell keeps its index;
- a comments part and its VML drawing for the sheet (Excel shows comments through VML);
- one new sheet (the legend or summary) appended after the user's sheets.

Styles, merges, column widths, other sheets, defined names and everything else in the file
stay byte for byte. A file this module cannot patch safely (a sheet that already has comments,
strict OOXML, cells without positions …) raises Unpatchable before anything is written; the
caller then uses openpyxl.
"""
from __future__ import annotations

import datetime as dt
import io
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator
from xml.sax.saxutils import escape, quoteattr

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
COMMENTS_REL = REL_NS + "/comments"
VML_REL = REL_NS + "/vmlDrawing"
SHEET_REL = REL_NS + "/worksheet"
DATE_FORMAT = "yyyy-mm-dd"
TEXT_FORMAT_ID = 49  # "@", a built-in format

_ATTR = r"""\b{}\s*=\s*["']([^"']*)["']"""


class Unpatchable(Exception):
    """The file holds something this module does not edit safely; nothing was written."""


@dataclass(slots=True)
class CellEdit:
    """What changes in one cell: a new value (None: keep), style changes in order, a comment."""

    value: Any = None
    has_value: bool = False
    changes: tuple[tuple[str, str], ...] = ()  # ("fill"|"font"|"numfmt", arg), in order
    comment: str | None = None


@dataclass
class NewSheet:
    """A small sheet appended to the workbook: rows of (value, style) cells, column widths.
    A style is None, "bold", ("fill", rgb) or ("font", rgb)."""

    title: str
    rows: list[list[tuple[Any, Any]]]
    widths: dict[int, float] = field(default_factory=dict)


def col_letter(n: int) -> str:
    s = ""
    while n:
        n, rem = divmod(n - 1, 26)
        s = chr(65 + rem) + s
    return s


def col_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


_ATTRS: dict[str, re.Pattern] = {}


def _attr(tag: str, name: str) -> str | None:
    pat = _ATTRS.get(name)
    if pat is None:
        pat = _ATTRS[name] = re.compile(_ATTR.format(re.escape(name)))
    m = pat.search(tag)
    return m.group(1) if m else None


def _set_attr(tag: str, name: str, value: str | None) -> str:
    """`tag` (an element's start tag text) with attribute `name` set (None: removed)."""
    pat = re.compile(r"\s" + re.escape(name) + r"""\s*=\s*["'][^"']*["']""")
    tag = pat.sub("", tag)
    if value is None:
        return tag
    end = len(tag) - (2 if tag.endswith("/>") else 1)
    return f'{tag[:end]} {name}="{value}"{tag[end:]}'


# ---------------------------------------------------------------- the package's parts

class _Package:
    def __init__(self, data: bytes) -> None:
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
        except zipfile.BadZipFile as e:
            raise Unpatchable("not a zip") from e
        self.names = set(self.zip.namelist())
        self.changed: dict[str, Any] = {}  # name -> bytes, or an iterator of pieces
        self.deferred: set[str] = set()  # written only after the streamed parts
        self.finish: list[Callable[[], None]] = []  # run once the streamed parts are written

    def text(self, name: str) -> str:
        if name in self.changed:
            return self.changed[name].decode("utf-8")
        if name not in self.names:
            raise Unpatchable(f"missing part {name}")
        return self.zip.read(name).decode("utf-8")

    def put(self, name: str, text: str) -> None:
        self.changed[name] = text.encode("utf-8")

    def write(self, out) -> None:  # noqa: ANN001 - a file object
        """The package into `out`: parts as they were, then the worked sheet, written as
        it is produced (its changed rows are made on the way, so the whole sheet is never
        held twice), then the parts that depend on it (styles.xml) and the other changes."""
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
            for info in self.zip.infolist():
                if info.filename not in self.changed and info.filename not in self.deferred:
                    z.writestr(info, self.zip.read(info.filename))
            for name, data in list(self.changed.items()):
                if not isinstance(data, bytes):
                    self._stream(z, name, data)
                    del self.changed[name]
            for finish in self.finish:
                finish()
            for name, data in self.changed.items():
                z.writestr(name, data)
            for info in self.zip.infolist():
                if info.filename in self.deferred and info.filename not in self.changed:
                    z.writestr(info, self.zip.read(info.filename))

    @staticmethod
    def _stream(z: zipfile.ZipFile, name: str, pieces) -> None:  # noqa: ANN001
        info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        with z.open(info, "w", force_zip64=True) as fh:
            for piece in pieces:
                fh.write(piece)


def _rels_path(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def _rels(pkg: _Package, part: str) -> list[dict[str, str]]:
    path = _rels_path(part)
    if path not in pkg.names and path not in pkg.changed:
        return []
    return [{k: v for k, v in re.findall(r"""(\w+)\s*=\s*["']([^"']*)["']""", m)}
            for m in re.findall(r"<Relationship\b([^>]*)/?>", pkg.text(path))]


def _add_rel(pkg: _Package, part: str, rel_type: str, target: str) -> str:
    path = _rels_path(part)
    existing = _rels(pkg, part)
    used = {r.get("Id") for r in existing}
    n = 1
    while f"rId{n}" in used:
        n += 1
    rid = f"rId{n}"
    entry = f'<Relationship Id="{rid}" Type="{rel_type}" Target="{target}"/>'
    if path in pkg.names or path in pkg.changed:
        text = pkg.text(path).replace("</Relationships>", entry + "</Relationships>")
    else:
        text = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                f'<Relationships xmlns="{PKG_REL_NS}">{entry}</Relationships>')
    pkg.put(path, text)
    return rid


def _resolve(part: str, target: str) -> str:
    if target.startswith("/"):
        return target[1:]
    return posixpath.normpath(posixpath.join(posixpath.dirname(part), target))


def _content_type(pkg: _Package, *, override: tuple[str, str] | None = None,
                  default: tuple[str, str] | None = None) -> None:
    text = pkg.text("[Content_Types].xml")
    if override:
        entry = f'<Override PartName="/{override[0]}" ContentType="{override[1]}"/>'
    else:
        if re.search(r"""<Default\b[^>]*Extension=["']""" + default[0] + "[\"']", text, re.I):
            return
        entry = f'<Default Extension="{default[0]}" ContentType="{default[1]}"/>'
    pkg.put("[Content_Types].xml", text.replace("</Types>", entry + "</Types>"))


def _sheet_part(pkg: _Package, title: str) -> str:
    workbook = pkg.text("xl/workbook.xml")
    if "purl.oclc.org/ooxml" in workbook:
        raise Unpatchable("strict OOXML")
    rid = None
    for tag in re.findall(r"<(?:\w+:)?sheet\b[^>]*>", workbook):
        name = _attr(tag, "name")
        if name is not None and _unescape(name) == title:
            m = re.search(r"""\s\w+:id\s*=\s*["']([^"']*)["']""", tag)
            rid = m.group(1) if m else None
    if rid is None:
        raise Unpatchable("sheet not found")
    for rel in _rels(pkg, "xl/workbook.xml"):
        if rel.get("Id") == rid:
            return _resolve("xl/workbook.xml", rel["Target"])
    raise Unpatchable("sheet relationship not found")


def _unescape(s: str) -> str:
    return (s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
            .replace("&apos;", "'").replace("&amp;", "&"))


# ---------------------------------------------------------------- styles.xml

class _Styles:
    """Cell formats (cellXfs) derived from existing ones, appended at the end."""

    def __init__(self, pkg: _Package) -> None:
        self.pkg = pkg
        self.path = "xl/styles.xml"
        self.text = pkg.text(self.path)
        self.xfs = self._items("cellXfs", "xf")
        self.fonts = self._items("fonts", "font")
        self.fills = self._items("fills", "fill")
        self.numfmts = dict((int(i), c) for i, c in re.findall(
            r"""<numFmt\b[^>]*numFmtId=["'](\d+)["'][^>]*formatCode=["']([^"']*)["']""",
            self.text))
        self.new_fonts: list[str] = []
        self.new_fills: list[str] = []
        self.new_xfs: list[str] = []
        self.new_numfmts: list[tuple[int, str]] = []
        self.memo: dict[tuple, int] = {}
        if not self.xfs or not self.fonts or len(self.fills) < 2:
            raise Unpatchable("styles without cell formats")

    def _items(self, group: str, item: str) -> list[str]:
        m = re.search(rf"<{group}\b[^>]*?(?:/>|>(.*?)</{group}>)", self.text, re.S)
        if not m or m.group(1) is None:
            return []
        return re.findall(rf"<{item}\b[^>]*?(?:/>|>.*?</{item}>)", m.group(1), re.S)

    def derive(self, base: int, changes: tuple[tuple[str, str], ...]) -> int:
        key = (base, changes)
        if key in self.memo:
            return self.memo[key]
        count = len(self.xfs) + len(self.new_xfs)
        xf = (self.xfs + self.new_xfs)[base] if base < count else self.xfs[0]
        for kind, arg in changes:
            xf = getattr(self, "_" + kind)(xf, arg)
        self.new_xfs.append(xf)
        self.memo[key] = count
        return count

    def _fill(self, xf: str, rgb: str) -> str:
        fill = (f'<fill><patternFill patternType="solid"><fgColor rgb="{rgb}"/>'
                f'<bgColor rgb="{rgb}"/></patternFill></fill>')
        fid = self._add(self.fills, self.new_fills, fill)
        return self._xf_attrs(xf, fillId=str(fid), applyFill="1")

    def _font(self, xf: str, spec: str) -> str:
        fonts = self.fonts + self.new_fonts
        fid = int(_attr(xf.split(">", 1)[0], "fontId") or 0)
        font = fonts[fid] if fid < len(fonts) else fonts[0]
        if font.endswith("/>") and "</font>" not in font:
            font = font[:-2] + "></font>"
        if spec == "bold":
            if not re.search(r"<b(\s|/|>)", font):
                font = re.sub(r"(<font\b[^>]*>)", r"\1<b/>", font, count=1)
        else:  # a colour
            font = re.sub(r"<color\b[^>]*?(?:/>|>.*?</color>)", "", font, flags=re.S)
            # CT_Font's order: b i strike … sz color name …: after sz, else before name
            if re.search(r"<sz\b[^>]*/>", font):
                font = re.sub(r"(<sz\b[^>]*/>)", rf'\1<color rgb="{spec}"/>', font, count=1)
            elif "<name" in font:
                font = font.replace("<name", f'<color rgb="{spec}"/><name', 1)
            else:
                font = font.replace("</font>", f'<color rgb="{spec}"/></font>')
        fid = self._add(self.fonts, self.new_fonts, font)
        return self._xf_attrs(xf, fontId=str(fid), applyFont="1")

    def _newfont(self, xf: str, spec: str) -> str:
        """A font of its own (bold, or a colour), as openpyxl's Font(bold=True) or
        Font(color=…) writes it: the new sheet's cells."""
        font = "<font><b/></font>" if spec == "bold" else f'<font><color rgb="{spec}"/></font>'
        fid = self._add(self.fonts, self.new_fonts, font)
        return self._xf_attrs(xf, fontId=str(fid), applyFont="1")

    def _numfmt(self, xf: str, spec: str) -> str:
        current = int(_attr(xf.split(">", 1)[0], "numFmtId") or 0)
        if spec == "text":
            return self._xf_attrs(xf, numFmtId=str(TEXT_FORMAT_ID), applyNumberFormat="1")
        if self._is_date_format(current):  # a date keeps the date format the cell has
            return xf
        existing = [i for i, c in list(self.numfmts.items()) + self.new_numfmts
                    if c == DATE_FORMAT]
        if existing:
            nid = existing[0]
        else:
            nid = max([163, *self.numfmts, *(i for i, _ in self.new_numfmts)]) + 1
            self.new_numfmts.append((nid, DATE_FORMAT))
        return self._xf_attrs(xf, numFmtId=str(nid), applyNumberFormat="1")

    def _is_date_format(self, nid: int) -> bool:
        if nid in (14, 15, 16, 17, 18, 19, 20, 21, 22, 45, 46, 47):
            return True
        code = self.numfmts.get(nid) or dict(self.new_numfmts).get(nid)
        if not code:
            return False
        code = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.', "", code)
        return bool(re.search(r"[yYdD]", code))

    @staticmethod
    def _add(items: list[str], new: list[str], xml: str) -> int:
        both = items + new
        if xml in both:
            return both.index(xml)
        new.append(xml)
        return len(both)

    @staticmethod
    def _xf_attrs(xf: str, **attrs: str) -> str:
        head, sep, rest = xf.partition(">")
        selfclose = head.endswith("/")
        head = head[:-1] if selfclose else head
        tag = head + ">"
        for k, v in attrs.items():
            tag = _set_attr(tag, k, v)
        if selfclose:
            return tag[:-1] + "/>"
        return tag + rest

    def save(self) -> None:
        if not (self.new_xfs or self.new_fonts or self.new_fills or self.new_numfmts):
            return
        text = self.text
        text = self._append(text, "fonts", "font", self.fonts, self.new_fonts)
        text = self._append(text, "fills", "fill", self.fills, self.new_fills)
        text = self._append(text, "cellXfs", "xf", self.xfs, self.new_xfs)
        if self.new_numfmts:
            entries = "".join(f'<numFmt numFmtId="{i}" formatCode="{escape(c)}"/>'
                              for i, c in self.new_numfmts)
            m = re.search(r"<numFmts\b[^>]*?(?:/>|>(.*?)</numFmts>)", text, re.S)
            total = len(self.numfmts) + len(self.new_numfmts)
            block = f'<numFmts count="{total}">{(m.group(1) or "") if m else ""}{entries}</numFmts>'
            if m:
                text = text[:m.start()] + block + text[m.end():]
            else:  # numFmts come first in a styleSheet
                text = re.sub(r"(<styleSheet\b[^>]*>)", lambda x: x.group(1) + block, text,
                              count=1)
        self.pkg.put(self.path, text)

    @staticmethod
    def _append(text: str, group: str, item: str, old: list[str], new: list[str]) -> str:
        if not new:
            return text
        total = len(old) + len(new)
        m = re.search(rf"<{group}\b[^>]*?>", text)
        head = re.sub(r"""\s+count\s*=\s*["']\d+["']""", "", m.group(0))
        head = head[:-1] + f' count="{total}">'
        text = text[:m.start()] + head + text[m.end():]
        return text.replace(f"</{group}>", "".join(new) + f"</{group}>", 1)


# ---------------------------------------------------------------- cells

def _serial(value: dt.date, date1904: bool) -> str:
    base = dt.datetime(1904, 1, 1) if date1904 else dt.datetime(1899, 12, 30)
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    days = (value - base).total_seconds() / 86400
    return repr(int(days)) if days == int(days) else repr(days)


def _cell_xml(ref: str, style: int | None, value: Any, date1904: bool) -> str:
    s = f' s="{style}"' if style else ""
    if type(value) is str and value:  # most written cells: text, checked first
        text = value
    else:
        if value is None or value == "":
            return f'<c r="{ref}"{s}/>'
        if isinstance(value, bool):
            return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
        if isinstance(value, (int, float)):
            return f'<c r="{ref}"{s}><v>{value!r}</v></c>'
        if isinstance(value, dt.date):
            return f'<c r="{ref}"{s}><v>{_serial(value, date1904)}</v></c>'
        text = str(value)
    space = ' xml:space="preserve"' if text != text.strip() or "\n" in text else ""
    return f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{escape(text)}</t></is></c>'


_STYLE_B = re.compile(rb"""\bs\s*=\s*["']([^"']*)["']""")


def _edit_cell(old: bytes | None, ref: str, edit: CellEdit, styles: _Styles,
               date1904: bool) -> bytes:
    base = 0
    if old:
        end = old.find(b">")
        m = _STYLE_B.search(old, 0, len(old) if end == -1 else end)
        base = int(m.group(1) or 0) if m else 0
    style = styles.derive(base, edit.changes) if edit.changes else base
    if edit.has_value or old is None:
        return _cell_xml(ref, style, edit.value if edit.has_value else None,
                         date1904).encode("utf-8")
    head, sep, rest = old.decode("utf-8").partition(">")
    selfclose = head.endswith("/")
    tag = (head[:-1] if selfclose else head) + ">"
    tag = _set_attr(tag, "s", str(style) if style else None)
    return (tag[:-1] + "/>" if selfclose else tag + rest).encode("utf-8")


# The worked sheet's XML is handled as bytes: a 50,000-row sheet of Chinese text is ~50 MB of
# UTF-8 but two to four times that as a Python str.
_ROW_B = re.compile(rb"<row\b[^>]*?(?:/>|>.*?</row>)", re.S)
_ROW_NUMBER_B = re.compile(rb"""\br\s*=\s*["'](\d+)["']""")
_CELL_AT = re.compile(
    rb"""(<c\b[^>]*?\br\s*=\s*["']([A-Z]{1,3})(\d+)["'][^>]*?(?:/>|>.*?</c>))""", re.S)
_SPANS_B = re.compile(rb"""\sspans\s*=\s*["'][^"']*["']""")
_COLS: dict[bytes, int] = {}
_LETTERS: dict[int, str] = {}


def _edit_row(row: bytes, r: int, edits: dict[int, CellEdit], styles: _Styles,
              date1904: bool) -> bytes:
    if row.endswith(b"/>"):
        head, body = row[:-2] + b">", b""
    else:
        head_end = row.index(b">") + 1
        head, body = row[:head_end], row[head_end:-len(b"</row>")]
    head = _SPANS_B.sub(b"", head)  # spans is optional; the new cells may lie outside it
    number = b"%d" % r
    by_col: dict[int, bytes] = {}
    covered = 0
    for whole, letters, digits in _CELL_AT.findall(body):
        c = _COLS.get(letters)
        if c is None:
            c = _COLS[letters] = col_number(letters.decode("ascii"))
        if digits != number and int(digits) != r:
            raise Unpatchable("a cell out of its row")
        by_col[c] = whole
        covered += len(whole)
    if covered != len(body) and _CELL_AT.sub(b"", body).strip():
        raise Unpatchable("a cell without its position, or something else in a row")
    for c, edit in edits.items():
        letters = _LETTERS.get(c)
        if letters is None:
            letters = _LETTERS[c] = col_letter(c)
        by_col[c] = _edit_cell(by_col.get(c), f"{letters}{r}", edit, styles, date1904)
    return head + b"".join(by_col[c] for c in sorted(by_col)) + b"</row>"


def _edit_sheet(xml: bytes, edits: dict[tuple[int, int], CellEdit], styles: _Styles,
                date1904: bool, legacy_rid: str | None = None) -> Iterator:
    """The sheet with the edits, as pieces to write one after the other: views into the
    original around the changed rows, each changed row made when it is reached. Raises
    Unpatchable on the way (the caller discards what was written)."""
    by_row: dict[int, dict[int, CellEdit]] = {}
    for (r, c), e in edits.items():
        by_row.setdefault(r, {})[c] = e
    start = xml.find(b"<sheetData")
    if start == -1:
        raise Unpatchable("no sheetData")
    open_end = xml.index(b">", start) + 1
    if xml[open_end - 2:open_end - 1] == b"/":  # <sheetData/>
        raise Unpatchable("empty sheet")
    end = xml.index(b"</sheetData>", open_end)
    return _sheet_pieces(memoryview(xml), open_end, end, by_row, styles, date1904, legacy_rid)


def _sheet_pieces(view: memoryview, open_end: int, end: int,
                  by_row: dict[int, dict[int, CellEdit]], styles: _Styles, date1904: bool,
                  legacy_rid: str | None) -> Iterator:
    xml = view.obj
    yield view[:open_end]
    pos = open_end
    wanted = sorted(by_row)
    i = 0  # the next changed row: rows come in order, each must be met
    for m in _ROW_B.finditer(xml, open_end, end):
        if i == len(wanted):
            break
        rr = _ROW_NUMBER_B.search(xml, m.start(), xml.index(b">", m.start()))
        if rr is None:
            raise Unpatchable("a row without its number")
        r = int(rr.group(1))
        if r > wanted[i]:
            raise Unpatchable("a changed row the sheet does not have")
        if r == wanted[i]:
            yield view[pos:m.start()]
            yield _edit_row(m.group(0), r, by_row.pop(r), styles, date1904)
            pos = m.end()
            i += 1
    if i != len(wanted):
        raise Unpatchable("a changed row the sheet does not have")
    yield view[pos:end]
    tail = bytes(view[end:])
    if legacy_rid is not None:
        tail = _add_legacy_drawing(tail, bytes(view[:open_end]), legacy_rid)
    yield tail


# ---------------------------------------------------------------- comments

def _comments_xml(comments: dict[tuple[int, int], str], author: str) -> str:
    items = "".join(
        f'<comment ref="{col_letter(c)}{r}" authorId="0"><text><t xml:space="preserve">'
        f"{escape(text)}</t></text></comment>"
        for (r, c), text in sorted(comments.items()))
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<comments xmlns="{MAIN_NS}"><authors><author>{escape(author)}</author>'
            f"</authors><commentList>{items}</commentList></comments>")


def _vml_xml(comments: dict[tuple[int, int], str]) -> str:
    shapes = []
    for n, (r, c) in enumerate(sorted(comments), start=1):
        shapes.append(
            f'<v:shape id="_x0000_s{1024 + n}" type="#_x0000_t202" '
            'style="position:absolute;margin-left:59.25pt;margin-top:1.5pt;width:165pt;'
            'height:45pt;z-index:1;visibility:hidden" fillcolor="#ffffe1" o:insetmode="auto">'
            '<v:fill color2="#ffffe1"/><v:shadow on="t" color="black" obscured="t"/>'
            '<v:path o:connecttype="none"/><v:textbox style="mso-direction-alt:auto">'
            '<div style="text-align:left"/></v:textbox>'
            '<x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/>'
            f"<x:AutoFill>False</x:AutoFill><x:Row>{r - 1}</x:Row><x:Column>{c - 1}</x:Column>"
            "</x:ClientData></v:shape>")
    return ('<xml xmlns:v="urn:schemas-microsoft-com:vml" '
            'xmlns:o="urn:schemas-microsoft-com:office:office" '
            'xmlns:x="urn:schemas-microsoft-com:office:excel">'
            '<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="1"/></o:shapelayout>'
            '<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" '
            'path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/>'
            '<v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>'
            + "".join(shapes) + "</xml>")


_AFTER_LEGACY = ("legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls",
                 "webPublishItems", "tableParts", "extLst")


def _add_legacy_drawing(tail: bytes, head: bytes, rid: str) -> bytes:
    """The sheet's end (from </sheetData>) with the comments' drawing in its place."""
    tag = f'<legacyDrawing r:id="{rid}"/>'
    if not re.search(rb"<worksheet\b[^>]*xmlns:r=", head):
        tag = f'<legacyDrawing xmlns:r="{REL_NS}" r:id="{rid}"/>'
    for name in _AFTER_LEGACY:
        m = re.compile(rb"<(?:\w+:)?" + name.encode() + rb"\b").search(tail)
        if m:
            return tail[:m.start()] + tag.encode() + tail[m.start():]
    return tail.replace(b"</worksheet>", tag.encode() + b"</worksheet>")


def _unused_name(pkg: _Package, pattern: str) -> str:
    n = 1
    while pattern.format(n) in pkg.names or pattern.format(n) in pkg.changed:
        n += 1
    return pattern.format(n)


# ---------------------------------------------------------------- a new sheet

def _new_sheet_xml(sheet: NewSheet, styles: _Styles, date1904: bool) -> str:
    cols = "".join(f'<col min="{c}" max="{c}" width="{w}" customWidth="1"/>'
                   for c, w in sorted(sheet.widths.items()))
    rows = []
    for r, cells in enumerate(sheet.rows, start=1):
        xml_cells = []
        for c, (value, style) in enumerate(cells, start=1):
            if value is None and style is None:
                continue
            s = None
            if style == "bold":
                s = styles.derive(0, (("newfont", "bold"),))
            elif isinstance(style, tuple) and style[0] == "font":
                s = styles.derive(0, (("newfont", style[1]),))
            elif isinstance(style, tuple):
                s = styles.derive(0, (style,))
            xml_cells.append(_cell_xml(f"{col_letter(c)}{r}", s, value, date1904))
        rows.append(f'<row r="{r}">{"".join(xml_cells)}</row>' if xml_cells
                    else f'<row r="{r}"/>')
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<worksheet xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">'
            + (f"<cols>{cols}</cols>" if cols else "")
            + f'<sheetData>{"".join(rows)}</sheetData></worksheet>')


def _append_sheet(pkg: _Package, sheet: NewSheet, styles: _Styles, date1904: bool) -> None:
    workbook = pkg.text("xl/workbook.xml")
    names = {_unescape(n) for n in re.findall(r"""<(?:\w+:)?sheet\b[^>]*\bname=["']([^"']*)""",
                                             workbook)}
    title, n = sheet.title, 2
    while title in names:
        title, n = f"{sheet.title}{n}", n + 1
    part = _unused_name(pkg, "xl/worksheets/sheet{}.xml")
    pkg.put(part, _new_sheet_xml(sheet, styles, date1904))
    rid = _add_rel(pkg, "xl/workbook.xml", SHEET_REL,
                   posixpath.relpath(part, "xl"))
    ids = [int(i) for i in re.findall(r"""<(?:\w+:)?sheet\b[^>]*\bsheetId=["'](\d+)""",
                                      workbook)]
    prefix = re.search(r"<(\w+:)?sheets\b", workbook).group(1) or ""
    entry = (f'<{prefix}sheet xmlns:r="{REL_NS}" name={quoteattr(title)} '
             f'sheetId="{max(ids, default=0) + 1}" r:id="{rid}"/>')
    workbook = workbook.replace(f"</{prefix}sheets>", entry + f"</{prefix}sheets>", 1)
    pkg.put("xl/workbook.xml", workbook)
    _content_type(pkg, override=(part, "application/vnd.openxmlformats-officedocument."
                                       "spreadsheetml.worksheet+xml"))


# ---------------------------------------------------------------- the whole patch

def patch(data: bytes, sheet: str, edits: dict[tuple[int, int], CellEdit], *,
          new_sheet: NewSheet | None = None, author: str = "") -> _Package:
    """The package with `edits` applied to `sheet` and `new_sheet` appended; call .write(f)
    to produce the file. Raises Unpatchable, here or while writing (the caller then
    discards the file), on a file it does not handle."""
    # an edit that changes nothing writes nothing (not even an empty cell element)
    edits = {k: e for k, e in edits.items() if e.has_value or e.changes or e.comment is not None}
    pkg = _Package(data)
    part = _sheet_part(pkg, sheet)
    rels = _rels(pkg, part)
    comments = {k: e.comment for k, e in edits.items() if e.comment is not None}
    if comments and any(r.get("Type") in (COMMENTS_REL, VML_REL) for r in rels):
        raise Unpatchable("the sheet already has comments")
    workbook = pkg.text("xl/workbook.xml")
    date1904 = bool(re.search(r"""date1904\s*=\s*["'](1|true)["']""", workbook))
    styles = _Styles(pkg)
    if part not in pkg.names:
        raise Unpatchable(f"missing part {part}")
    xml = pkg.zip.read(part)
    if b"purl.oclc.org/ooxml" in xml[:2000]:
        raise Unpatchable("strict OOXML")
    vrid = None
    if comments:
        cpart = _unused_name(pkg, "xl/comments{}.xml")
        vpart = _unused_name(pkg, "xl/drawings/commentsDrawing{}.vml")
        pkg.put(cpart, _comments_xml(comments, author))
        pkg.put(vpart, _vml_xml(comments))
        _add_rel(pkg, part, COMMENTS_REL, posixpath.relpath(cpart, posixpath.dirname(part)))
        vrid = _add_rel(pkg, part, VML_REL, posixpath.relpath(vpart, posixpath.dirname(part)))
        _content_type(pkg, override=(cpart, "application/vnd.openxmlformats-officedocument."
                                            "spreadsheetml.comments+xml"))
        _content_type(pkg, default=("vml", "application/vnd.openxmlformats-officedocument."
                                           "vmlDrawing"))
    pkg.changed[part] = _edit_sheet(xml, edits, styles, date1904, vrid)
    if new_sheet is not None:
        _append_sheet(pkg, new_sheet, styles, date1904)
    # the sheet's cell formats are made as its rows are written: styles.xml after it
    pkg.deferred.add(styles.path)
    pkg.finish.append(styles.save)
    return pkg
