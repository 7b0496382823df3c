"""Fonts, paragraph styles and colours shared by every PDF we make.

ReportLab's built-in fonts only cover Latin-1, so Welsh place names (ŵ, ŷ) and many other letters
would vanish; we embed DejaVu Sans (shipped in ``resources/fonts``) instead.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.styles import ParagraphStyle, StyleSheet1
from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.ttfonts import TTFont

from eqvisit.resources import resource_path

FONT = "EqvDejaVuSans"
FONT_BOLD = "EqvDejaVuSans-Bold"
FONT_ITALIC = "EqvDejaVuSans-Oblique"
FAMILY = "EqvDejaVu"

NHS_BLUE = colors.HexColor("#005EB8")
NHS_DARK_BLUE = colors.HexColor("#003087")
PALE_GREY = colors.HexColor("#E8EDEE")
MID_GREY = colors.HexColor("#768692")

FLAG_COLOURS = {
    "red": colors.HexColor("#DA291C"),
    "pink": colors.HexColor("#F4A6C0"),
    "white": colors.HexColor("#FFFFFF"),
    "light_green": colors.HexColor("#A4D65E"),
    "green": colors.HexColor("#009639"),
    "grey": colors.HexColor("#AEB7BD"),
    "none": colors.HexColor("#E8EDEE"),
}
BAND_COLOURS = (
    colors.HexColor("#78BE20"),
    colors.HexColor("#FFB81C"),
    colors.HexColor("#ED8B00"),
    colors.HexColor("#DA291C"),
    colors.HexColor("#7C2855"),
)

_lock = threading.Lock()


def _to_unicode_cmap(fontname: str, subset: list[int]) -> str:
    """ReportLab's ToUnicode map, with characters beyond U+FFFF written as UTF-16 pairs.

    ReportLab writes them as five hex digits, which PDF readers reject, so an emoji in a note
    would drop out of the text a reader copies or searches.
    """

    def utf16(code: int) -> str:
        return chr(code).encode("utf-16-be", "surrogatepass").hex().upper()

    lines = [
        "/CIDInit /ProcSet findresource begin",
        "12 dict begin",
        "begincmap",
        "/CIDSystemInfo",
        f"<< /Registry ({fontname})",
        f"/Ordering ({fontname})",
        "/Supplement 0",
        ">> def",
        f"/CMapName /{fontname} def",
        "/CMapType 2 def",
        "1 begincodespacerange",
        f"<00> <{len(subset) - 1:02X}>",
        "endcodespacerange",
        f"{len(subset)} beginbfchar",
        *(f"<{index:02X}> <{utf16(code)}>" for index, code in enumerate(subset)),
        "endbfchar",
        "endcmap",
        "CMapName currentdict /CMap defineresource pop",
        "end",
        "end",
    ]
    return "\n".join(lines)


def register_fonts() -> None:
    """Register the embedded fonts once per process (ReportLab's registry is global)."""
    with _lock:
        if FONT in pdfmetrics.getRegisteredFontNames():
            return
        ttfonts.makeToUnicodeCMap = _to_unicode_cmap
        for name, file in (
            (FONT, "DejaVuSans.ttf"),
            (FONT_BOLD, "DejaVuSans-Bold.ttf"),
            (FONT_ITALIC, "DejaVuSans-Oblique.ttf"),
        ):
            pdfmetrics.registerFont(TTFont(name, str(resource_path("fonts", file))))
        pdfmetrics.registerFontFamily(
            FAMILY, normal=FONT, bold=FONT_BOLD, italic=FONT_ITALIC, boldItalic=FONT_BOLD
        )
        pdfmetrics.registerFontFamily(
            FONT, normal=FONT, bold=FONT_BOLD, italic=FONT_ITALIC, boldItalic=FONT_BOLD
        )


@lru_cache(maxsize=1)
def stylesheet() -> StyleSheet1:
    register_fonts()
    sheet = StyleSheet1()
    base: dict[str, Any] = {
        "fontName": FONT,
        "fontSize": 9.5,
        "leading": 12.5,
        "alignment": TA_LEFT,
    }
    sheet.add(ParagraphStyle("Body", spaceAfter=5, **base))
    sheet.add(ParagraphStyle("Lead", spaceBefore=4, spaceAfter=2, keepWithNext=1, **base))
    sheet.add(ParagraphStyle("Cell", **{**base, "fontSize": 8, "leading": 10}))
    sheet.add(
        ParagraphStyle("CellHead", **{**base, "fontName": FONT_BOLD, "fontSize": 8, "leading": 10})
    )
    sheet.add(
        ParagraphStyle(
            "Title",
            **{**base, "fontName": FONT_BOLD, "fontSize": 20, "leading": 25},
            textColor=NHS_DARK_BLUE,
            spaceAfter=10,
        )
    )
    sheet.add(
        ParagraphStyle(
            "H1",
            **{**base, "fontName": FONT_BOLD, "fontSize": 14, "leading": 18},
            textColor=NHS_BLUE,
            spaceBefore=10,
            spaceAfter=6,
            keepWithNext=1,
        )
    )
    sheet.add(
        ParagraphStyle(
            "H2",
            **{**base, "fontName": FONT_BOLD, "fontSize": 11, "leading": 14},
            textColor=NHS_DARK_BLUE,
            spaceBefore=6,
            spaceAfter=4,
            keepWithNext=1,
        )
    )
    sheet.add(
        ParagraphStyle(
            "Note", **{**base, "fontName": FONT_ITALIC, "fontSize": 8.5}, textColor=MID_GREY
        )
    )
    return sheet


def markup(text: str) -> str:
    """Plain text as Paragraph markup: escaped, line breaks kept."""
    return escape(text).replace("\r\n", "\n").replace("\n", "<br/>")
