"""HTML to readable plain text, with the standard library's html.parser only.

The result keeps the structure a reader (and the quote splitter) needs: paragraphs and line breaks,
list items as "- item", table rows as one line of cells separated by " | ", and blockquotes as "> "
lines so that quoted history in HTML-only replies is recognised like quoted plain text.  Script,
style and head content is dropped; entities are decoded by the parser.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Tags whose start and end break the line; the paragraph-like ones also leave a blank line.
_PARAGRAPH_TAGS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "dl", "pre", "hr"})
_LINE_TAGS = frozenset(
    {"div", "tr", "li", "dt", "dd", "section", "article", "header", "footer", "address", "center",
     "form", "fieldset", "nav", "aside", "main", "figure", "figcaption", "caption", "tbody", "thead", "tfoot"}
)
# Content never shown as text.  <head> itself is not skipped: an unclosed <head> would swallow the body,
# and what it holds that is not text (title, style, meta) is skipped or void anyway.
_SKIPPED_TAGS = frozenset({"script", "style", "title", "template", "noembed", "svg"})
_VOID_TAGS = frozenset({"br", "hr", "img", "meta", "link", "input", "area", "base", "col", "wbr", "source"})
_SPACES = re.compile(r"[ \t\r\n\f\v\u00a0\u200b]+")
_BLANK_RUNS = re.compile(r"\n{3,}")


class _TextBuilder(HTMLParser):
    """Collects text pieces; newlines are requested, not written, so that runs collapse."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self._skip_depth = 0
        self._pre_depth = 0
        self._quote_depth = 0
        self._pending_newlines = 0
        self._at_line_start = True
        self._cells_in_row = 0

    # -- output helpers -------------------------------------------------------------------------
    def _newline(self, count: int = 1) -> None:
        if self.pieces:
            self._pending_newlines = max(self._pending_newlines, count)

    def _write(self, text: str) -> None:
        self._flush_newlines()
        if self._at_line_start:
            if not self._pre_depth:
                text = text.lstrip(" ")
            if not text:
                return
            if self._quote_depth:
                self.pieces.append("> " * self._quote_depth)
        self.pieces.append(text)
        self._at_line_start = False

    def _flush_newlines(self) -> None:
        if self._pending_newlines:
            self.pieces.append("\n" * self._pending_newlines)
            self._pending_newlines = 0
            self._at_line_start = True

    # -- parser callbacks -----------------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED_TAGS:
            self._skip_depth += 1
            return
        if tag == "body":
            self._skip_depth = 0  # an unclosed <title> before the body must not hide it
        if self._skip_depth:
            return
        self._open(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _SKIPPED_TAGS and not self._skip_depth:
            self._open(tag)
            if tag not in _VOID_TAGS:
                self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_TAGS:
            self._skip_depth = max(0, self._skip_depth - 1)
            return
        if self._skip_depth:
            return
        self._close(tag)

    def handle_data(self, data: str) -> None:
        if self._skip_depth:
            return
        if self._pre_depth:  # preformatted: keep spaces and line breaks as they are
            for number, line in enumerate(data.split("\n")):
                if number:
                    self._flush_newlines()
                    self.pieces.append("\n")
                    self._at_line_start = True
                if line:
                    self._write(line)
            return
        text = _SPACES.sub(" ", data)
        if text.strip() or not self._at_line_start:
            self._write(text)

    # -- structure ------------------------------------------------------------------------------
    def _open(self, tag: str) -> None:
        if tag == "br":
            self._pending_newlines += 1 if self.pieces else 0
        elif tag == "li":
            self._newline(1)
            self._write("- ")
        elif tag == "tr":
            self._newline(1)
            self._cells_in_row = 0
        elif tag in ("td", "th"):
            if self._cells_in_row:
                self._write(" | ")
            self._cells_in_row += 1
        elif tag == "blockquote":
            self._newline(1)
            self._quote_depth += 1
        elif tag in _PARAGRAPH_TAGS:
            self._newline(2)
            if tag == "pre":
                self._pre_depth += 1
        elif tag in _LINE_TAGS:
            self._newline(1)

    def _close(self, tag: str) -> None:
        if tag == "blockquote":
            self._newline(1)
            self._quote_depth = max(0, self._quote_depth - 1)
        elif tag in _PARAGRAPH_TAGS:
            self._newline(2)
            if tag == "pre":
                self._pre_depth = max(0, self._pre_depth - 1)
        elif tag in _LINE_TAGS:
            self._newline(1)


def html_to_text(html: str) -> str:
    """Readable text from an HTML document or fragment.  Never raises; broken markup gives best effort."""
    builder = _TextBuilder()
    try:
        builder.feed(html)
        builder.close()
    except Exception:  # html.parser is lenient, but a last guard keeps the contract: never raise
        return _tidy(re.sub(r"<[^>]*>", " ", html))
    return _tidy("".join(builder.pieces))


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.split("\n")]
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip("\n")
